"""The torch models of papers 000 (ZhengLSTM) and 004 (KroukaCNN) and their offline training."""

from agents.split_models.models import KroukaCNN, ZhengLSTM

__all__ = ["KroukaCNN", "ZhengLSTM"]
