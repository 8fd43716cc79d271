"""SplitInference-v0: split DNN/LSTM inference over time-varying links (papers 000, 004)."""

from leo_envs.envs.split_inference.config import SplitInferenceConfig
from leo_envs.envs.split_inference.env import SplitInferenceEnv
from leo_envs.envs.split_inference.instance import SplitInferenceInstance
from leo_envs.envs.split_inference.tasks import TrajectoryTask, TstAfternoonTask

__all__ = [
    "SplitInferenceConfig",
    "SplitInferenceEnv",
    "SplitInferenceInstance",
    "TrajectoryTask",
    "TstAfternoonTask",
]
