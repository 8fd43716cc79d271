"""Wolpertinger agents: the proto-action -> env neighbourhood -> critic argmax mapping, in a
DDPG agent of our own and as a variant of Stable-Baselines3's TD3."""

from agents.wolpertinger.ddpg import DDPGArgs, WolpertingerDDPG
from agents.wolpertinger.sb3_td3 import CandidateReplayBuffer, ProtoActionWrapper, WolpertingerTD3

__all__ = [
    "CandidateReplayBuffer",
    "DDPGArgs",
    "ProtoActionWrapper",
    "WolpertingerDDPG",
    "WolpertingerTD3",
]
