"""Learning agents for LinkScheduling-v0 (paper 002), torch on CPU.

- ``agents.emcl``: EMCL, the hybrid meta critic (CNN + LSTM task encoder + dense head) with
  CNN Gaussian actors and the Wolpertinger mapping (``k = 1``: the ablation without it);
- ``agents.wolpertinger``: Wolpertinger DDPG and a Wolpertinger variant of SB3's TD3;
- ``agents.ac_ddpg``: AC-DDPG (simple mapping, re-trained from scratch after each change);
- ``agents.ac_maml``: AC-MAML (first-order MAML meta-initialisation, re-adapted after each change);
- ``agents.common``: replay, checkpoints, TensorBoard scalars, training loops;
- ``agents.cli``: the ``leo-train`` command.

Every agent is a harness policy (``act(obs, info)``, ``observe``, ``reset``, ``seed``) and
takes its action neighbourhood from the env (``env.unwrapped.action_neighbors``).
"""
