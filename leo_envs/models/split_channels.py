"""Channels of the split-inference papers (spec ``split_inference.md`` sections 3 and 5).

* 004: a client moving on a 2-D grid around the server (Fig. 4(a)); channel power gain
  |h|^2 = Omega(x) |g|^2 with distance gain Omega(x) = (d_ref / ||x - x_srv||)^eta ([C]:
  d_ref = 50 m, eta = 3, mean gain 1 at 50 m) and g ~ CN(0, 1) per inference (Rayleigh block
  fading, eq. (3)); an *outdated* observation follows an AR(1) (Gauss-Markov) process. The
  small-scale coefficients come from the shared ``channels.correlated_complex_fading``.
* 000: the TST -> satellite Ka link at a fixed zenith distance h (Table I: 30 GHz, 780 km)
  with a [C] link budget: g_b = G_t G_r / (L_fs L_misc).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from leo_envs.models.channels import db_to_linear, fspl_db


def trajectory_positions_m(
    waypoints_m: ArrayLike, steps_per_leg: int, *, closed: bool = True
) -> NDArray[np.float64]:
    """Positions [n_steps, 2] (m) walking the waypoints piecewise linearly.

    Each leg P_k -> P_{k+1} gets ``steps_per_leg`` points starting at P_k; ``closed`` adds the
    leg back to the first waypoint (so n_steps = n_waypoints * steps_per_leg).
    """
    w = np.asarray(waypoints_m, dtype=np.float64)
    if w.ndim != 2 or w.shape[1] != 2 or w.shape[0] < 2:
        raise ValueError(f"waypoints_m must have shape [n >= 2, 2], got {w.shape}")
    if steps_per_leg < 1:
        raise ValueError(f"steps_per_leg must be >= 1, got {steps_per_leg}")
    ends = np.roll(w, -1, axis=0) if closed else w[1:]
    starts = w if closed else w[:-1]
    frac = np.arange(steps_per_leg) / steps_per_leg
    pos = starts[:, None, :] + frac[None, :, None] * (ends - starts)[:, None, :]
    return pos.reshape(-1, 2)


def distance_gain(distance_m: ArrayLike, reference_m: float = 50.0, exponent: float = 3.0):
    """Large-scale power gain Omega = (d_ref / d)^eta (1 at d_ref), distance floored at 1 m."""
    d = np.maximum(np.asarray(distance_m, dtype=np.float64), 1.0)
    return (reference_m / d) ** exponent


def ka_link_gain_linear(
    distance_m: ArrayLike,
    frequency_hz: float = 30e9,
    tx_gain_dbi: float = 35.0,
    rx_gain_dbi: float = 30.0,
    misc_loss_db: float = 4.0,
) -> NDArray[np.float64]:
    """Power gain g_b of the TST -> satellite link (000 eq. (5)); -118.83 dB at 780 km zenith."""
    return db_to_linear(
        tx_gain_dbi + rx_gain_dbi - misc_loss_db - fspl_db(distance_m, frequency_hz)
    )
