"""Task arrivals of LEOEdge's light / normal / heavy cases (paper 001, Sec. IX-C).

The paper replays an unnamed trace; we use Poisson processes with its stated rates [C]:
light ~ one task every 5-10 s per satellite (each satellite's mean inter-arrival drawn
U(5, 10) s), normal one every 2 s, heavy one every second.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

#: Scenario -> (low, high) of each satellite's mean inter-arrival time [s].
MEAN_INTERARRIVAL_S: dict[str, tuple[float, float]] = {
    "light": (5.0, 10.0),
    "normal": (2.0, 2.0),
    "heavy": (1.0, 1.0),
}


def arrival_rates_per_s(
    scenario: str, n_sats: int, rng: np.random.Generator
) -> NDArray[np.float64]:
    """[n_sats] Poisson arrival rate of each satellite [tasks/s] for ``scenario``."""
    if scenario not in MEAN_INTERARRIVAL_S:
        raise ValueError(f"scenario must be one of {tuple(MEAN_INTERARRIVAL_S)}, got {scenario!r}")
    low, high = MEAN_INTERARRIVAL_S[scenario]
    return 1.0 / rng.uniform(low, high, size=n_sats)


def poisson_arrivals(
    rates_per_s: NDArray[np.float64], horizon_s: float, rng: np.random.Generator
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Merged Poisson arrivals of independent satellites on ``[0, horizon_s)``.

    Given the count N ~ Poisson(rate T), a Poisson process's points are N sorted uniforms,
    so all streams are drawn in three array calls. Returns ``(times_s, sat)`` sorted by time.
    """
    rates = np.asarray(rates_per_s, dtype=np.float64)
    counts = rng.poisson(rates * horizon_s)
    sat = np.repeat(np.arange(rates.size), counts)
    times = rng.uniform(0.0, horizon_s, size=sat.size)
    order = np.argsort(times, kind="stable")
    return times[order], sat[order].astype(np.int64)
