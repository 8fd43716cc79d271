"""Pure, vectorised physics shared by every environment (no Gymnasium imports)."""

from leo_envs.models import channels, fsmc, links, orbits

__all__ = ["channels", "fsmc", "links", "orbits"]
