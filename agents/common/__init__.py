"""Pieces every agent shares: replay, checkpoints, TensorBoard scalars, the observation
grid, the env-supplied action neighbourhood, the agent base (a harness policy) and the
training loops."""

from agents.common.agent import LinkAgent
from agents.common.checkpoint import load_checkpoint, save_checkpoint, seed_everything
from agents.common.layout import GridLayout, groups_to_links
from agents.common.logger import ScalarLogger
from agents.common.loop import MetaTrainer, OnlineTrainer, train_tasks
from agents.common.neighbors import NeighborFn, env_neighbors
from agents.common.replay import ReplayMemory

__all__ = [
    "GridLayout",
    "LinkAgent",
    "MetaTrainer",
    "NeighborFn",
    "OnlineTrainer",
    "ReplayMemory",
    "ScalarLogger",
    "env_neighbors",
    "groups_to_links",
    "load_checkpoint",
    "save_checkpoint",
    "seed_everything",
    "train_tasks",
]
