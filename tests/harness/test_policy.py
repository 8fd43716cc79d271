"""The policy protocol, its adapters, and named-policy discovery."""

from __future__ import annotations

import ast
from importlib.metadata import EntryPoint
from pathlib import Path

import numpy as np
import pytest
import toy_policies as tp

from leo_envs.harness import CallablePolicy, Policy, SB3Policy, as_policy, resolve_policy
from leo_envs.harness import policy as policy_mod

HARNESS = Path(policy_mod.__file__).resolve().parent


class FakeModel:
    def __init__(self) -> None:
        self.calls: list[dict] = []

    def predict(self, obs, state=None, episode_start=None, deterministic=False):
        self.calls.append({"deterministic": deterministic, "episode_start": episode_start})
        return np.int64(1), "hidden"


class FakeMaskedModel:
    def __init__(self) -> None:
        self.masks: list[np.ndarray] = []

    def predict(self, obs, action_masks=None, deterministic=False):
        self.masks.append(action_masks)
        return int(np.flatnonzero(action_masks)[0]), None


def test_callable_policy_and_protocol() -> None:
    pol = as_policy(lambda obs, info: 2)
    assert isinstance(pol, CallablePolicy)
    assert isinstance(pol, Policy)
    assert pol.act(None, {}) == 2
    assert isinstance(tp.Constant(), Policy)


def test_as_policy_passes_policies_and_instantiates_classes() -> None:
    pol = tp.Greedy()
    assert as_policy(pol) is pol
    assert isinstance(as_policy(tp.ExactPlanner), tp.ExactPlanner)  # plan-only policies too
    with pytest.raises(TypeError, match="cannot use"):
        as_policy(42)


def test_sb3_policy_deterministic_and_recurrent_state() -> None:
    model = FakeModel()
    pol = as_policy(model)
    assert isinstance(pol, SB3Policy)
    pol.reset(None)
    assert pol.act(np.zeros(2), {}) == 1
    assert pol.act(np.zeros(2), {}) == 1
    assert [c["deterministic"] for c in model.calls] == [True, True]
    assert [bool(c["episode_start"][0]) for c in model.calls] == [True, False]


def test_sb3_policy_passes_action_masks() -> None:
    model = FakeMaskedModel()
    pol = SB3Policy(model)
    mask = np.array([False, False, True])
    assert pol.act(np.zeros(2), {"action_mask": mask}) == 2
    np.testing.assert_array_equal(model.masks[0], mask)
    with pytest.raises(KeyError, match="action_mask"):
        pol.act(np.zeros(2), {})


def test_sb3_real_models(toy_id: str) -> None:
    import gymnasium as gym
    from sb3_contrib import MaskablePPO
    from stable_baselines3 import PPO

    env = gym.make(toy_id)
    obs, info = env.reset(seed=0)
    ppo = as_policy(PPO("MlpPolicy", env, n_steps=8, batch_size=8, seed=0, device="cpu"))
    assert isinstance(ppo, SB3Policy) and not ppo._masked
    assert env.action_space.contains(int(ppo.act(obs, info)))
    masked = as_policy(MaskablePPO("MlpPolicy", env, n_steps=8, batch_size=8, seed=0))
    assert isinstance(masked, SB3Policy) and masked._masked
    only_two = np.array([False, False, True])
    assert int(masked.act(obs, {"action_mask": only_two})) == 2


def test_resolve_spec() -> None:
    pol = resolve_policy("toy_policies:ExactPlanner")
    assert isinstance(pol, tp.ExactPlanner)
    with pytest.raises(ValueError, match="cannot import"):
        resolve_policy("no_such_module_xyz:Thing")
    with pytest.raises(ValueError, match="has no"):
        resolve_policy("toy_policies:Nothing")


def test_resolve_entry_points(monkeypatch: pytest.MonkeyPatch) -> None:
    eps = {
        "toy_exact": EntryPoint("toy_exact", "toy_policies:ExactPlanner", "leo_envs.policies"),
        "toy_greedy": EntryPoint("toy_greedy", "toy_policies:Greedy", "leo_envs.policies"),
        "broken": EntryPoint("broken", "no_such_module_xyz:X", "leo_envs.policies"),
    }
    monkeypatch.setattr(policy_mod, "available_policies", lambda: eps)
    assert isinstance(resolve_policy("toy_exact"), tp.ExactPlanner)
    with pytest.raises(ValueError, match=r"unknown policy 'nope'.*broken, toy_exact, toy_greedy"):
        resolve_policy("nope")
    with pytest.raises(ValueError, match="failed to load"):
        resolve_policy("broken")


def test_declared_entry_point_group_is_read() -> None:
    # pyproject declares random/greedy/admm/opt/milp once the package is installed.
    names = set(policy_mod.available_policies())
    with pytest.raises(ValueError) as err:
        resolve_policy("definitely-not-a-policy")
    for name in names:
        assert name in str(err.value)


def test_harness_never_imports_agents_or_baselines() -> None:
    for path in HARNESS.glob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                roots = {(node.module or "").split(".")[0]}
            else:
                continue
            assert not roots & {"agents", "baselines"}, f"{path.name} imports {roots}"
        text = path.read_text()
        assert '"baselines' not in text and '"agents' not in text, path.name


def test_family_names_and_unambiguous_short_names(monkeypatch: pytest.MonkeyPatch) -> None:
    group = "leo_envs.policies"
    eps = {
        "fam_a.greedy": EntryPoint("fam_a.greedy", "toy_policies:Greedy", group),
        "fam_b.greedy": EntryPoint("fam_b.greedy", "toy_policies:Constant", group),
        "fam_a.opt": EntryPoint("fam_a.opt", "toy_policies:ExactPlanner", group),
    }
    monkeypatch.setattr(policy_mod, "available_policies", lambda: eps)
    assert isinstance(resolve_policy("fam_a.opt"), tp.ExactPlanner)
    assert isinstance(resolve_policy("opt"), tp.ExactPlanner)  # one family provides it
    with pytest.raises(ValueError, match=r"ambiguous: fam_a\.greedy, fam_b\.greedy"):
        resolve_policy("greedy")
    assert isinstance(resolve_policy("greedy", env_id="leo_envs/FamB-v0"), tp.Constant)
    assert isinstance(as_policy("greedy", env_id="x:leo_envs/FamA-v3"), tp.Greedy)


def test_env_family() -> None:
    assert policy_mod.env_family("leo_envs/LinkScheduling-v0") == "link_scheduling"
    assert policy_mod.env_family("leo_envs/GreenOffloading-v1") == "green_offloading"


def test_installed_names_are_family_qualified() -> None:
    names = set(policy_mod.available_policies())
    assert {"link_scheduling.greedy", "link_scheduling.opt", "link_scheduling.random"} <= names
    assert type(resolve_policy("greedy")).__name__ == "Greedy"  # the short name still works
    assert type(resolve_policy("link_scheduling.admm")).__name__ == "ADMMHeu"


def test_plain_function_spec_is_wrapped_not_called() -> None:
    pol = resolve_policy("toy_policies:first_action")
    assert isinstance(pol, CallablePolicy) and pol.act(None, {}) == 0
