"""EMCL's networks (paper 002, Sec. IV-B1): the hybrid meta critic and the CNN Gaussian actor.

Devices have no spatial order, so the "CNN" runs 1x1 convolutions over the device axis
(the same weights for every device, as a convolution shares them over positions) and
pools over devices. A 1x1 convolution is a ``Linear`` applied at every position; we write
it so (channels last), which is several times faster than ``Conv1d`` on CPU. The grid's
channels are the per-device observation features, the global features broadcast to every
device and, for the critic, the J rows of the action's link matrix. Layer sizes, N and
LSTM cells are our choices (spec section 14.9).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from agents.common.layout import GridLayout
from agents.common.proto import relaxed_links

__all__ = ["CNNGaussianActor", "MetaCritic"]


def _device_grid(layout: GridLayout, obs: torch.Tensor) -> torch.Tensor:
    """``[B, K, C + G]``: per-device features plus the globals broadcast to every device."""
    grid, glob = layout.split(obs[:, : layout.obs_size])
    glob = glob.unsqueeze(1).expand(-1, layout.n_devices, -1)
    return torch.cat([grid.transpose(1, 2), glob], dim=2)


class MetaCritic(nn.Module):
    """Q_omega(s, a, l) = DNN([CNN(s, a); LSTM(l)])  (eqs. 36-38).

    ``forward(obs, links)``: ``obs [B, obs_size + N * step]`` is the observation followed by
    the task history l (the last N (action, reward, done) steps, oldest first), ``links
    [B, n, J, K]`` n candidate actions (0/1 link matrices, or a continuous proto-action);
    returns ``[B, n]``. The CNN's device features are mean-pooled over devices (the
    objective is a sum over devices; the dense head models its non-linear parts).

    ``forward_groups(obs, groups [B, n, J])`` gives the same values for link groups in
    action encoding, exactly and far cheaper: a group links at most J devices, so every
    other device has the state-only feature shared by all candidates, and only the J
    linked devices are recomputed per candidate.
    """

    def __init__(
        self,
        layout: GridLayout,
        history_len: int,
        history_step: int,
        channels: int = 32,
        lstm_hidden: int = 32,
        dense: int = 64,
    ) -> None:
        super().__init__()
        self.layout, self.history_len, self.history_step = layout, history_len, history_step
        in_state = layout.n_features + layout.n_global
        self.conv_state = nn.Linear(in_state, channels)  # 1x1 convolutions over devices
        self.conv_action = nn.Linear(layout.n_tx, channels, bias=False)
        self.conv2 = nn.Linear(channels, channels)
        # task encoder (37); history_len = 0 makes a plain (non-meta) critic Q(s, a)
        self.lstm = nn.LSTM(history_step, lstm_hidden, batch_first=True) if history_len else None
        self.head = nn.Sequential(
            nn.Linear(channels + (lstm_hidden if history_len else 0), dense),
            nn.ReLU(),
            nn.Linear(dense, 1),
        )

    def task_features(self, obs: torch.Tensor) -> torch.Tensor:
        """f_L (eq. 37): the LSTM's last hidden state over the history part of ``obs``."""
        if self.lstm is None:
            return obs.new_zeros(obs.shape[0], 0)
        hist = obs[:, self.layout.obs_size :].reshape(-1, self.history_len, self.history_step)
        _, (h, _) = self.lstm(hist)
        return h[-1]

    def _head(self, f_c: torch.Tensor, obs: torch.Tensor) -> torch.Tensor:
        b, n = f_c.shape[:2]
        f_l = self.task_features(obs).unsqueeze(1).expand(b, n, -1)
        return self.head(torch.cat([f_c, f_l], dim=-1)).squeeze(-1)  # eq. (38)

    def forward(self, obs: torch.Tensor, links: torch.Tensor) -> torch.Tensor:
        state = self.conv_state(_device_grid(self.layout, obs))  # [B, K, ch]
        action = self.conv_action(links.transpose(-1, -2))  # [B, n, K, ch]
        x = torch.relu(action + state.unsqueeze(1))
        f_c = torch.relu(self.conv2(x)).mean(2)  # [B, n, ch], eq. (36)
        return self._head(f_c, obs)

    def forward_groups(self, obs: torch.Tensor, groups: torch.Tensor) -> torch.Tensor:
        b, n, _ = groups.shape
        state = self.conv_state(_device_grid(self.layout, obs))  # [B, K, ch]
        idle = torch.relu(self.conv2(torch.relu(state)))  # [B, K, ch]: no link anywhere
        linked = groups > 0  # [B, n, J]
        device = (groups - 1).clamp(min=0).reshape(b, -1)  # [B, n*J]
        rows = torch.arange(b).unsqueeze(1)
        state_at = state[rows, device].reshape(b, n, -1, state.shape[-1])  # [B, n, J, ch]
        idle_at = idle[rows, device].reshape(b, n, -1, idle.shape[-1])
        w_action = self.conv_action.weight.T  # [J, ch]: a link of transmitter j
        served = torch.relu(self.conv2(torch.relu(state_at + w_action)))  # [B, n, J, ch]
        delta = ((served - idle_at) * linked.unsqueeze(-1)).sum(2) / self.layout.n_devices
        f_c = idle.mean(1).unsqueeze(1) + delta  # [B, n, ch], eq. (36) mean-pooled
        return self._head(f_c, obs)


class CNNGaussianActor(nn.Module):
    """pi_theta(a | s): a Gaussian over the logits of each transmitter's K + 1 choices (idle
    or one device), whose softmax is a relaxed link group  (eqs. 39-40; see
    ``agents.common.proto``).

    ``forward(obs) -> (logits, sigma)``: mean logits ``[B, J, K + 1]`` (idle first) and the
    std of the device logits ``[B, J, K]`` in [e^-5, 1]. ``sample`` draws the reparameterised
    relaxed group ``[B, J, K]``. Device logits come from per-device 1x1 convolutions with a
    mean-pooled context joined in, so the scores of one device depend on the others (who
    else needs data); the idle logit of each transmitter comes from the pooled context.
    """

    def __init__(self, layout: GridLayout, channels: int = 32) -> None:
        super().__init__()
        self.layout = layout
        self.conv1 = nn.Linear(layout.n_features + layout.n_global, channels)
        self.conv2 = nn.Linear(2 * channels, channels)
        self.mu = nn.Linear(channels, layout.n_tx)
        self.idle = nn.Linear(channels, layout.n_tx)
        self.log_sigma = nn.Linear(channels, layout.n_tx)

    def forward(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = torch.relu(self.conv1(_device_grid(self.layout, obs)))  # [B, K, ch]
        context = h.mean(1, keepdim=True).expand_as(h)
        h = torch.relu(self.conv2(torch.cat([h, context], dim=2)))
        device = self.mu(h).transpose(1, 2)  # [B, J, K]
        idle = self.idle(h.mean(1)).unsqueeze(-1)  # [B, J, 1]
        sigma = torch.exp(self.log_sigma(h).clamp(-5.0, 0.0)).transpose(1, 2)
        return torch.cat([idle, device], dim=-1), sigma

    def sample(self, obs: torch.Tensor, noise: torch.Tensor | None) -> torch.Tensor:
        """A relaxed link group ``[B, J, K]``: softmax of mu + sigma * noise on the device
        logits (reparameterised; ``noise [B, J, K]``), or of mu if ``noise`` is None."""
        logits, sigma = self(obs)
        if noise is not None:
            logits = logits + F.pad(sigma * noise, (1, 0))
        return relaxed_links(logits)
