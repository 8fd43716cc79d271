"""Pure, vectorised physics shared by every environment (no Gymnasium imports)."""

from leo_envs.models import channels, frames, fsmc, isl, links, shells, tle, visibility

__all__ = ["channels", "frames", "fsmc", "isl", "links", "shells", "tle", "visibility"]
