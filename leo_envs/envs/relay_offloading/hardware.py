"""On-board processors and inference models of LEOEdge (paper 001, Tables II-III).

Per-image latency (ms) of MobileNetV3 and ShuffleNetV2 on eight phone-class processors,
without and with the paper's adaptive modelling (NAS-generated models under a 15-20 ms
target), and the accuracy of the adapted models. The original (non-adapted) accuracies
are 72 % (MobileNetV3) and 69.1 % (ShuffleNetV2) [paper 001, Sec. IX-B].
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

PROCESSORS: tuple[str, ...] = (
    "Snapdragon 8 Gen 1",
    "Snapdragon 835",
    "Snapdragon 855",
    "Kirin 980",
    "Kirin 990",
    "Google Tensor",
    "Kirin 9000",
    "Snapdragon 695",
)
MODELS: tuple[str, ...] = ("MobileNetV3", "ShuffleNetV2")

#: [processor, model] per-image latency without adaptive modelling [ms] (Tables II-III "w/o").
LATENCY_MS_ORIGINAL: NDArray[np.float64] = np.array(
    [
        [24.9, 20.1],
        [36.8, 34.2],
        [33.0, 31.3],
        [35.7, 35.0],
        [28.2, 26.1],
        [22.1, 23.2],
        [22.2, 20.9],
        [37.5, 33.5],
    ]
)
#: [processor, model] per-image latency with adaptive modelling [ms] (Tables II-III "w").
LATENCY_MS_ADAPTIVE: NDArray[np.float64] = np.array(
    [
        [18.0, 18.2],
        [19.8, 19.2],
        [18.0, 18.4],
        [19.2, 19.1],
        [18.9, 18.3],
        [13.8, 18.5],
        [13.8, 14.5],
        [14.7, 14.2],
    ]
)
#: [processor, model] top-1 accuracy of the adapted model [fraction] (Tables II-III "ACC").
ACCURACY_ADAPTIVE: NDArray[np.float64] = (
    np.array(
        [
            [74.02, 69.23],
            [71.16, 68.25],
            [71.02, 69.13],
            [72.96, 68.84],
            [73.02, 69.33],
            [76.82, 68.92],
            [75.24, 71.91],
            [71.34, 69.01],
        ]
    )
    / 100.0
)
#: [model] accuracy of the original models [fraction] (Sec. IX-B prose).
ACCURACY_ORIGINAL: NDArray[np.float64] = np.array([0.72, 0.691])

for _table in (LATENCY_MS_ORIGINAL, LATENCY_MS_ADAPTIVE, ACCURACY_ADAPTIVE, ACCURACY_ORIGINAL):
    _table.setflags(write=False)


def image_latency_s(
    processor: NDArray[np.int64] | int, model: NDArray[np.int64] | int, adaptive: bool
) -> NDArray[np.float64]:
    """Per-image on-board inference latency c(m_i) [s] from Tables II-III (vectorised)."""
    table = LATENCY_MS_ADAPTIVE if adaptive else LATENCY_MS_ORIGINAL
    return table[np.asarray(processor), np.asarray(model)] / 1000.0


def model_accuracy(
    processor: NDArray[np.int64] | int, model: NDArray[np.int64] | int, adaptive: bool
) -> NDArray[np.float64]:
    """On-board model accuracy a_i [fraction]: Tables II-III with adaptive modelling, else
    the original model's accuracy (which does not depend on the processor)."""
    processor, model = np.broadcast_arrays(np.asarray(processor), np.asarray(model))
    if adaptive:
        return ACCURACY_ADAPTIVE[processor, model]
    return ACCURACY_ORIGINAL[model]


def onboard_load_series(
    rng: np.random.Generator,
    n_sats: int,
    n_steps: int,
    mean: float = 0.3,
    high: float = 0.6,
    correlation_time_s: float = 30.0,
    step_s: float = 1.0,
) -> NDArray[np.float64]:
    """[n_sats, n_steps] on-board background CPU load u_i(t) on a ``step_s`` grid [C, spec A6].

    A discretised Ornstein-Uhlenbeck (AR(1)) process around ``mean`` with stationary std
    ``high / 4`` and the given correlation time, clipped to ``[0, high]``; local execution is
    slowed by the factor ``1 + u_i(t)``.
    """
    a = float(np.exp(-step_s / correlation_time_s))
    std = high / 4.0
    noise = rng.normal(0.0, std * np.sqrt(1.0 - a * a), size=(n_steps, n_sats))
    noise[0] = rng.normal(0.0, std, size=n_sats)  # start in the stationary law
    x = np.empty_like(noise)
    x[0] = noise[0]
    for k in range(1, n_steps):  # AR(1) recursion: sequential in time, vectorised over sats
        x[k] = a * x[k - 1] + noise[k]
    return np.clip(mean + x.T, 0.0, high)
