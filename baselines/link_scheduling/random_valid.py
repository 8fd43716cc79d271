"""RandomValid: a uniformly random valid link group every slot (a sanity baseline).

Procedure per slot (documented, reproducible under ``seed``):
1. visit the transmitters in a random order; each picks uniformly among the options its row
   of ``info["action_mask"]`` allows (idle included), skipping devices already taken by a
   transmitter visited earlier (unicast);
2. drop every link whose SINR is below threshold under the interference of the sampled
   group's active C-band transmitters (one pass: dropping links only lowers interference,
   so the remaining links stay feasible). Needs the instance from ``reset(env)``; without
   it the env's own repair does the same.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from leo_envs.envs.link_scheduling.groups import IDLE, repair_group
from leo_envs.envs.link_scheduling.instance import LinkSchedulingInstance


class RandomValid:
    name = "RandomValid"
    is_exact = False

    def __init__(self, seed: int | None = 0) -> None:
        self.rng = np.random.default_rng(seed)
        self._inst: LinkSchedulingInstance | None = None

    def seed(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)

    def reset(self, env: Any) -> None:
        self._inst = env.instance()

    def act(self, obs: Any, info: dict[str, Any]) -> NDArray[np.int64]:
        mask = np.asarray(info["action_mask"], dtype=bool)
        n_tx = 4 if self._inst is None else self._inst.n_transmitters
        mask = mask.reshape(n_tx, -1)
        group = np.zeros(n_tx, dtype=np.int64)
        taken = np.zeros(mask.shape[1], dtype=bool)  # index 0 = idle, never "taken"
        for j in self.rng.permutation(n_tx):
            options = np.flatnonzero(mask[j] & ~taken)
            choice = int(self.rng.choice(options)) if options.size else IDLE
            group[j] = choice
            if choice > IDLE:
                taken[choice] = True
        if self._inst is not None:
            group = repair_group(self._inst, int(info.get("slot", 0)), group)
        return group
