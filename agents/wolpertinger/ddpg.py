"""Wolpertinger DDPG (Dulac-Arnold et al. 2015) on link groups, CleanRL style.

Decision: the actor maps the observation to a relaxed link group mu(s) (per transmitter a
softmax over idle and the K devices, ``agents.common.proto``), whose scores in [0, 1] are
the proto-action; the env returns the k valid link groups nearest to it
(``action_neighbors``), and the critic picks the one it scores highest. Learning is DDPG:

    y      = r + gamma * (1 - terminated) * max_{c in A_k(s')} Q_target(s', c)
    L(Q)   = (Q(s, a) - y)^2        a = the group played (info["played_action"], 0/1 links)
    L(mu)  = -Q(s, mu(s))           mu(s) relaxed: inside the hull of the groups Q learns on
    target <- tau * online + (1 - tau) * target

Exploration: uniform random proto-actions until ``learning_starts`` transitions are stored
(after every restart), then Gaussian noise (std ``exploration_noise``) on the scores.

A_k(s') are the candidates of the Wolpertinger action at s' (never the proto-action, and
never s instead of s': the two bugs of public versions); only true termination (the
T-slot problem is over) stops bootstrapping, never a time-out. With ``k = 1`` this is the
paper's AC-DDPG baseline with the "simple" mapping (see ``agents.ac_ddpg``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from agents.common.agent import LinkAgent
from agents.common.layout import GridLayout
from agents.common.neighbors import NeighborFn
from agents.common.proto import neighbor_scores, relaxed_links
from agents.emcl.nets import CNNGaussianActor, MetaCritic

__all__ = ["DDPGArgs", "WolpertingerDDPG"]


@dataclass
class DDPGArgs:
    """Arguments of Wolpertinger DDPG (defaults: paper 002's Alg. 2 where it gives them)."""

    seed: int = 0
    """seed of the agent's networks, exploration noise and replay sampling"""
    k: int = 10
    """neighbours scored by the critic per decision (1 = the "simple" mapping)"""
    buffer_size: int = 10_000
    """replay memory capacity (Alg. 2: 10,000)"""
    batch_size: int = 128
    """minibatch size (Alg. 2: 128)"""
    learning_starts: int = 128
    """transitions stored before the first update"""
    gamma: float = 0.9
    """discount factor gamma_d (paper 002: 0.9)"""
    tau: float = 0.005
    """soft target-update rate"""
    actor_lr: float = 1e-3
    """Adam learning rate of the actor (paper 002: 0.001)"""
    critic_lr: float = 1e-3
    """Adam learning rate of the critic (paper 002: 0.001)"""
    net: str = "device"
    """networks: "device" (layers shared by all devices: EMCL's critic without the task
    encoder, and its actor's mean; see ``agents.emcl.nets``) or "mlp" (dense layers on the
    flat observation and link matrix, the paper's description of its DDPG baselines). With
    "mlp" the agents did not learn (``benchmarks/agent_learning.py``, K = 20: AC-DDPG 1.68
    after 1,000 slots on one task vs random valid 0.75): a dense critic on the flat input
    must learn each device-link interaction separately, and the actor collapsed to one
    fixed group whatever the state. Sharing the layers over devices makes the comparison
    with EMCL about meta-learning and the mapping, not about the network."""
    hidden: int = 256
    """width of the two hidden layers of actor and critic (the critic head for "device")"""
    channels: int = 32
    """channels of the per-device layers (``net="device"``)"""
    exploration_noise: float = 0.3
    """std of the Gaussian noise added to the proto-action's [0, 1] scores while training"""
    history_len: int = 1
    """task-history length kept by the agent (DDPG does not use it)"""
    explore: bool = True
    """add exploration noise while training (False: deterministic proto-actions)"""
    retrain_on_switch: bool = False
    """re-initialise networks, optimisers and replay at every task switch (AC-DDPG)"""


def mlp(sizes: list[int], out_act: nn.Module | None = None) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    if out_act is not None:
        layers.append(out_act)
    return nn.Sequential(*layers)


class WolpertingerDDPG(LinkAgent):
    """DDPG with the Wolpertinger choice among the env's k nearest valid link groups."""

    name = "wolpertinger_ddpg"

    def __init__(self, args: DDPGArgs | None = None, neighbors: NeighborFn | None = None):
        super().__init__(args or DDPGArgs(), neighbors)

    def build(self, layout: GridLayout) -> None:
        args = self.args
        torch.manual_seed(args.seed + self.n_restarts)  # fresh, reproducible weights per restart
        if args.net == "device":  # shared per-device layers (agents.emcl.nets), no LSTM
            self.actor = CNNGaussianActor(layout, args.channels)  # its mean: deterministic
            self.critic = MetaCritic(layout, 0, 0, args.channels, dense=args.hidden)
        elif args.net == "mlp":
            # logits of K + 1 choices (idle first) per transmitter, see agents.common.proto
            n_logits = layout.n_tx * (layout.n_devices + 1)
            self.actor = mlp([layout.obs_size, args.hidden, args.hidden, n_logits])
            self.critic = mlp([layout.obs_size + layout.action_size, args.hidden, args.hidden, 1])
        else:
            raise ValueError(f"net must be 'mlp' or 'device', got {args.net!r}")
        self.actor_target = copy.deepcopy(self.actor)
        self.critic_target = copy.deepcopy(self.critic)
        self.actor_opt = torch.optim.Adam(self.actor.parameters(), lr=args.actor_lr)
        self.critic_opt = torch.optim.Adam(self.critic.parameters(), lr=args.critic_lr)
        self.memory = self.new_memory(args.buffer_size)

    # ------------------------------------------------------------------ networks
    def relaxed_action(self, actor: nn.Module, obs: torch.Tensor) -> torch.Tensor:
        """The actor's relaxed link group ``[B, J, K]`` (see ``agents.common.proto``)."""
        lay = self.layout
        if isinstance(actor, CNNGaussianActor):
            return actor.sample(obs[:, : lay.obs_size], None)
        logits = actor(obs[:, : lay.obs_size]).reshape(-1, lay.n_tx, lay.n_devices + 1)
        return relaxed_links(logits)

    def proto_action(self, obs_t: torch.Tensor, explore: bool) -> torch.Tensor:
        if explore and not self.ready_to_learn():
            # Until updates start, uniform random proto-actions (CleanRL's DDPG/TD3 play
            # random actions for learning_starts steps): the first replay is diverse
            # instead of the untrained actor's one fixed group.
            shape = (obs_t.shape[0], self.layout.n_tx, self.layout.n_devices)
            return torch.as_tensor(self.rng.random(shape), dtype=torch.float32)
        proto = neighbor_scores(self.relaxed_action(self.actor, obs_t))
        if explore:
            noise = self.rng.normal(0.0, self.args.exploration_noise, proto.shape)
            proto = (proto + torch.as_tensor(noise, dtype=proto.dtype)).clamp(0.0, 1.0)
        return proto

    def _q(self, critic: nn.Module, obs: torch.Tensor, links: torch.Tensor) -> torch.Tensor:
        """Q of ``links [B, n, J, K]`` at ``obs [B, obs+hist]`` -> ``[B, n]``."""
        if isinstance(critic, MetaCritic):
            return critic(obs[:, : self.layout.obs_size], links)
        b, n = links.shape[:2]
        state = obs[:, : self.layout.obs_size].unsqueeze(1).expand(b, n, -1)
        return critic(torch.cat([state, links.reshape(b, n, -1)], dim=-1)).squeeze(-1)

    def _q_groups(self, critic: nn.Sequential, obs: torch.Tensor, groups: torch.Tensor):
        """``_q`` for link groups ``[B, n, J]``: the first layer's action part is the sum of
        the weight columns of the (at most J) links, gathered instead of multiplied."""
        lay = self.layout
        if isinstance(critic, MetaCritic):
            return critic.forward_groups(obs[:, : lay.obs_size], groups)
        first = critic[0]
        w_state, w_action = first.weight[:, : lay.obs_size], first.weight[:, lay.obs_size :]
        state = obs[:, : lay.obs_size] @ w_state.T + first.bias  # [B, h]
        column = torch.arange(lay.n_tx) * lay.n_devices + (groups - 1).clamp(min=0)  # [B, n, J]
        action = (w_action.T[column] * (groups > 0).unsqueeze(-1)).sum(2)  # [B, n, h]
        return critic[1:](state.unsqueeze(1) + action).squeeze(-1)

    def q_values(self, obs_t: torch.Tensor, links: torch.Tensor) -> torch.Tensor:
        return self._q(self.critic, obs_t, links)

    def q_groups(self, obs_t: torch.Tensor, groups: torch.Tensor) -> torch.Tensor:
        return self._q_groups(self.critic, obs_t, groups)

    # ------------------------------------------------------------------ learning
    def store(self, **row: Any) -> None:
        self.memory.add(**row)

    def ready_to_learn(self) -> bool:
        """Updates start once ``learning_starts`` transitions are stored."""
        return len(self.memory) >= self.args.learning_starts

    def learn_step(self) -> None:
        args = self.args
        if not self.ready_to_learn():
            return
        b = self.memory.sample(args.batch_size, self.rng)
        obs = torch.as_tensor(b["obs"])
        action = torch.as_tensor(b["action"]).unsqueeze(1)  # [B, 1, J]

        # Critic: TD target through the Wolpertinger action at s' (see td_target).
        target = self.td_target(b)
        q = self._q_groups(self.critic, obs, action).squeeze(1)
        critic_loss = F.mse_loss(q, target)
        self.critic_opt.zero_grad()
        critic_loss.backward()
        self.critic_opt.step()

        # Actor: ascend Q at the relaxed link group (the proto-action before the mapping).
        relaxed = self.relaxed_action(self.actor, obs).unsqueeze(1)  # [B, 1, J, K]
        actor_loss = -self._q(self.critic, obs, relaxed).mean()
        self.actor_opt.zero_grad()
        actor_loss.backward()
        self.actor_opt.step()

        with torch.no_grad():
            for net, target_net in (
                (self.actor, self.actor_target),
                (self.critic, self.critic_target),
            ):
                for p, tp in zip(net.parameters(), target_net.parameters(), strict=True):
                    tp.mul_(1.0 - args.tau).add_(args.tau * p)
        self.n_updates += 1
        self.last_losses = {
            "critic": critic_loss.item(),
            "actor": actor_loss.item(),
            "q": q.mean().item(),
        }

    def td_target(self, b: dict[str, np.ndarray]) -> torch.Tensor:
        """y = r + gamma * (1 - terminated) * max_{c in A_k(s')} Q_target(s', c).

        A_k(s') are the candidates stored with the transition (the env's k nearest valid
        groups to the proto-action at s'); terminal transitions have none and y = r.
        """
        with torch.no_grad():
            next_obs = torch.as_tensor(b["next_obs"])
            candidates = torch.as_tensor(b["next_candidates"])
            valid = torch.as_tensor(b["next_candidate_valid"])
            reward = torch.as_tensor(b["reward"])
            next_q = self._q_groups(self.critic_target, next_obs, candidates)
            next_q = next_q.masked_fill(~valid, -1e9)
            next_q = torch.where(valid.any(1), next_q.max(1).values, torch.zeros_like(reward))
            not_done = 1.0 - torch.as_tensor(b["terminated"])
            return reward + self.args.gamma * not_done * next_q

    def on_task_switch(self) -> None:
        if self.args.retrain_on_switch:  # AC-DDPG: "needs to re-train from scratch"
            self.n_restarts += 1
            self.build(self.layout)

    # ------------------------------------------------------------------ checkpoints
    NETS = ("actor", "critic", "actor_target", "critic_target", "actor_opt", "critic_opt")

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state["nets"] = {name: getattr(self, name).state_dict() for name in self.NETS}
        state["memory"] = self.memory.state_dict()
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        for name in self.NETS:
            getattr(self, name).load_state_dict(state["nets"][name])
        self.memory.load_state_dict(state["memory"])
