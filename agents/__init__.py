"""Learning agents (EMCL meta-critic with Wolpertinger mapping, AC-DDPG, AC-MAML, the
pruning-split LSTM predictor). Not yet implemented: see the agents issue."""
