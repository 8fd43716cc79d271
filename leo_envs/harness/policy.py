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
entry point loads a class or factory called with no arguments). Their names are
``<family>.<policy>`` (``link_scheduling.greedy``); the short name (``greedy``) is accepted
when one family provides it, or when the env id picks the family
(``leo_envs/LinkScheduling-v0`` -> ``link_scheduling``). ``module:attr`` specs work for
anything importable: a policy class or object, a zero-argument factory, or a plain function
``f(obs, info) -> action``. ``sb3:path/to/model.zip`` (or ``sb3:ALGO:path``, e.g.
``sb3:MaskablePPO:model.zip``) loads a saved Stable-Baselines3 / sb3-contrib model.
``leo_envs`` itself never imports ``agents`` or ``baselines``.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import re
import sys
import zipfile
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
    "env_family",
    "is_exact",
    "load_sb3_model",
    "policy_name",
    "resolve_policy",
]

ENTRY_POINT_GROUP = "leo_envs.policies"
#: Prefix of a saved Stable-Baselines3 model spec: ``sb3:path.zip`` or ``sb3:ALGO:path.zip``.
SB3_PREFIX = "sb3:"


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


def as_policy(obj: Any, env_id: str | None = None) -> Any:
    """Turn ``obj`` into a policy.

    Accepts a policy (returned as is), a name or ``module:attr`` / ``sb3:`` spec (see
    :func:`resolve_policy`; ``env_id`` disambiguates short names), a class (instantiated
    with no arguments), a Stable-Baselines3 model, or a function ``fn(obs, info) -> action``.
    """
    if isinstance(obj, str):
        return resolve_policy(obj, env_id=env_id)
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


def _required_positional(fn: Any) -> int | None:
    """How many positional arguments ``fn`` requires (None if its signature is unknown)."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return None
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(p.kind in kinds and p.default is inspect.Parameter.empty for p in params)


def _instantiate(obj: Any) -> Any:
    """Entry points and specs name a class, a zero-argument factory, a policy, or a plain
    function ``f(obs, info) -> action`` (used as is)."""
    if isinstance(obj, type):
        return obj()
    if callable(getattr(obj, "act", None)) or callable(getattr(obj, "plan", None)):
        return obj
    if callable(obj):
        if _required_positional(obj) == 0:
            return obj()  # a factory
        return CallablePolicy(obj)
    return obj


def env_family(env_id: str) -> str:
    """The policy family of an env id: ``"leo_envs/LinkScheduling-v0"`` -> ``"link_scheduling"``."""
    name = env_id.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
    name = re.sub(r"-v\d+$", "", name)
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def _entry_point_name(spec: str, eps: dict[str, EntryPoint], env_id: str | None) -> str:
    """The full entry-point name ``spec`` stands for (itself, or a unique short name)."""
    if spec in eps:
        return spec
    matches = sorted(n for n in eps if "." in n and n.split(".", 1)[1] == spec)
    if len(matches) > 1 and env_id is not None:
        family = env_family(env_id)
        matches = [n for n in matches if n.split(".", 1)[0] == family]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise ValueError(
            f"policy name {spec!r} is ambiguous: {', '.join(matches)}. Use the full name "
            "(<family>.<policy>) or give the env id."
        )
    names = ", ".join(sorted(eps)) or "(none installed)"
    raise ValueError(
        f"unknown policy {spec!r}. Available names in entry-point group "
        f"{ENTRY_POINT_GROUP!r}: {names} (short names without the family work when "
        "unambiguous). Or give a 'module:attr' or 'sb3:path/to/model.zip' spec."
    )


def resolve_policy(name_or_spec: str, env_id: str | None = None) -> Any:
    """A policy from an entry-point name, a ``"module:attr"`` spec or an ``"sb3:"`` spec.

    Entry-point names are ``<family>.<policy>`` (``"link_scheduling.greedy"``); the short
    name (``"greedy"``) is accepted when only one family provides it or ``env_id`` picks
    the family. The named class or factory is called with no arguments (a plain function
    ``f(obs, info)`` is wrapped as is) and the result passed through :func:`as_policy`.
    Unknown or ambiguous names raise ``ValueError`` listing the available ones.
    """
    if not isinstance(name_or_spec, str):
        raise TypeError(f"policy name must be a string, got {name_or_spec!r}")
    spec = name_or_spec.strip()
    if spec.startswith(SB3_PREFIX):
        return SB3Policy(load_sb3_model(spec[len(SB3_PREFIX) :]), name=spec)
    if ":" in spec:
        obj = _load_spec(spec)
    else:
        eps = available_policies()
        full = _entry_point_name(spec, eps, env_id)
        try:
            obj = eps[full].load()
        except Exception as exc:
            raise ValueError(
                f"policy {spec!r} ({eps[full].value}) failed to load: {type(exc).__name__}: {exc}"
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


#: Saved-model policy classes -> the algorithm that loads them. On-policy actor-critic
#: models (PPO, A2C, TRPO) share ``ActorCriticPolicy``; loading any of them as PPO gives the
#: same ``predict``. Off-policy classes are told apart by their policy class.
_SB3_POLICY_ALGOS = {
    "MaskableActorCriticPolicy": "sb3_contrib:MaskablePPO",
    "MaskableActorCriticCnnPolicy": "sb3_contrib:MaskablePPO",
    "MaskableMultiInputActorCriticPolicy": "sb3_contrib:MaskablePPO",
    "RecurrentActorCriticPolicy": "sb3_contrib:RecurrentPPO",
    "RecurrentActorCriticCnnPolicy": "sb3_contrib:RecurrentPPO",
    "RecurrentMultiInputActorCriticPolicy": "sb3_contrib:RecurrentPPO",
    "ActorCriticPolicy": "stable_baselines3:PPO",
    "ActorCriticCnnPolicy": "stable_baselines3:PPO",
    "MultiInputActorCriticPolicy": "stable_baselines3:PPO",
    "DQNPolicy": "stable_baselines3:DQN",
    "SACPolicy": "stable_baselines3:SAC",
    "TD3Policy": "stable_baselines3:TD3",
    "QRDQNPolicy": "sb3_contrib:QRDQN",
    "TQCPolicy": "sb3_contrib:TQC",
    "ARSPolicy": "sb3_contrib:ARS",
}
_SB3_MODULES = ("stable_baselines3", "sb3_contrib")


def _sb3_algorithm(name: str) -> Any:
    for module_name in _SB3_MODULES:
        module = importlib.import_module(module_name)
        if hasattr(module, name):
            return getattr(module, name)
    raise ValueError(
        f"unknown Stable-Baselines3 algorithm {name!r} (looked in stable_baselines3 and "
        "sb3_contrib), e.g. PPO, A2C, DQN, SAC, TD3, MaskablePPO, RecurrentPPO"
    )


def _policy_class_of_zip(path: str) -> str:
    """The policy class name recorded in a saved SB3 model's ``data`` member."""
    try:
        with zipfile.ZipFile(path) as archive:
            data = json.loads(archive.read("data"))
    except (OSError, KeyError, zipfile.BadZipFile, json.JSONDecodeError) as exc:
        raise ValueError(f"{path} is not a saved Stable-Baselines3 model: {exc}") from exc
    text = json.dumps(data.get("policy_class", {}))
    names = [n for n in _SB3_POLICY_ALGOS if re.search(rf"\b{n}\b", text)]
    if not names:
        raise ValueError(
            f"cannot tell the algorithm of {path}; name it: 'sb3:ALGO:{path}' (e.g. sb3:PPO:...)"
        )
    return max(names, key=len)  # the most specific class mentioned


def load_sb3_model(spec: str) -> Any:
    """Load a saved SB3 / sb3-contrib model from ``"path.zip"`` or ``"ALGO:path.zip"``.

    Without ``ALGO`` the algorithm is read from the policy class stored in the zip
    (``MaskableActorCriticPolicy`` -> MaskablePPO, ``ActorCriticPolicy`` -> PPO, ...).
    """
    algo_name, sep, path = spec.partition(":")
    if not sep or "/" in algo_name or algo_name.endswith(".zip"):
        algo_name, path = "", spec
    if not path:
        raise ValueError("sb3 policy spec needs a path: 'sb3:path/to/model.zip'")
    if not path.endswith(".zip") and not path.endswith(".ZIP"):
        path_zip = path + ".zip"
        path = path_zip if os.path.isfile(path_zip) else path
    if not os.path.isfile(path):
        raise ValueError(f"sb3 policy spec: no such model file {path!r}")
    if algo_name:
        algo = _sb3_algorithm(algo_name)
    else:
        module_name, _, attr = _SB3_POLICY_ALGOS[_policy_class_of_zip(path)].partition(":")
        algo = getattr(importlib.import_module(module_name), attr)
    try:
        return algo.load(path, device="cpu")
    except Exception as exc:
        raise ValueError(
            f"cannot load {path} as {algo.__name__}: {type(exc).__name__}: {exc}"
        ) from exc
