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
    interarrival_low_s: float,
    interarrival_high_s: float,
    n_sats: int,
    rng: np.random.Generator,
) -> NDArray[np.float64]:
    """[n_sats] Poisson rates [tasks/s]: each satellite's mean inter-arrival time is drawn
    U(low, high) s (the ranges of :data:`MEAN_INTERARRIVAL_S` per case)."""
    if not 0.0 < interarrival_low_s <= interarrival_high_s:
        raise ValueError(
            "need 0 < interarrival_low_s <= interarrival_high_s, got "
            f"{interarrival_low_s}, {interarrival_high_s}"
        )
    return 1.0 / rng.uniform(interarrival_low_s, interarrival_high_s, size=n_sats)


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
