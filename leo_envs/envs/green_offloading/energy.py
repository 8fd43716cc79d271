"""Energy terms of GreenOffloading-v0 (paper 003, eqs. 7-8 with spec B2's concrete terms).

Plain arithmetic on numbers or numpy arrays, with the config's values as arguments: the
numpy wrappers in ``dynamics`` (``slot_energy_j``, ``benchmark_energy_j``,
``switching_energy_j``) call them on arrays, and the compiled slot (``_kernel``) compiles the
same functions for one site at a time (``register_jitable``: plain Python when called from
Python), so both paths share one implementation and give the same numbers to the bit.
"""

from __future__ import annotations

import numpy as np
from numba.extending import register_jitable


@register_jitable
def switching_terms_j(switch_energy_j, g_on, g_prev):
    """e_sw |G_on(t) - G_on(t-1)| (J), the switching term of eq. (8)."""
    return switch_energy_j * np.abs(g_on - g_prev)


@register_jitable
def site_energy_terms_j(
    base_power_w,
    slot_s,
    device_j_per_byte,
    server_j_per_byte,
    task_bytes,
    idle_w,
    busy_extra_w,
    switch_energy_j,
    queue_j_per_byte,
    up_bytes,
    g_on,
    g_prev,
    work_container_s,
    device_tasks,
    server_tasks,
    queued_task_substeps,
):
    """(beta^bs, beta^edg) of one slot in J, eqs. (7)-(8); see ``dynamics.slot_energy_j``.

    ``base_power_w`` = BS + Starlink terminal power, ``busy_extra_w`` = P_max - P_idle of a
    container, ``task_bytes`` = up + down bytes of a task, ``up_bytes`` its upload bytes.
    """
    energy_bs = (
        base_power_w * slot_s
        + device_j_per_byte * device_tasks * task_bytes
        + server_j_per_byte * server_tasks * task_bytes
    )
    energy_edge = (
        slot_s * g_on * idle_w
        + busy_extra_w * work_container_s
        + switching_terms_j(switch_energy_j, g_on, g_prev)
        + queue_j_per_byte * queued_task_substeps * up_bytes
    )
    return energy_bs, energy_edge


@register_jitable
def benchmark_terms_j(
    base_power_w,
    slot_s,
    device_j_per_byte,
    server_j_per_byte,
    task_bytes,
    idle_w,
    busy_extra_w,
    containers,
    service_s,
    arrived,
):
    """No-management reference energy of one slot (J, spec B3): all ``containers`` on,
    every arriving task served locally, no switching; see ``dynamics.benchmark_energy_j``."""
    work = np.minimum(arrived * service_s, containers * slot_s)
    energy_bs, energy_edge = site_energy_terms_j(
        base_power_w, slot_s, device_j_per_byte, server_j_per_byte, task_bytes, idle_w,
        busy_extra_w, 0.0, 0.0, 0.0, containers, containers, work, arrived, arrived, 0.0,
    )  # fmt: skip
    return energy_bs + energy_edge
