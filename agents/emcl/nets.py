"""EMCL's networks (paper 002, Sec. IV-B1): the hybrid meta critic and the CNN Gaussian actor.

Devices have no spatial order, so the "CNN" runs 1x1 convolutions over the device axis
(the same weights for every device, as a convolution shares them over positions) and
pools over devices; the grid's channels are the per-device observation features, the
global features broadcast to every device and, for the critic, the J rows of the action's
link matrix. Layer sizes, N and LSTM cells are our choices (spec section 14.9).
"""

from __future__ import annotations

import torch
from torch import nn

from agents.common.layout import GridLayout

__all__ = ["CNNGaussianActor", "MetaCritic"]


def _device_grid(layout: GridLayout, obs: torch.Tensor) -> torch.Tensor:
    """``[B, C + G, K]``: per-device features plus the globals broadcast to every device."""
    grid, glob = layout.split(obs[:, : layout.obs_size])
    return torch.cat([grid, glob.unsqueeze(-1).expand(-1, -1, layout.n_devices)], dim=1)


class MetaCritic(nn.Module):
    """Q_omega(s, a, l) = DNN([CNN(s, a); LSTM(l)])  (eqs. 36-38).

    ``forward(obs, links)``: ``obs [B, obs_size + N * step]`` is the observation followed by
    the task history l (the last N (action, reward, done) steps, oldest first), ``links
    [B, n, J, K]`` n candidate actions (0/1 link matrices, or a continuous proto-action);
    returns ``[B, n]``. The first convolution is split into a state part (computed once per
    state) and an action part (per candidate): the same linear map, k times cheaper.
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
        self.conv_state = nn.Conv1d(in_state, channels, 1)
        self.conv_action = nn.Conv1d(layout.n_tx, channels, 1, bias=False)
        self.conv2 = nn.Conv1d(channels, channels, 1)
        self.lstm = nn.LSTM(history_step, lstm_hidden, batch_first=True)  # task encoder (37)
        self.head = nn.Sequential(
            nn.Linear(2 * channels + lstm_hidden, dense), nn.ReLU(), nn.Linear(dense, 1)
        )

    def task_features(self, obs: torch.Tensor) -> torch.Tensor:
        """f_L (eq. 37): the LSTM's last hidden state over the history part of ``obs``."""
        hist = obs[:, self.layout.obs_size :].reshape(-1, self.history_len, self.history_step)
        _, (h, _) = self.lstm(hist)
        return h[-1]

    def forward(self, obs: torch.Tensor, links: torch.Tensor) -> torch.Tensor:
        b, n = links.shape[:2]
        k = self.layout.n_devices
        state = self.conv_state(_device_grid(self.layout, obs))  # [B, ch, K]
        action = self.conv_action(links.reshape(b * n, self.layout.n_tx, k))  # [B*n, ch, K]
        x = torch.relu(action.reshape(b, n, -1, k) + state.unsqueeze(1)).reshape(b * n, -1, k)
        x = torch.relu(self.conv2(x))
        f_c = torch.cat([x.mean(-1), x.amax(-1)], dim=-1)  # eq. (36)
        f_l = self.task_features(obs).repeat_interleave(n, dim=0)
        return self.head(torch.cat([f_c, f_l], dim=-1)).reshape(b, n)  # eq. (38)


class CNNGaussianActor(nn.Module):
    """pi_theta(a | s) = N(mu(s), diag sigma(s)^2) over proto-actions [J, K]  (eqs. 39-40).

    ``forward(obs) -> (mu, sigma)``, each ``[B, J, K]``; mu in [0, 1] (sigmoid), sigma in
    [e^-5, 1]. A mean-pooled context over devices joins each device's features, so the
    scores of one device depend on the others (who else needs data).
    """

    def __init__(self, layout: GridLayout, channels: int = 32) -> None:
        super().__init__()
        self.layout = layout
        self.conv1 = nn.Conv1d(layout.n_features + layout.n_global, channels, 1)
        self.conv2 = nn.Conv1d(2 * channels, channels, 1)
        self.mu = nn.Conv1d(channels, layout.n_tx, 1)
        self.log_sigma = nn.Conv1d(channels, layout.n_tx, 1)

    def forward(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = torch.relu(self.conv1(_device_grid(self.layout, obs)))
        context = h.mean(-1, keepdim=True).expand_as(h)
        h = torch.relu(self.conv2(torch.cat([h, context], dim=1)))
        mu = torch.sigmoid(self.mu(h))
        sigma = torch.exp(self.log_sigma(h).clamp(-5.0, 0.0))
        return mu, sigma

    def sample(self, obs: torch.Tensor, noise: torch.Tensor | None) -> torch.Tensor:
        """A proto-action in [0, 1]: mu + sigma * noise (reparameterised), or mu if None."""
        mu, sigma = self(obs)
        if noise is None:
            return mu
        return (mu + sigma * noise).clamp(0.0, 1.0)
