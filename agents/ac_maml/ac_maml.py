"""AC-MAML, paper 002's meta-learning baseline: an actor-critic (the DDPG agent of
``agents/wolpertinger/ddpg.py`` with the "simple" mapping, k = 1) started from a
meta-learned initialisation and adapted after every change. The meta-learning is
**first-order** MAML, in one of two forms (``meta_update``):

Meta-training (``MetaTrainer`` drives it), for each sampled task i:

    inner:  theta'_i = theta, then one DDPG update (actor -Q, critic TD, see ddpg.py) per
            slot played on task i, on task i's own replay (Adam, fresh per task)
    outer, "reptile" (default; Nichol et al. 2018):
            theta <- theta + epsilon * mean_i (theta'_i - theta)      (end of the iteration)
    outer, "fomaml" (Finn et al. 2017, Sec. 5.2):
            g_i = grad_{theta'} [L_critic(theta'_i) + L_actor(theta'_i)] on a fresh batch
            of task i's replay; theta <- Adam_step(theta, mean_i g_i)

Why Reptile by default: at the notebook's budgets (hundreds of slots of meta-training,
~25 iterations of 4 tasks for 1,000 slots) FOMAML makes ~25 Adam steps of size meta_lr on
theta, which leaves it close to its random initialisation, while Reptile moves theta by
the tasks' whole inner progress. Measured with ``benchmarks/agent_learning.py`` (K = 20,
1,000 steps + 300 online slots; random valid 0.75, GRD 0.11): FOMAML 1.19 (meta_lr 1e-3;
2.0 with 1e-2, the actor idled), both measured while meta-training still waited for 32
transitions of each task; Reptile 1.25 with epsilon 0.5 and 0.49 with epsilon 1.

Online phase (``start_online``): at the start and after every task switch the nets restart
from the meta-initialisation theta (new Adam state, empty replay) and adapt by the same
DDPG updates. The paper cites PEARL [16] for AC-MAML; we implement MAML as the spec allows.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F

from agents.common.layout import GridLayout
from agents.common.neighbors import NeighborFn
from agents.wolpertinger.ddpg import DDPGArgs, WolpertingerDDPG

__all__ = ["ACMAML", "ACMAMLArgs"]


@dataclass
class ACMAMLArgs(DDPGArgs):
    """Arguments of AC-MAML: DDPG's (see ``DDPGArgs``) plus the outer loop's."""

    k: int = 1
    """the "simple" mapping: play the nearest valid link group to the proto-action"""
    learning_starts: int = 32
    """transitions of a task stored before its first inner update"""
    meta_lr: float = 1e-3
    """Adam learning rate of the outer update (``meta_update="fomaml"``)"""
    meta_update: str = "reptile"
    """outer update: "reptile" (theta += meta_step * mean_i (theta'_i - theta)) or
    "fomaml" (Adam on the mean query gradient at theta'_i); both first-order MAML"""
    meta_step: float = 1.0
    """outer step size epsilon of Reptile (1: theta becomes the mean adapted parameters;
    measured at K = 20 after 1,000 steps: 0.5 left the objective at 1.25, 1.0 gave 0.49)"""


class ACMAML(WolpertingerDDPG):
    """AC-MAML baseline (see the module docstring)."""

    name = "ac_maml"
    META = ("meta_actor", "meta_critic", "meta_opt")

    def __init__(self, args: ACMAMLArgs | None = None, neighbors: NeighborFn | None = None):
        super().__init__(args or ACMAMLArgs(), neighbors)
        self.phase = "online"
        self.task_index = 0
        self.memories: list[Any] = []
        self._grads: list[torch.Tensor] | None = None
        self._n_grads = 0

    def build(self, layout: GridLayout) -> None:
        super().build(layout)
        if not hasattr(self, "meta_actor"):  # the meta-initialisation survives restarts
            self.meta_actor = copy.deepcopy(self.actor)
            self.meta_critic = copy.deepcopy(self.critic)
            self.meta_opt = torch.optim.Adam(
                [*self.meta_actor.parameters(), *self.meta_critic.parameters()],
                lr=self.args.meta_lr,
            )
            self.online_memory = self.memory

    def _restart_from_meta_init(self) -> None:
        """Fast nets and targets <- theta; fresh inner optimisers."""
        for net, meta in (
            (self.actor, self.meta_actor),
            (self.critic, self.meta_critic),
            (self.actor_target, self.meta_actor),
            (self.critic_target, self.meta_critic),
        ):
            net.load_state_dict(meta.state_dict())
        self.actor_opt = torch.optim.Adam(self.actor.parameters(), lr=self.args.actor_lr)
        self.critic_opt = torch.optim.Adam(self.critic.parameters(), lr=self.args.critic_lr)

    # ------------------------------------------------------------------ meta-training hooks
    def begin_meta_training(self, n_tasks: int) -> None:
        capacity = max(self.args.buffer_size // n_tasks, self.args.batch_size)
        self.memories = [self.new_memory(capacity) for _ in range(n_tasks)]
        self.phase = "meta"

    def begin_task(self, i: int) -> None:
        self.task_index = i
        self.memory = self.memories[i]
        self._restart_from_meta_init()

    def ready_to_learn(self) -> bool:
        """Online: ``learning_starts`` transitions since the last restart. Meta-training:
        ``learning_starts`` over all training tasks and this task's first transition (with
        16 tasks, waiting for 32 of each task's own would skip most of a short budget)."""
        if self.phase != "meta":
            return super().ready_to_learn()
        stored = sum(len(m) for m in self.memories)
        return stored >= self.args.learning_starts and len(self.memory) > 0

    def end_task(self, i: int) -> None:
        """Query gradient at the adapted parameters (FOMAML), or Reptile's theta - theta'_i."""
        if not self.ready_to_learn():
            return
        if self.args.meta_update == "reptile":
            fast = [*self.actor.parameters(), *self.critic.parameters()]
            meta = [*self.meta_actor.parameters(), *self.meta_critic.parameters()]
            self._accumulate([(m - f).detach() for m, f in zip(meta, fast, strict=True)])
            return
        critic_loss, actor_loss = self._query_losses()
        # Each loss differentiates its own net only (the actor loss must not push Q up).
        actor_params, critic_params = list(self.actor.parameters()), list(self.critic.parameters())
        # allow_unused: the "device" actor's sigma head plays no part in DDPG's actor loss
        grads = [
            torch.zeros_like(p) if g is None else g
            for p, g in zip(
                [*actor_params, *critic_params],
                [
                    *torch.autograd.grad(actor_loss, actor_params, allow_unused=True),
                    *torch.autograd.grad(critic_loss, critic_params, allow_unused=True),
                ],
                strict=True,
            )
        ]
        self._accumulate(grads)
        self.last_losses = {
            **self.last_losses,
            "query_critic": critic_loss.item(),
            "query_actor": actor_loss.item(),
        }

    def _accumulate(self, grads: list[torch.Tensor]) -> None:
        if self._grads is None:
            self._grads = grads
        else:
            self._grads = [a + g for a, g in zip(self._grads, grads, strict=True)]
        self._n_grads += 1

    def _query_losses(self) -> tuple[torch.Tensor, torch.Tensor]:
        b = self.memory.sample(self.args.batch_size, self.rng)
        obs = torch.as_tensor(b["obs"])
        action = torch.as_tensor(b["action"]).unsqueeze(1)
        target = self.td_target(b)
        critic_loss = F.mse_loss(self._q_groups(self.critic, obs, action).squeeze(1), target)
        relaxed = self.relaxed_action(self.actor, obs).unsqueeze(1)
        actor_loss = -self._q(self.critic, obs, relaxed).mean()
        return critic_loss, actor_loss

    def end_iteration(self) -> None:
        """Outer step: theta <- Adam(theta, mean of the tasks' query gradients)."""
        if self._grads is None:
            return
        params = [*self.meta_actor.parameters(), *self.meta_critic.parameters()]
        if self.args.meta_update == "reptile":  # Nichol et al. 2018, serial version
            with torch.no_grad():
                for p, g in zip(params, self._grads, strict=True):
                    p.sub_(self.args.meta_step * g / self._n_grads)
            self._grads, self._n_grads = None, 0
            return
        self.meta_opt.zero_grad()
        for p, g in zip(params, self._grads, strict=True):
            p.grad = g / self._n_grads
        self.meta_opt.step()
        self._grads, self._n_grads = None, 0

    def start_online(self) -> None:
        self.phase = "online"
        self.memory = self.online_memory
        self.memory.clear()
        self._restart_from_meta_init()

    def on_task_switch(self) -> None:
        if self.phase == "online":  # adapt again from the meta-initialisation
            self.memory.clear()
            self._restart_from_meta_init()

    # ------------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state["meta"] = {name: getattr(self, name).state_dict() for name in self.META}
        state.update(
            phase=self.phase,
            task_index=self.task_index,
            memories=[m.state_dict() for m in self.memories],
            online_memory=self.online_memory.state_dict(),
            grads=self._grads,
            n_grads=self._n_grads,
        )
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for name in self.META:
            getattr(self, name).load_state_dict(state["meta"][name])
        if state["memories"] and len(self.memories) != len(state["memories"]):
            self.begin_meta_training(len(state["memories"]))
        for mem, sd in zip(self.memories, state["memories"], strict=True):
            mem.load_state_dict(sd)
        self.online_memory.load_state_dict(state["online_memory"])
        self.phase, self.task_index = state["phase"], state["task_index"]
        self.memory = self.memories[self.task_index] if self.phase == "meta" else self.online_memory
        super().load_state_dict(state)  # fast nets, optimisers and the current memory
        self._grads, self._n_grads = state["grads"], state["n_grads"]
