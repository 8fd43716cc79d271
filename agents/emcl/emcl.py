"""EMCL: meta-critic learning with Wolpertinger action mapping (paper 002, Alg. 2), CleanRL style.

One meta critic Q_omega(s, a, l) is shared by all tasks; each training task i has its own
CNN Gaussian actor pi_theta_i. The critic sees the last N (action, reward, done) steps l,
so its LSTM can tell tasks apart; the LSTM is trained by the critic loss (it sits in the
critic's optimiser: the reference CartPole script forgets to step it, the bandit scripts
do it right, and so do we). Decision (Alg. 2 lines 6-8): proto-action from the Gaussian
actor, the env's k nearest valid link groups, the one the meta critic scores highest.

Meta-training (``MetaTrainer`` drives it; every slot of every sampled task):

    critic:  y = r + gamma * (1 - terminated) * max_{c in A_k(s')} Q_target(s', c, l')
             L(omega)   = mean over the iteration's tasks i of (Q(s, a, l) - y)^2   (30)
    actor i: L(theta_i) = -Q(s, mu_i(s) + sigma_i(s) * eps, l)    (31), reparameterised
    target:  omega_target <- tau * omega + (1 - tau) * omega_target

Online phase (``start_online``, then ``OnlineTrainer``/the harness): on unseen tasks the
trained meta critic is frozen and scores actions; only one online actor adapts, by the same
actor loss on its own recent replay. It starts as the parameter average of the task actors
(they share one initialisation) [our choice: the paper leaves the warm start open].
``k = 1`` is the "EMCL without Wolpertinger" ablation.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from agents.common.agent import LinkAgent
from agents.common.layout import GridLayout
from agents.common.neighbors import NeighborFn
from agents.common.proto import neighbor_scores
from agents.emcl.nets import CNNGaussianActor, MetaCritic

__all__ = ["EMCL", "EMCLArgs"]


@dataclass
class EMCLArgs:
    """Arguments of EMCL (defaults: paper 002's Alg. 2 where it gives them)."""

    seed: int = 0
    """seed of the networks, the Gaussian exploration and replay sampling"""
    k: int = 10
    """neighbours scored by the meta critic per decision (paper: 10; 1 = no Wolpertinger)"""
    buffer_size: int = 10_000
    """replay capacity (Alg. 2: 10,000), split evenly over the training tasks' memories"""
    online_buffer_size: int = 2_000
    """replay capacity of the online actor (recent transitions of the current task)"""
    batch_size: int = 128
    """minibatch size of every update (Alg. 2: 128)"""
    learning_starts: int = 128
    """transitions stored before the first update"""
    gamma: float = 0.9
    """discount factor gamma_d (paper 002: 0.9)"""
    tau: float = 0.005
    """soft update rate of the target meta critic"""
    critic_lr: float = 1e-3
    """Adam learning rate of the meta critic, LSTM included (paper: 0.001)"""
    actor_lr: float = 1e-3
    """Adam learning rate of the task actors and the online actor (paper: 0.001)"""
    history_len: int = 8
    """N: steps of (action, reward, done) history the task encoder reads"""
    channels: int = 32
    """channels of the 1x1 convolutions of critic and actors"""
    lstm_hidden: int = 32
    """cells of the task-encoder LSTM"""
    explore: bool = True
    """sample proto-actions from the Gaussian while training (False: use the mean)"""
    reset_actor_on_switch: bool = False
    """online: restart the online actor from its warm start at every task switch"""


class EMCL(LinkAgent):
    """EMCL agent; see the module docstring for the update rules."""

    name = "emcl"

    def __init__(self, args: EMCLArgs | None = None, neighbors: NeighborFn | None = None):
        super().__init__(args or EMCLArgs(), neighbors)
        self.phase = "online"  # "meta" while MetaTrainer runs, then "online"
        self.task_index = 0
        self.actors: list[CNNGaussianActor] = []
        self.actor_opts: list[torch.optim.Optimizer] = []
        self.memories: list[Any] = []
        self.active_tasks: list[int] = []

    def build(self, layout: GridLayout) -> None:
        args = self.args
        torch.manual_seed(args.seed)
        self.critic = MetaCritic(
            layout, args.history_len, self.history.step_size, args.channels, args.lstm_hidden
        )
        self.critic_target = copy.deepcopy(self.critic)
        self.critic_opt = torch.optim.Adam(self.critic.parameters(), lr=args.critic_lr)
        self._actor_init = CNNGaussianActor(layout, args.channels).state_dict()
        self.online_actor = self._new_actor()
        self.online_opt = torch.optim.Adam(self.online_actor.parameters(), lr=args.actor_lr)
        self.online_memory = self.new_memory(args.online_buffer_size)

    def _new_actor(self) -> CNNGaussianActor:
        actor = CNNGaussianActor(self.layout, self.args.channels)
        actor.load_state_dict(self._actor_init)
        return actor

    # ------------------------------------------------------------------ meta-training hooks
    def begin_meta_training(self, n_tasks: int) -> None:
        """One actor, optimiser and memory per training task (MetaTrainer calls this)."""
        args = self.args
        capacity = max(args.buffer_size // n_tasks, args.batch_size)
        self.actors = [self._new_actor() for _ in range(n_tasks)]
        self.actor_opts = [torch.optim.Adam(a.parameters(), lr=args.actor_lr) for a in self.actors]
        self.memories = [self.new_memory(capacity) for _ in range(n_tasks)]
        self.phase = "meta"

    def begin_task(self, i: int) -> None:
        self.task_index = i
        if i not in self.active_tasks:
            self.active_tasks.append(i)

    def end_task(self, i: int) -> None:
        pass

    def end_iteration(self) -> None:
        self.active_tasks = []

    def start_online(self) -> None:
        """Freeze the meta critic; the online actor starts from the average task actor."""
        if self.actors:
            with torch.no_grad():
                avg = {
                    name: torch.stack([a.state_dict()[name] for a in self.actors]).mean(0)
                    for name in self.actors[0].state_dict()
                }
            self._actor_init = avg
        self.online_actor = self._new_actor()
        self.online_opt = torch.optim.Adam(self.online_actor.parameters(), lr=self.args.actor_lr)
        self.online_memory.clear()
        self.phase = "online"

    def on_task_switch(self) -> None:
        if self.phase == "online" and self.args.reset_actor_on_switch:
            self.online_actor = self._new_actor()
            self.online_opt = torch.optim.Adam(
                self.online_actor.parameters(), lr=self.args.actor_lr
            )
            self.online_memory.clear()

    # ------------------------------------------------------------------ decisions
    @property
    def actor(self) -> CNNGaussianActor:
        return self.actors[self.task_index] if self.phase == "meta" else self.online_actor

    def proto_action(self, obs_t: torch.Tensor, explore: bool) -> torch.Tensor:
        noise = None
        if explore:
            shape = (obs_t.shape[0], self.layout.n_tx, self.layout.n_devices)
            noise = torch.as_tensor(self.rng.standard_normal(shape), dtype=torch.float32)
        return neighbor_scores(self.actor.sample(obs_t, noise))

    def q_values(self, obs_t: torch.Tensor, links: torch.Tensor) -> torch.Tensor:
        return self.critic(obs_t, links)

    def q_groups(self, obs_t: torch.Tensor, groups: torch.Tensor) -> torch.Tensor:
        return self.critic.forward_groups(obs_t, groups)

    # ------------------------------------------------------------------ learning
    def store(self, **row: Any) -> None:
        memory = self.memories[self.task_index] if self.phase == "meta" else self.online_memory
        memory.add(**row)

    def _batch(self, memory, n: int) -> dict[str, torch.Tensor]:
        b = memory.sample(n, self.rng)
        return {
            "obs": torch.as_tensor(np.concatenate([b["obs"], b["hist"]], 1)),
            "next_obs": torch.as_tensor(np.concatenate([b["next_obs"], b["next_hist"]], 1)),
            "action": torch.as_tensor(b["action"]).unsqueeze(1),
            "next_candidates": torch.as_tensor(b["next_candidates"]),
            "valid": torch.as_tensor(b["next_candidate_valid"]),
            "reward": torch.as_tensor(b["reward"]),
            "not_done": 1.0 - torch.as_tensor(b["terminated"]),
        }

    def learn_step(self) -> None:
        args = self.args
        if self.phase == "meta":
            # learning_starts counts the transitions of all tasks: with 16 training tasks,
            # waiting for 32 of each task's own would skip most of a short budget
            memories = [self.memories[i] for i in self.active_tasks]
            own = self.memories[self.task_index]
        else:
            memories, own = [], self.online_memory
        stored = sum(len(m) for m in memories) if memories else len(own)
        if stored < args.learning_starts or len(own) == 0:
            return
        losses: dict[str, float] = {}

        # Meta critic (meta-training only): mean TD error over the iteration's tasks (30).
        ready = [m for m in memories if len(m) > 0]
        if ready:
            per_task = max(args.batch_size // len(ready), 1)
            batches = [self._batch(m, per_task) for m in ready]
            b = {key: torch.cat([x[key] for x in batches]) for key in batches[0]}
            with torch.no_grad():
                next_q = self.critic_target.forward_groups(b["next_obs"], b["next_candidates"])
                next_q = next_q.masked_fill(~b["valid"], -1e9).max(1).values
                next_q = torch.where(b["valid"].any(1), next_q, torch.zeros_like(next_q))
                target = b["reward"] + args.gamma * b["not_done"] * next_q
            q = self.critic.forward_groups(b["obs"], b["action"]).squeeze(1)
            critic_loss = F.mse_loss(q, target)
            self.critic_opt.zero_grad()
            critic_loss.backward()
            self.critic_opt.step()
            with torch.no_grad():
                for p, tp in zip(
                    self.critic.parameters(), self.critic_target.parameters(), strict=True
                ):
                    tp.mul_(1.0 - args.tau).add_(args.tau * p)
            losses["critic"] = critic_loss.item()

        # Actor of the current task (31): ascend the meta critic at a reparameterised sample.
        b = self._batch(own, args.batch_size)
        shape = (b["obs"].shape[0], 1, self.layout.n_tx, self.layout.n_devices)
        noise = torch.as_tensor(
            self.rng.standard_normal(shape[:1] + shape[2:]), dtype=torch.float32
        )
        proto = self.actor.sample(b["obs"], noise).reshape(shape)
        actor_loss = -self.critic(b["obs"], proto).mean()
        opt = self.actor_opts[self.task_index] if self.phase == "meta" else self.online_opt
        opt.zero_grad()
        actor_loss.backward()
        opt.step()
        self.critic_opt.zero_grad()  # the actor loss must not leak into the critic's step
        losses["actor"] = actor_loss.item()
        self.n_updates += 1
        self.last_losses = losses

    # ------------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state.update(
            {
                "phase": self.phase,
                "task_index": self.task_index,
                "active_tasks": list(self.active_tasks),
                "critic": self.critic.state_dict(),
                "critic_target": self.critic_target.state_dict(),
                "critic_opt": self.critic_opt.state_dict(),
                "actor_init": self._actor_init,
                "actors": [a.state_dict() for a in self.actors],
                "actor_opts": [o.state_dict() for o in self.actor_opts],
                "memories": [m.state_dict() for m in self.memories],
                "online_actor": self.online_actor.state_dict(),
                "online_opt": self.online_opt.state_dict(),
                "online_memory": self.online_memory.state_dict(),
            }
        )
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.phase, self.task_index = state["phase"], state["task_index"]
        self.active_tasks = list(state["active_tasks"])
        self.critic.load_state_dict(state["critic"])
        self.critic_target.load_state_dict(state["critic_target"])
        self.critic_opt.load_state_dict(state["critic_opt"])
        self._actor_init = state["actor_init"]
        if state["actors"] and len(self.actors) != len(state["actors"]):
            self.begin_meta_training(len(state["actors"]))
            self.phase = state["phase"]
        for net, sd in zip(self.actors, state["actors"], strict=True):
            net.load_state_dict(sd)
        for opt, sd in zip(self.actor_opts, state["actor_opts"], strict=True):
            opt.load_state_dict(sd)
        for mem, sd in zip(self.memories, state["memories"], strict=True):
            mem.load_state_dict(sd)
        self.online_actor.load_state_dict(state["online_actor"])
        self.online_opt.load_state_dict(state["online_opt"])
        self.online_memory.load_state_dict(state["online_memory"])
