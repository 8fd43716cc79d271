"""Transfer delays and the seamless-relay path rule of LEOEdge (paper 001, Sec. VII, Alg. 4).

The printed forms multiply the data size by the loss rate (eqs. 1, 28-30), so a loss-free
link would transfer in zero time. The corrected forms (spec A2/A4, tag [R]) divide by the
expected number of ARQ transmissions instead: a hop with loss p delivers at rate l (1 - p),
two hops in series (cut-through) at min{k_ij, l} (1 - p_ij)(1 - p). ``delay_model=
"paper_literal"`` keeps the printed forms.

The printed relay test compares the relay delay with the *origin's* remaining window
T_a(i); since d_ij >= d_i always holds, it can never pass once the direct test failed.
The corrected rule tests the relay's own window T_a(j) (``relay_window="neighbor"``);
``relay_window="paper_literal"`` keeps the printed test.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

DELAY_MODELS = ("arq", "paper_literal")
RELAY_WINDOWS = ("neighbor", "paper_literal")

#: Path codes returned by :func:`choose_path` (relay k is ``PATH_RELAY0 + k``).
PATH_LOCAL = -1
PATH_DIRECT = 0
PATH_RELAY0 = 1


def direct_transfer_s(
    bits: ArrayLike, gs_rate_bps: float, gs_loss: float, delay_model: str = "arq"
) -> NDArray[np.float64]:
    """Satellite -> ground-station transfer time [s] of ``bits`` (eq. 1).

    ``arq``: t / (l (1 - p)) [R]; ``paper_literal``: t p / l [V].
    """
    bits = np.asarray(bits, dtype=np.float64)
    if delay_model == "arq":
        return bits / (gs_rate_bps * (1.0 - gs_loss))
    if delay_model == "paper_literal":
        return bits * gs_loss / gs_rate_bps
    raise ValueError(f"delay_model must be one of {DELAY_MODELS}, got {delay_model!r}")


def relay_transfer_s(
    bits: ArrayLike,
    isl_rate_bps: ArrayLike,
    gs_rate_bps: float,
    isl_loss: ArrayLike,
    gs_loss: float,
    delay_model: str = "arq",
) -> NDArray[np.float64]:
    """Satellite -> neighbour -> ground-station transfer time [s] (eq. 28).

    ``arq``: t / (min{k_ij, l} (1 - p_ij)(1 - p)) [R]; ``paper_literal``:
    t (p_ij + p) / min{k_ij, l} [V]. Broadcasts over neighbours.
    """
    bits = np.asarray(bits, dtype=np.float64)
    bottleneck = np.minimum(np.asarray(isl_rate_bps, dtype=np.float64), gs_rate_bps)
    isl_loss = np.asarray(isl_loss, dtype=np.float64)
    if delay_model == "arq":
        return bits / (bottleneck * (1.0 - isl_loss) * (1.0 - gs_loss))
    if delay_model == "paper_literal":
        return bits * (isl_loss + gs_loss) / bottleneck
    raise ValueError(f"delay_model must be one of {DELAY_MODELS}, got {delay_model!r}")


def path_delay_s(
    task_bits: float,
    result_bits: float,
    returns_result: bool,
    edge_exec_s: float,
    gs_rate_bps: float,
    gs_loss: float,
    isl_rate_bps: ArrayLike,
    isl_loss: ArrayLike,
    delay_model: str = "arq",
) -> tuple[float, NDArray[np.float64]]:
    """Alg. 4's estimate d of the direct path and d'_j of each relay path [s].

    Case II (no result returned): eqs. (1) and (28) on the raw data t. Case I (result
    returned): eqs. (29)-(30): the data t + s plus the edge execution time c(m_e), because
    the satellite must stay in contact until the result is ready.
    """
    bits = task_bits + result_bits if returns_result else task_bits
    extra = edge_exec_s if returns_result else 0.0
    d_direct = float(direct_transfer_s(bits, gs_rate_bps, gs_loss, delay_model)) + extra
    d_relay = relay_transfer_s(bits, isl_rate_bps, gs_rate_bps, isl_loss, gs_loss, delay_model)
    return d_direct, d_relay + extra


def feasible_paths(
    d_direct_s: float,
    origin_visible: bool,
    origin_remaining_s: float,
    d_relay_s: Sequence[float],
    relay_usable: Sequence[bool],
    relay_remaining_s: Sequence[float],
    relay_window: str = "neighbor",
) -> list[bool]:
    """Which paths pass Alg. 4's tests: ``[direct, relay_0, ..., relay_{K-1}]``.

    Direct: the origin sees the ground station and d <= T_a(i) (eq. 27). Relay j: the
    ISL to j is up, j is idle (not itself sending to the GS) and sees the GS
    (``relay_usable``), and d'_j <= T_a(j) [R] (``relay_window="neighbor"``) or
    d'_j <= T_a(i) [V] (``"paper_literal"``). Plain Python: K is 4 and this runs once per
    decision, where array calls cost more than they save.
    """
    if relay_window == "neighbor":
        window = list(relay_remaining_s)
    elif relay_window == "paper_literal":
        window = [origin_remaining_s] * len(d_relay_s)
    else:
        raise ValueError(f"relay_window must be one of {RELAY_WINDOWS}, got {relay_window!r}")
    out = [bool(origin_visible) and d_direct_s <= origin_remaining_s]
    out += [bool(ok) and d <= w for ok, d, w in zip(relay_usable, d_relay_s, window, strict=True)]
    return out


def relay_preference(d_relay_s: Sequence[float], same_plane: Sequence[bool]) -> tuple[int, ...]:
    """Alg. 4's order of preference among relay candidates: same-orbit ones first, each
    group fastest first (Alg. 4 l. 24: min), ties by candidate index."""
    return tuple(sorted(range(len(d_relay_s)), key=lambda k: (not same_plane[k], d_relay_s[k], k)))


def choose_path(
    feasible: Sequence[bool],
    d_relay_s: Sequence[float],
    same_plane: Sequence[bool],
    order: Sequence[int] | None = None,
) -> int:
    """Alg. 4's choice among feasible paths: direct, else the fastest same-orbit relay,
    else the fastest other-orbit relay (Alg. 4 l. 24: min), else local.

    ``order``: :func:`relay_preference` of ``(d_relay_s, same_plane)`` when the caller has it
    precomputed. Returns :data:`PATH_LOCAL`, :data:`PATH_DIRECT` or ``PATH_RELAY0 + k``.
    """
    if feasible[0]:
        return PATH_DIRECT
    if order is None:
        order = relay_preference(d_relay_s, same_plane)
    for k in order:
        if feasible[1 + k]:
            return PATH_RELAY0 + k
    return PATH_LOCAL
