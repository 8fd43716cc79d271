"""Wolpertinger agents: the proto-action -> env neighbourhood -> critic argmax mapping, in a
DDPG agent of our own and as a variant of Stable-Baselines3's TD3."""

from agents.wolpertinger.ddpg import DDPGArgs, WolpertingerDDPG

__all__ = ["DDPGArgs", "WolpertingerDDPG"]
