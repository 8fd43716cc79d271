"""Non-learning policies and solvers, evaluated through ``leo_envs.harness``."""
