"""Pure, vectorised physics shared by every environment (no Gymnasium imports)."""

from leo_envs.models import channels, frames, fsmc, links, shells, tle, visibility

__all__ = ["channels", "frames", "fsmc", "links", "shells", "tle", "visibility"]
