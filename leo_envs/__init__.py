"""leo-envs: Gymnasium environments for LEO satellite / terrestrial edge networks.

Importing the package registers every environment id (see ``ENV_IDS``).
"""

from leo_envs.registration import ENV_SPECS, register_envs

__version__ = "0.1.0"
ENV_IDS = tuple(ENV_SPECS)

register_envs()

__all__ = ["ENV_IDS", "__version__", "register_envs"]
