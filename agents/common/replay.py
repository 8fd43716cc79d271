"""A uniform replay memory of named numpy fields (a ring buffer), checkpointable."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["ReplayMemory"]


class ReplayMemory:
    """Fixed-capacity ring buffer; each field is an array ``[capacity, *shape]``.

    ``fields`` maps a name to ``(shape, dtype)``. ``add(**row)`` writes one transition
    (overwriting the oldest when full); ``sample(batch_size, rng)`` draws indices uniformly
    with replacement from the ``len(self)`` stored rows using the caller's generator, so a
    seeded agent samples reproducibly.
    """

    def __init__(self, capacity: int, fields: dict[str, tuple[tuple[int, ...], Any]]) -> None:
        if isinstance(capacity, bool) or not isinstance(capacity, int | np.integer) or capacity < 1:
            raise ValueError(f"capacity must be an integer >= 1, got {capacity!r}")
        if not fields:
            raise ValueError("fields must name at least one field")
        self.capacity = int(capacity)
        self.fields = {
            name: (tuple(shape), np.dtype(dtype)) for name, (shape, dtype) in fields.items()
        }
        self.data = {
            name: np.zeros((self.capacity, *shape), dtype=dtype)
            for name, (shape, dtype) in self.fields.items()
        }
        self.pos = 0
        self.full = False

    def __len__(self) -> int:
        return self.capacity if self.full else self.pos

    def add(self, **row: Any) -> None:
        missing = set(self.fields) - set(row)
        extra = set(row) - set(self.fields)
        if missing or extra:
            raise ValueError(
                f"add() needs exactly the fields {sorted(self.fields)}; missing "
                f"{sorted(missing)}, unexpected {sorted(extra)}"
            )
        for name, value in row.items():
            value = np.asarray(value)
            shape = self.fields[name][0]
            if value.shape != shape:
                raise ValueError(f"field {name!r} must have shape {shape}, got {value.shape}")
        for name, value in row.items():
            self.data[name][self.pos] = value
        self.pos = (self.pos + 1) % self.capacity
        self.full = self.full or self.pos == 0

    def sample(self, batch_size: int, rng: np.random.Generator) -> dict[str, NDArray]:
        if len(self) == 0:
            raise ValueError("cannot sample from an empty ReplayMemory")
        return self.sample_rows(rng.integers(0, len(self), size=batch_size))

    def sample_rows(self, idx) -> dict[str, NDArray]:
        """The stored rows ``idx`` (positions in storage order), one array per field."""
        idx = np.asarray(idx, dtype=np.int64)
        if idx.size and (idx.min() < 0 or idx.max() >= len(self)):
            raise IndexError(f"rows must lie in [0, {len(self)}), got {idx.tolist()}")
        return {name: arr[idx] for name, arr in self.data.items()}

    def clear(self) -> None:
        self.pos = 0
        self.full = False

    def state_dict(self) -> dict[str, Any]:
        n = len(self)
        return {
            "capacity": self.capacity,
            "pos": self.pos,
            "full": self.full,
            "data": {name: arr[:n].copy() for name, arr in self.data.items()},
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state["capacity"] != self.capacity or set(state["data"]) != set(self.data):
            raise ValueError("replay state does not match this memory's capacity and fields")
        for name, arr in state["data"].items():
            self.data[name][:] = 0
            self.data[name][: len(arr)] = arr
        self.pos, self.full = int(state["pos"]), bool(state["full"])
