"""Configuration of GreenOffloading-v0: Table 1 of paper 003 plus documented choices ([C]).

Units are in the names: ``_w`` watts, ``_j`` joules, ``_s`` seconds, ``_hz`` hertz,
``_db*`` decibels, ``_km`` kilometres, ``_bytes`` bytes, ``_bps`` bit/s. Spec:
``relay_and_green_offloading.md`` Part B.
"""

from __future__ import annotations

from dataclasses import dataclass

from leo_envs.envs.common.config import EnvConfig

SAT_PATHS = ("cut_through", "literal", "direct")
SAT_SELECTIONS = ("queue", "elevation", "agent")
CONSTELLATIONS = ("starlink_shell1", "starlink_tle")
SLOTS_PER_DAY = 96
SCENARIO_NAMES = ("fixed_day", "daily_weather", "random_task")
"""Task scenarios (``tasks.SCENARIOS`` registers one next-task function per name)."""


@dataclass(frozen=True)
class GreenOffloadingConfig(EnvConfig):
    """Every parameter of GreenOffloading-v0. Table 1 values are defaults."""

    # --- Network and time (Table 1) ---------------------------------------------------
    n_sites: int = 20
    """N, solar-powered base-station sites with MEC (Table 1: 20)."""
    containers_per_site: int = 20
    """G, containers per site MEC (Table 1: 20)."""
    slot_s: float = 900.0
    """tau, decision slot (Table 1: 15 min). Must divide a day and be a multiple of substep_s."""
    substep_s: float = 60.0
    """[C] sub-step for queues, arrivals and satellite handover inside a slot (<= 600 s)."""
    n_slots: int = SLOTS_PER_DAY
    """[C] slots per episode (96 = one day from local midnight; 288 = the paper's D1-D3;
    at most 10 days)."""
    site_radius_km: float = 15.0
    """[C] sites lie on a disc of this radius around the task's site location."""

    # --- Satellite link (Table 1, eqs. 4-5) ------------------------------------------
    constellation: str = "starlink_tle"
    """'starlink_tle' (the shipped 421 real TLEs of 2020-05-07, spec B4) or 'starlink_shell1'
    (Walker 53 deg 72x22 at 550 km, 1584 satellites: ~4x slower to set up per epoch)."""
    min_elevation_deg: float = 25.0
    """[X] visibility mask (Starlink gateways, spec 1.2); 003's 81.3 deg is a GEO limit."""
    eirp_dbw: float = 34.9
    """EIRP_n of the site terminal (Table 1: 34.9 dBW)."""
    g_over_t_db_per_k: float = 15.84
    """(G/T)_n (Table 1: 15.84 dB/K)."""
    carrier_hz: float = 30e9
    """f_c (Table 1: 30 GHz)."""
    bandwidth_hz: float = 10e6
    """B_n (Table 1: 10 MHz)."""
    extra_losses_db: float = 0.0
    """[C] pointing + polarisation + atmospheric losses added to FSPL in eq. (4)."""
    snr_threshold_db: float = 10.0
    """Gamma_th: satellites below this SNR are not eligible for AO (Table 1: 10 dB)."""
    sat_containers: int = 20
    """G, containers on each satellite (Table 1: 20)."""
    sat_service_s: float = 0.20
    """[C] per-task service time on a satellite container (t_cp, spec B2)."""
    sat_background_low: float = 0.3
    """[C] lower end of a satellite's background load, a share of its capacity."""
    sat_background_high: float = 0.7
    """[C] upper end of a satellite's background load (drawn per satellite per episode)."""
    sat_path: str = "cut_through"
    """[C] eq. (14) form: 'cut_through' (device->BS->sat pipelined), 'literal', 'direct' (DO)."""
    sat_selection: str = "queue"
    """'queue' (AO rule: least expected wait among eligible), 'elevation' (DO: highest) or
    'agent' (issue 13: a 4th action column per site picks the serving satellite among those
    with SNR >= the threshold, ranked by SNR; see the env card's Action Space)."""

    # --- Energy (Table 1, eqs. 6-8) ---------------------------------------------------
    bs_power_w: float = 10.6
    """beta_0, BS operating power (Table 1: 10.6 W)."""
    sat_antenna_power_w: float = 50.0
    """beta_sat, Starlink terminal power, always on (the site's backhaul; Table 1: 50 W)."""
    container_idle_w: float = 5.0
    """[C] power of an active idle container (ENAAM/GENM lineage)."""
    container_max_w: float = 10.0
    """[C] power of a fully busy container."""
    switch_energy_j: float = 50.0
    """[C] e_sw, energy per container (de)activation (beta_sw)."""
    device_link_j_per_byte: float = 2e-8
    """[C] e_ld, device<->BS radio energy per byte (beta_ld)."""
    server_link_j_per_byte: float = 1e-9
    """[C] e_dt, BS<->server interface energy per byte (beta_dt)."""
    queue_j_per_byte: float = 1e-9
    """[C] e_qu, I/O buffer energy per byte (beta_qu)."""

    # --- Battery and PV (Table 1, eqs. 9-11) ---------------------------------------------
    battery_capacity_j: float = 100e3
    """Upsilon_max (Table 1: 100 kJ)."""
    self_discharge_per_slot: float = 0.9999
    """zeta_n, retention factor per slot (Table 1: 0.9999)."""
    charge_efficiency: float = 0.9
    """[C] phi of Phi(x) = phi x (Table 1: Phi in (0, 1])."""
    initial_battery_fraction: float = 0.5
    """[C] battery level at reset, a share of the capacity."""
    pv_peak_w: float = 500.0
    """[C] PV output at 1000 W/m^2 (panel area x efficiency x 1000)."""

    # --- Tasks and delay (Table 1, eqs. 12-14) -----------------------------------------
    delay_bound_s: float = 0.8
    """sigma, application delay bound (Table 1: 0.8 s)."""
    task_up_bytes: float = 3e6
    """gamma_ul, task upload size (Table 1: 3 MB)."""
    task_down_bytes: float = 0.1e6
    """gamma_dl, result size (Table 1: 0.1 MB)."""
    device_rate_bps: float = 50e6
    """[C] r_0, device<->BS rate (Table 1's 1 Mbps makes any task miss sigma; spec B2)."""
    server_rate_bps: float = 1e9
    """[C] r_g, BS<->container interface rate."""
    access_s: float = 1e-3
    """[C] t_ac, access decision time."""
    local_service_s: float = 0.25
    """[C] per-task service time on a site container (t_cp, spec B2)."""
    drop_steepness: float = 4.0
    """[C] delta of the soft-drop law q = 1 - (sigma / t)^delta for t > sigma."""
    retry_share: float = 0.5
    """[C] share of dropped tasks that retry in the next sub-step."""
    peak_arrival_rate: float = 20.0
    """[C] site-mean task arrivals per second at the diurnal peak."""
    night_floor: float = 0.05
    """[C] night arrival rate as a share of the peak."""

    # --- Forecasts in the observation -------------------------------------------------
    forecast_horizon: int = 2
    """Slots of harvest and arrival forecasts in the observation (paper: 2-slot look-ahead)."""
    forecast_error: float = 0.05
    """Default forecast error (nRMSE of the clear-sky index one slot ahead; tasks override)."""

    # --- Reward weights [C] -----------------------------------------------------------
    drop_weight: float = 1.0
    """w_d, penalty per dropped share of arrivals."""
    backup_weight: float = 1.0
    """w_b, penalty per backup_energy_ref_j of backup (grid) energy."""
    delay_weight: float = 0.5
    """w_s, penalty on the mean delay excess over sigma, relative to sigma."""
    backup_energy_ref_j: float = 100e3
    """E_ref, normalisation of the backup-energy penalty."""

    # --- Tasks ---------------------------------------------------------------------------
    scenario: str = "fixed_day"
    """Task scenario (see tasks.SCENARIOS): how the task changes between episodes."""
    update_interval: int = SLOTS_PER_DAY
    """Steps between task switches when the scenario varies tasks."""
    render_fps: int = 4
    """Frames per second of the 'human' render mode."""
    randomize_background: bool = True
    """[C] draw satellite background loads per episode (False: their midpoint)."""

    def __post_init__(self) -> None:
        self.check_fields(_RANGES)
        ratio = self.slot_s / self.substep_s
        if self.substep_s > self.slot_s or abs(ratio - round(ratio)) > 1e-9:
            raise ValueError(
                f"substep_s must divide slot_s = {self.slot_s:g} s, got {self.substep_s:g}"
            )
        per_hour, hours = 3600.0 / self.slot_s, self.slot_s / 3600.0
        day_ratio = 86400.0 / self.slot_s
        if abs(day_ratio - round(day_ratio)) > 1e-9 or not (
            abs(per_hour - round(per_hour)) < 1e-9 or abs(hours - round(hours)) < 1e-9
        ):
            raise ValueError(
                "slot_s must divide a day and either divide 3600 s or be whole hours "
                f"(e.g. 900, 3600, 7200), got {self.slot_s:g}"
            )
        if self.substep_s > 600.0:
            raise ValueError(
                f"substep_s must be <= 600 s (the visibility grid step), got {self.substep_s:g}"
            )
        if self.n_slots * self.slot_s > 864_000.0:
            raise ValueError(
                "n_slots x slot_s must be <= 10 days (the visibility index horizon), got "
                f"n_slots = {self.n_slots} of {self.slot_s:g} s"
            )
        if self.sat_background_high < self.sat_background_low:
            raise ValueError(
                f"sat_background_high must be >= sat_background_low = "
                f"{self.sat_background_low:g}, got {self.sat_background_high:g}"
            )
        if self.container_max_w < self.container_idle_w:
            raise ValueError(
                f"container_max_w must be >= container_idle_w = {self.container_idle_w:g}, "
                f"got {self.container_max_w:g}"
            )

    @property
    def substeps_per_slot(self) -> int:
        """Sub-steps of ``substep_s`` in one slot."""
        return round(self.slot_s / self.substep_s)

    @property
    def slots_per_day(self) -> int:
        """Slots of ``slot_s`` in a day."""
        return round(86400.0 / self.slot_s)


_RANGES: dict[str, tuple] = {
    "n_sites": (1, 200),
    "containers_per_site": (1, 1000),
    "slot_s": (60.0, 86400.0),
    "substep_s": (1.0, 86400.0),
    "n_slots": (1, 366 * SLOTS_PER_DAY),
    "site_radius_km": (0.0, 200.0),
    "constellation": (CONSTELLATIONS,),
    "min_elevation_deg": (0.0, 89.0),
    "eirp_dbw": (-50.0, 100.0),
    "g_over_t_db_per_k": (-50.0, 60.0),
    "carrier_hz": (1e8, 1e12),
    "bandwidth_hz": (1e3, 1e10),
    "extra_losses_db": (0.0, 100.0),
    "snr_threshold_db": (-30.0, 60.0),
    "sat_containers": (1, 10_000),
    "sat_service_s": (1e-4, 100.0),
    "sat_background_low": (0.0, 0.99),
    "sat_background_high": (0.0, 0.99),
    "sat_path": (SAT_PATHS,),
    "sat_selection": (SAT_SELECTIONS,),
    "bs_power_w": (0.0, 1e4),
    "sat_antenna_power_w": (0.0, 1e4),
    "container_idle_w": (0.0, 1e4),
    "container_max_w": (0.0, 1e4),
    "switch_energy_j": (0.0, 1e6),
    "device_link_j_per_byte": (0.0, 1e-3),
    "server_link_j_per_byte": (0.0, 1e-3),
    "queue_j_per_byte": (0.0, 1e-3),
    "battery_capacity_j": (1.0, 1e10),
    "self_discharge_per_slot": (0.5, 1.0),
    "charge_efficiency": (0.0, 1.0, True),
    "initial_battery_fraction": (0.0, 1.0),
    "pv_peak_w": (0.0, 1e6),
    "delay_bound_s": (1e-3, 100.0),
    "task_up_bytes": (1.0, 1e10),
    "task_down_bytes": (0.0, 1e10),
    "device_rate_bps": (1e3, 1e12),
    "server_rate_bps": (1e3, 1e12),
    "access_s": (0.0, 10.0),
    "local_service_s": (1e-4, 100.0),
    "drop_steepness": (0.1, 100.0),
    "retry_share": (0.0, 1.0),
    "peak_arrival_rate": (0.0, 1e4),
    "night_floor": (0.0, 1.0),
    "forecast_horizon": (1, 16),
    "forecast_error": (0.0, 2.0),
    "drop_weight": (0.0, 1e3),
    "backup_weight": (0.0, 1e3),
    "delay_weight": (0.0, 1e3),
    "backup_energy_ref_j": (1.0, 1e10),
    "scenario": (SCENARIO_NAMES,),
    "update_interval": (1, 10**9),
    "render_fps": (1, 120),
    "randomize_background": (),
}
