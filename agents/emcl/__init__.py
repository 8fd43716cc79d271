"""EMCL (paper 002): hybrid meta critic, CNN Gaussian actors, Wolpertinger mapping."""

from agents.emcl.emcl import EMCL, EMCLArgs

__all__ = ["EMCL", "EMCLArgs"]
