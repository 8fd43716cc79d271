"""The policy protocol of the harness, adapters to it, and named-policy discovery.

A *policy* is any object with ``act(obs, info) -> action``. The harness also uses, when
present:

``reset(env)``
    called at every episode start with the *unwrapped* env;
``seed(seed)``
    called once per evaluation seed, before that seed's first episode;
``plan(instance) -> np.ndarray``
    offline solvers: called at episode start with ``env.unwrapped.instance()``; row ``t``
    of the returned array is the action of step ``t``. The harness replays the plan through
    the env, so the env alone scores every method. Returning ``None`` falls back to ``act``;
``is_exact``
    ``True`` for exact optimal solvers (their objective is the reference of ``gap_to_opt``);
``observe(obs, action, reward, next_obs, terminated, truncated, info)``
    online learners: called after every step;
``name``
    the label used in result tables (defaults to the class name).

Named policies are discovered through the ``leo_envs.policies`` entry-point group (each
entry point loads a class or factory called with no arguments); ``module:attr`` specs work
for anything importable. ``leo_envs`` itself never imports ``agents`` or ``baselines``.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from collections.abc import Callable
from importlib.metadata import EntryPoint, entry_points
from typing import Any, Protocol, runtime_checkable

import numpy as np

__all__ = [
    "ENTRY_POINT_GROUP",
    "CallablePolicy",
    "Policy",
    "SB3Policy",
    "as_policy",
    "available_policies",
    "is_exact",
    "policy_name",
    "resolve_policy",
]

ENTRY_POINT_GROUP = "leo_envs.policies"


@runtime_checkable
class Policy(Protocol):
    """Anything with ``act(obs, info) -> action``; see the module docstring for the
    optional hooks (``reset``, ``seed``, ``plan``, ``is_exact``, ``observe``, ``name``)."""

    def act(self, obs: Any, info: dict[str, Any]) -> Any: ...


class SB3Policy:
    """Wraps a Stable-Baselines3 model (anything with ``predict``) as a policy.

    Models whose ``predict`` accepts ``action_masks`` (sb3-contrib ``MaskablePPO``) get
    ``info["action_mask"]``; recurrent models (``predict`` with ``episode_start``) get
    their hidden state carried through the episode.
    """

    def __init__(self, model: Any, deterministic: bool = True, name: str | None = None) -> None:
        if not callable(getattr(model, "predict", None)):
            raise TypeError(f"SB3Policy needs a model with a predict() method, got {model!r}")
        self.model = model
        self.deterministic = deterministic
        self.name = name or type(model).__name__
        params = _parameters(model.predict)
        self._masked = "action_masks" in params or _is_maskable(model)
        self._recurrent = "episode_start" in params
        self._state: Any = None
        self._episode_start = True

    def reset(self, env: Any) -> None:
        self._state = None
        self._episode_start = True

    def act(self, obs: Any, info: dict[str, Any]) -> Any:
        kwargs: dict[str, Any] = {"deterministic": self.deterministic}
        if self._masked:
            mask = info.get("action_mask")
            if mask is None:
                raise KeyError(
                    f"{self.name} is a maskable model but the env gave no info['action_mask']"
                )
            kwargs["action_masks"] = np.asarray(mask)
        if self._recurrent:
            kwargs["state"] = self._state
            kwargs["episode_start"] = np.array([self._episode_start])
        action, state = self.model.predict(obs, **kwargs)
        self._state = state
        self._episode_start = False
        return action

    def __repr__(self) -> str:
        return f"SB3Policy({self.name}, deterministic={self.deterministic})"


class CallablePolicy:
    """Wraps a function ``fn(obs, info) -> action`` as a policy."""

    def __init__(self, fn: Callable[[Any, dict[str, Any]], Any], name: str | None = None) -> None:
        if not callable(fn):
            raise TypeError(f"CallablePolicy needs a callable, got {fn!r}")
        self.fn = fn
        self.name = name or getattr(fn, "__name__", type(fn).__name__)

    def act(self, obs: Any, info: dict[str, Any]) -> Any:
        return self.fn(obs, info)

    def __repr__(self) -> str:
        return f"CallablePolicy({self.name})"


def _parameters(fn: Callable[..., Any]) -> set[str]:
    try:
        return set(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return set()


def _is_maskable(model: Any) -> bool:
    # An instance of MaskablePPO implies sb3_contrib is imported: never import it (torch) here.
    if "sb3_contrib" not in sys.modules:
        return False
    from sb3_contrib import MaskablePPO

    return isinstance(model, MaskablePPO)


def _is_sb3_model(obj: Any) -> bool:
    if "stable_baselines3" not in sys.modules:
        return False
    from stable_baselines3.common.base_class import BaseAlgorithm

    return isinstance(obj, BaseAlgorithm)


def as_policy(obj: Any) -> Any:
    """Turn ``obj`` into a policy.

    Accepts a policy (returned as is), a name or ``module:attr`` spec (see
    :func:`resolve_policy`), a class (instantiated with no arguments), a Stable-Baselines3
    model, or a function ``fn(obs, info) -> action``.
    """
    if isinstance(obj, str):
        return resolve_policy(obj)
    if isinstance(obj, type):
        return as_policy(obj())
    if _is_sb3_model(obj):
        return SB3Policy(obj)
    if callable(getattr(obj, "act", None)) or callable(getattr(obj, "plan", None)):
        return obj
    if callable(getattr(obj, "predict", None)):
        return SB3Policy(obj)
    if callable(obj):
        return CallablePolicy(obj)
    raise TypeError(
        f"cannot use {obj!r} as a policy: expected an object with act(obs, info) or "
        "plan(instance), an SB3 model, a callable fn(obs, info), or a policy name"
    )


def available_policies() -> dict[str, EntryPoint]:
    """The named policies declared in the ``leo_envs.policies`` entry-point group."""
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def _load_spec(spec: str) -> Any:
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise ValueError(f"bad policy spec {spec!r}: expected 'module:attr'")
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(f"policy spec {spec!r}: cannot import {module_name!r} ({exc})") from exc
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError as exc:
            raise ValueError(f"policy spec {spec!r}: {module_name} has no {attr!r}") from exc
    return obj


def _instantiate(obj: Any) -> Any:
    """Entry points and specs name a class or a zero-argument factory, or a policy."""
    if isinstance(obj, type):
        return obj()
    if callable(getattr(obj, "act", None)) or callable(getattr(obj, "plan", None)):
        return obj
    if callable(obj):
        return obj()
    return obj


def resolve_policy(name_or_spec: str) -> Any:
    """A policy from an entry-point name (``"greedy"``) or a ``"module:attr"`` spec.

    The named class or factory is called with no arguments and the result passed through
    :func:`as_policy`. Unknown names raise ``ValueError`` listing the available ones.
    """
    if not isinstance(name_or_spec, str):
        raise TypeError(f"policy name must be a string, got {name_or_spec!r}")
    spec = name_or_spec.strip()
    if ":" in spec:
        obj = _load_spec(spec)
    else:
        eps = available_policies()
        if spec not in eps:
            names = ", ".join(sorted(eps)) or "(none installed)"
            raise ValueError(
                f"unknown policy {spec!r}. Available names in entry-point group "
                f"{ENTRY_POINT_GROUP!r}: {names}. Or give a 'module:attr' spec."
            )
        try:
            obj = eps[spec].load()
        except Exception as exc:
            raise ValueError(
                f"policy {spec!r} ({eps[spec].value}) failed to load: {type(exc).__name__}: {exc}"
            ) from exc
    policy = as_policy(_instantiate(obj))
    if getattr(policy, "name", None) is None:
        try:
            policy.name = spec
        except AttributeError:
            pass
    return policy


def policy_name(policy: Any) -> str:
    """The label of ``policy`` in result tables."""
    name = getattr(policy, "name", None)
    return str(name) if name else type(policy).__name__


def is_exact(policy: Any) -> bool:
    """Whether ``policy`` declares itself an exact optimal solver."""
    return bool(getattr(policy, "is_exact", False))
