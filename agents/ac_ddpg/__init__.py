"""AC-DDPG baseline of paper 002 (DDPG, simple mapping, re-trained from scratch per task)."""

from agents.ac_ddpg.ac_ddpg import ACDDPG, ACDDPGArgs

__all__ = ["ACDDPG", "ACDDPGArgs"]
