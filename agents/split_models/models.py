"""Chain models whose top-level children are the split units (spec section 4).

* :class:`KroukaCNN` (paper 004, Sec. IV): 4 x [conv 5x5 'same' (16, 32, 48, 64 ch) + ReLU,
  max-pool 2 stride 2 (ceil, Keras 'same')], then fc 512-256-128-64-10 with ReLU except the
  last (softmax is applied by the loss / at the receiver). 13 units conv1, pool1, ..., fc5;
  28 -> 14 -> 7 -> 4 -> 2, flatten 256.
* :class:`ZhengLSTM` (paper 000, Table I): three one-layer ``nn.LSTM(., 256)`` (one module
  per split unit, which avoids the multi-layer ``_flat_weights`` pruning pitfalls), the third
  returning only its last step, and a ``Linear(256, 1)`` head.
"""

from __future__ import annotations

import torch
from torch import nn


class KroukaCNN(nn.Module):
    def __init__(
        self,
        channels: tuple[int, ...] = (16, 32, 48, 64),
        fc: tuple[int, ...] = (512, 256, 128, 64, 10),
        in_channels: int = 1,
        input_hw: int = 28,
    ) -> None:
        super().__init__()
        c_in, side = in_channels, input_hw
        for i, c in enumerate(channels, start=1):
            self.add_module(f"conv{i}", nn.Sequential(nn.Conv2d(c_in, c, 5, padding=2), nn.ReLU()))
            self.add_module(f"pool{i}", nn.MaxPool2d(2, 2, ceil_mode=True))
            c_in, side = c, -(-side // 2)
        n_in = c_in * side * side
        for i, n in enumerate(fc, start=1):
            layers: list[nn.Module] = [nn.Flatten()] if i == 1 else []
            layers.append(nn.Linear(n_in, n))
            if i < len(fc):
                layers.append(nn.ReLU())
            self.add_module(f"fc{i}", nn.Sequential(*layers))
            n_in = n

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for unit in self.children():
            x = unit(x)
        return x  # logits


class LSTMUnit(nn.Module):
    """One ``nn.LSTM`` layer (batch first); returns the whole sequence or its last step."""

    def __init__(self, input_size: int, hidden: int, last_only: bool) -> None:
        super().__init__()
        self.lstm = nn.LSTM(input_size, hidden, num_layers=1, batch_first=True)
        self.last_only = last_only

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y, _ = self.lstm(x)
        return y[:, -1] if self.last_only else y


class ZhengLSTM(nn.Module):
    def __init__(self, n_features: int = 6, hidden: int = 256, n_layers: int = 3) -> None:
        super().__init__()
        size = n_features
        for i in range(1, n_layers + 1):
            self.add_module(f"lstm{i}", LSTMUnit(size, hidden, last_only=i == n_layers))
            size = hidden
        self.head = nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for unit in self.children():
            x = unit(x)
        return x.squeeze(-1)
