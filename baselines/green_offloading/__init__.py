"""Baselines of GreenOffloading-v0 (paper 003, Dlamini et al., IJEECS 2026).

Policies (harness protocol: ``act(obs, info)``, ``reset(env)``, ``seed(seed)``, ``name``;
constructible without arguments): ``NoManagement``, ``LocalOnly`` (LO),
``AssistedOffloading`` (LO+AO: J_n rule + 2-slot look-ahead), ``DirectOffload`` (DO),
``DriftPlusPenalty`` (LODCO-style Lyapunov drift-plus-penalty, battery-aware).
Forecasters and forecast skill: ``baselines.green_offloading.forecasters``.
"""

from baselines.green_offloading.policies import (
    AssistedOffloading,
    DirectOffload,
    DriftPlusPenalty,
    LocalOnly,
    NoManagement,
)

__all__ = ["AssistedOffloading", "DirectOffload", "DriftPlusPenalty", "LocalOnly", "NoManagement"]
