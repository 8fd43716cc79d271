"""Conformance suite over every registered leo-envs id (Gymnasium's tests/envs/test_envs.py
is the model). A new env gets every check here by adding its entry, with small
``test_kwargs``, to ``leo_envs.registration.ENV_SPECS``."""

from __future__ import annotations

import copy
import json
import multiprocessing
import pickle
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env as gym_check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

from leo_envs.envs.common.info import INFO_VOCABULARY, check_info
from leo_envs.registration import ENV_SPECS

ENV_IDS = sorted(ENV_SPECS)
N_STEPS = 25


def make(env_id: str, **kwargs) -> gym.Env:
    return gym.make(env_id, **{**ENV_SPECS[env_id]["test_kwargs"], **kwargs})


def rollout(env_id: str, seed: int, n_steps: int = N_STEPS) -> list:
    """Observations, rewards, flags and info values of a seeded random rollout."""
    env = make(env_id)
    env.action_space.seed(seed)
    obs, info = env.reset(seed=seed)
    trace = [(obs, _plain(info))]
    for _ in range(n_steps):
        action = _valid_action(env)
        obs, reward, terminated, truncated, info = env.step(action)
        trace.append((obs, reward, terminated, truncated, _plain(info)))
        if terminated or truncated:
            obs, info = env.reset()
            trace.append((obs, _plain(info)))
    return trace


def _valid_action(env: gym.Env):
    """A random action that respects ``action_masks()`` where the env offers one."""
    unwrapped = env.unwrapped
    action = env.action_space.sample()
    mask = unwrapped.action_masks() if hasattr(unwrapped, "action_masks") else None
    if mask is None or not isinstance(
        env.action_space, gym.spaces.MultiDiscrete | gym.spaces.Discrete
    ):
        return action
    if isinstance(env.action_space, gym.spaces.Discrete):
        return env.action_space.sample(mask=mask.astype(np.int8))
    splits = np.cumsum(env.action_space.nvec)[:-1]
    return env.action_space.sample(mask=tuple(m.astype(np.int8) for m in np.split(mask, splits)))


def _plain(info: dict) -> dict:
    return {
        k: (np.asarray(v).tolist() if isinstance(v, np.ndarray | np.generic) else v)
        for k, v in info.items()
    }


def _assert_same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert len(x) == len(y)
        for u, v in zip(x, y, strict=True):
            if isinstance(u, np.ndarray):
                np.testing.assert_array_equal(u, v)
            else:
                assert u == v


def _spawn_rollout(env_id: str, seed: int, queue) -> None:  # runs in a fresh process
    import leo_envs  # noqa: F401

    queue.put(pickle.dumps(rollout(env_id, seed)))


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_gymnasium_and_sb3_checkers_pass_without_warnings(env_id):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gym_check_env(make(env_id).unwrapped, skip_render_check=False)
        sb3_check_env(make(env_id).unwrapped, warn=True)
    messages = [str(w.message) for w in caught]
    assert messages == []


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_same_seed_same_rollout_and_other_seed_differs(env_id):
    first, second = rollout(env_id, 7), rollout(env_id, 7)
    _assert_same(first, second)
    other = rollout(env_id, 8)
    assert not all(np.array_equal(x[0], y[0]) for x, y in zip(first, other, strict=False)), (
        "a different seed should give a different episode"
    )


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_spawned_process_reproduces_the_rollout(env_id):
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_spawn_rollout, args=(env_id, 3, queue))
    process.start()
    remote = pickle.loads(queue.get(timeout=300))
    process.join(timeout=60)
    _assert_same(remote, rollout(env_id, 3))


@pytest.mark.parametrize("env_id", ENV_IDS)
@pytest.mark.parametrize("clone", [pickle.loads.__name__, "deepcopy"])
def test_pickle_and_deepcopy_mid_episode_continue_identically(env_id, clone):
    env = make(env_id)
    env.action_space.seed(0)
    env.reset(seed=0)
    env.step(_valid_action(env))
    twin = copy.deepcopy(env) if clone == "deepcopy" else pickle.loads(pickle.dumps(env))
    for _ in range(5):
        action = _valid_action(env)
        a, b = env.step(action), twin.step(action)
        np.testing.assert_array_equal(a[0], b[0])
        assert a[1:4] == b[1:4] and _plain(a[4]) == _plain(b[4])
        if a[2] or a[3]:
            break


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_every_render_mode_renders(env_id):
    modes = gym.spec(env_id).entry_point and make(env_id).metadata["render_modes"]
    assert {"ansi", "rgb_array"} <= set(modes)
    for mode in modes:
        env = make(env_id, render_mode=mode)
        env.reset(seed=0)
        env.step(_valid_action(env))
        frame = env.render()
        if mode == "ansi":
            assert isinstance(frame, str) and frame.strip()
        else:
            assert frame.dtype == np.uint8 and frame.ndim == 3 and frame.shape[2] == 3
            assert frame.std() > 0  # not a blank canvas
    with pytest.raises(ValueError, match="render_mode"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # gym.make's own warning before the env's error
        make(env_id, render_mode="human-in-the-loop")


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_bad_action_raises_clearly_and_leaves_state_unchanged(env_id):
    env = make(env_id)
    env.action_space.seed(1)
    env.reset(seed=1)
    twin = copy.deepcopy(env)
    space = env.action_space
    bad_actions = [np.zeros((2, 2, 2)), "idle", np.full(np.shape(space.sample()), np.nan)]
    if isinstance(space, gym.spaces.MultiDiscrete | gym.spaces.Discrete):
        top = space.nvec if isinstance(space, gym.spaces.MultiDiscrete) else space.n
        bad_actions.append(np.zeros_like(space.sample()) + np.max(top))  # one past the end
    for bad in bad_actions:
        with pytest.raises((ValueError, TypeError)):
            env.step(bad)
    action = _valid_action(env)
    a, b = env.step(action), twin.step(action)
    np.testing.assert_array_equal(a[0], b[0])
    assert a[1:4] == b[1:4] and _plain(a[4]) == _plain(b[4])


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_info_speaks_the_shared_vocabulary(env_id):
    env = make(env_id)
    _, info = env.reset(seed=0)
    keys = set(info)
    assert {"task_id", "task_switched", "seq_idx"} <= keys
    assert check_info(info) == []
    for _ in range(5):
        _, _, terminated, truncated, step_info = env.step(_valid_action(env))
        assert check_info(step_info) == []
        assert {"task_id", "task_switched", "seq_idx"} <= set(step_info)
        if "action_mask" in step_info and hasattr(env.unwrapped, "action_masks"):
            before = env.unwrapped.action_masks().copy()
            if step_info["action_mask"].flags.writeable:
                step_info["action_mask"][...] = ~step_info["action_mask"]
            np.testing.assert_array_equal(env.unwrapped.action_masks(), before)
        if terminated or truncated:
            break
    unknown_shared = {k for k in step_info if k in INFO_VOCABULARY}
    assert unknown_shared >= {"task_id", "task_switched", "seq_idx"}


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_task_api_round_trip(env_id):
    env = make(env_id).unwrapped
    env.reset(seed=0)
    tasks = env.sample_tasks(3, seed=5)
    assert [t.task_id for t in tasks] == [t.task_id for t in env.sample_tasks(3, seed=5)]
    for task in tasks:
        rebuilt = env.task_from_dict(json.loads(json.dumps(task.to_dict())))
        assert rebuilt.task_id == task.task_id and isinstance(task.name, str)
    _, info = env.reset(options={"task": tasks[1]})
    assert info["task_id"] == tasks[1].task_id and env.get_task() is tasks[1]
    for _ in range(3):  # pinned: stays across resets, also with a new seed
        env.reset()
    env.reset(seed=4)
    assert env.get_task() is tasks[1]
    env.set_task(tasks[2])
    _, info = env.reset()
    assert info["task_id"] == tasks[2].task_id
    env.reset(options={"task": None})
    train, test = env.task_set("train"), env.task_set("test")
    assert len(train) >= 4 and len(test) >= 2
    assert not {t.task_id for t in train} & {t.task_id for t in test}
    with pytest.raises(ValueError, match="split"):
        env.task_set("validation")


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_malformed_tasks_are_rejected_naming_the_field_state_unchanged(env_id):
    env = make(env_id).unwrapped
    env.reset(seed=0)
    before = env.get_task()
    data = env.sample_tasks(1, seed=0)[0].to_dict()
    numeric = [
        name
        for name, value in data["fields"].items()
        if isinstance(value, float)
        or (
            isinstance(value, dict) and "ndarray" in value and value["dtype"].endswith(("f8", "f4"))
        )
    ]
    assert numeric, "a task should have numeric fields"
    for name in numeric:
        for bad in (float("nan"), "shape"):
            broken = json.loads(json.dumps(data))
            field = broken["fields"][name]
            if isinstance(field, dict):
                if bad == "shape":  # a 3-element vector where the task expects another shape
                    field["ndarray"], field["shape"] = [0.0, 1.0, 2.0], [3]
                else:
                    flat = np.array(field["ndarray"], dtype=float).ravel()
                    flat[0] = np.nan
                    field["ndarray"] = flat.reshape(field["shape"]).tolist()
            else:
                broken["fields"][name] = float("nan") if bad != "shape" else [1.0, 2.0]
            with pytest.raises(ValueError, match=name):
                env.reset(options={"task": env.task_class.from_dict(broken, **env._task_context())})
    with pytest.raises(TypeError):
        env.reset(options={"task": "a task"})
    assert env.get_task() is before


VECTOR_IDS = [env_id for env_id in ENV_IDS if ENV_SPECS[env_id].get("vector_entry_point")]


@pytest.mark.parametrize("env_id", VECTOR_IDS)
def test_vector_env_matches_single_envs(env_id):
    kwargs = ENV_SPECS[env_id]["test_kwargs"]
    vec = gym.make_vec(env_id, num_envs=2, vectorization_mode="vector_entry_point", **kwargs)
    singles = [make(env_id) for _ in range(2)]
    obs, infos = vec.reset(seed=10)
    for i, env in enumerate(singles):
        single_obs, single_info = env.reset(seed=10 + i)
        np.testing.assert_array_equal(obs[i], single_obs)
        assert set(single_info) == set(infos), set(single_info) ^ set(infos)
    for _ in range(12):
        actions = np.stack([_valid_action(env) for env in singles])
        obs, rewards, terminated, _truncated, infos = vec.step(actions)
        for i, env in enumerate(singles):
            s_obs, s_reward, s_term, s_trunc, s_info = env.step(actions[i])
            np.testing.assert_array_equal(obs[i], s_obs)
            assert rewards[i] == s_reward and terminated[i] == s_term
            for key, value in s_info.items():
                np.testing.assert_array_equal(np.asarray(infos[key][i]), np.asarray(value), key)
            if s_term or s_trunc:
                env.reset()  # the vector env autoresets on its next step
                obs, *_ = vec.step(np.zeros_like(actions))
                break
        else:
            continue
        break
