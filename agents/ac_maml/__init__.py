"""AC-MAML baseline of paper 002: actor-critic from a first-order MAML meta-initialisation."""

from agents.ac_maml.ac_maml import ACMAML, ACMAMLArgs

__all__ = ["ACMAML", "ACMAMLArgs"]
