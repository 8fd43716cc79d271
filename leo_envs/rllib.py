"""RLlib support: the leo-envs ids, creatable on every Ray worker.

RLlib builds envs on its env runners, which are separate Ray worker processes that never
``import leo_envs``, so ``PPOConfig().environment("leo_envs/LinkScheduling-v0")`` fails there
with ``NamespaceNotFound: leo_envs``. :func:`register_rllib_envs` registers every id with
Ray Tune's registry (kept by the Ray cluster, so every worker sees it) under the same name,
with an env creator that lives in this module: unpickling it on a worker imports
``leo_envs``, which registers the Gymnasium ids there.

Example (one remote env runner; ``env_config`` holds ``gym.make`` keyword arguments)::

    import ray
    from ray.rllib.algorithms.ppo import PPOConfig
    from leo_envs.rllib import register_rllib_envs

    ray.init()                      # or ray.init(address="auto") on a cluster
    register_rllib_envs()           # after ray.init: the registry lives in the cluster
    config = (
        PPOConfig()
        .environment("leo_envs/LinkScheduling-v0", env_config={"n_devices": 20, "max_devices": 20})
        .env_runners(num_env_runners=1)
    )
    algo = config.build_algo()
    print(algo.train()["env_runners"]["episode_return_mean"])

Needs ``pip install 'leo-envs[rllib]'``. This module imports Ray only inside
:func:`register_rllib_envs`, so importing ``leo_envs`` never needs Ray.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import partial
from typing import Any

import gymnasium as gym

from leo_envs.registration import ENV_SPECS, register_envs

__all__ = ["make_env", "register_rllib_envs"]


def make_env(env_id: str, env_config: Mapping[str, Any] | None = None) -> gym.Env:
    """``gym.make(env_id, **env_config)`` after registering the leo-envs ids in this process.

    ``env_config`` is RLlib's ``EnvContext`` (a dict of ``gym.make`` keyword arguments plus
    worker attributes that are not passed on).
    """
    register_envs()
    return gym.make(env_id, **dict(env_config or {}))


def register_rllib_envs(env_ids: Iterable[str] | None = None) -> list[str]:
    """Register ``env_ids`` (default: every leo-envs id) with Ray Tune's env registry.

    Call it after ``ray.init()`` and before building the algorithm; then
    ``config.environment(env_id, env_config={...})`` works with any number of remote env
    runners. Returns the ids registered. Unknown ids raise ``ValueError``.
    """
    try:
        from ray.tune.registry import register_env
    except ImportError as exc:
        raise ImportError("RLlib support needs Ray: pip install 'leo-envs[rllib]'") from exc
    ids = list(ENV_SPECS) if env_ids is None else list(env_ids)
    unknown = [i for i in ids if i not in ENV_SPECS]
    if unknown:
        raise ValueError(f"unknown env ids {unknown}; leo-envs ids: {sorted(ENV_SPECS)}")
    for env_id in ids:
        register_env(env_id, partial(make_env, env_id))
    return ids
