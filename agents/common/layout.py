"""How a link-scheduling observation and action map onto a device grid for the networks.

LinkScheduling-v0 observations are feature-major: ``C`` features per device for ``K``
device slots (``observation_labels`` ``"<feature>.device<k>"``), then ``G`` global values.
Actions are one receiver per transmitter (``MultiDiscrete([K+1] * J)``, 0 idle, k+1 device
k); the networks see an action as its 0/1 link matrix ``[J, K]``, the same embedding the
env's ``action_neighbors`` measures distances in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import torch
from gymnasium import spaces
from numpy.typing import NDArray

__all__ = ["GridLayout", "groups_to_links"]

_DEVICE_LABEL = re.compile(r"^(.*)\.device(\d+)$")


def groups_to_links(groups: NDArray[np.int64], n_devices: int) -> NDArray[np.float32]:
    """Link matrices ``[..., J, K]`` (1 where transmitter j serves device k) of groups
    ``[..., J]`` (0 idle, k+1 device k)."""
    groups = np.asarray(groups, dtype=np.int64)
    eye = np.eye(n_devices + 1, dtype=np.float32)[:, 1:]  # row 0 (idle) is all zeros
    return eye[groups]


@dataclass(frozen=True)
class GridLayout:
    """Shapes of the device grid: ``n_features`` (C) per device, ``n_devices`` (K),
    ``n_tx`` (J) transmitters, ``n_global`` (G) trailing global observation values."""

    n_features: int
    n_devices: int
    n_tx: int
    n_global: int

    @classmethod
    def from_env(cls, env) -> GridLayout:
        base = env.unwrapped
        action_space = base.action_space
        if not isinstance(action_space, spaces.MultiDiscrete) or action_space.nvec.ndim != 1:
            raise TypeError(
                "the link-scheduling agents need a MultiDiscrete([K+1] * J) action space, got "
                f"{action_space}"
            )
        labels = getattr(base, "observation_labels", None)
        if labels is None:
            raise TypeError(f"{type(base).__name__} has no observation_labels to build the grid")
        n_devices = int(action_space.nvec[0]) - 1
        per_device = [m for m in map(_DEVICE_LABEL.match, labels) if m]
        n_features = len({m.group(1) for m in per_device})
        n_grid = n_features * n_devices
        if len(per_device) != n_grid or any(
            _DEVICE_LABEL.match(lab) is None for lab in labels[:n_grid]
        ):
            raise ValueError(
                "observation labels are not feature-major per device followed by globals"
            )
        return cls(n_features, n_devices, len(action_space.nvec), len(labels) - n_grid)

    @property
    def obs_size(self) -> int:
        return self.n_features * self.n_devices + self.n_global

    @property
    def action_size(self) -> int:
        return self.n_tx * self.n_devices

    def split(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``obs [B, obs_size]`` -> grid ``[B, C, K]`` and globals ``[B, G]``."""
        n_grid = self.n_features * self.n_devices
        grid = obs[:, :n_grid].reshape(-1, self.n_features, self.n_devices)
        return grid, obs[:, n_grid : self.obs_size]

    def links(self, groups: NDArray[np.int64]) -> NDArray[np.float32]:
        return groups_to_links(groups, self.n_devices)
