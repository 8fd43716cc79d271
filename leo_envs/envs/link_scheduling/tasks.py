"""Tasks (stationary network configurations) and episode draws of LinkScheduling-v0.

A *task* fixes who is where (device positions, kinds, presence, priority weights), the
demand distribution, the weather and blockage, and the LEO pass; its large-scale link
gains [T, J, K] are computed once when the task is made. An *episode* of a task draws
demands and FSMC small-scale fading paths; that draw is all that happens at reset.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from leo_envs.envs.link_scheduling import geometry, radio
from leo_envs.envs.link_scheduling.config import TRANSMITTERS, LinkSchedulingConfig
from leo_envs.models import channels, fsmc
from leo_envs.tasks import Task, check_array_field, derived_field

BAND = np.array([0, 1, 1, 1], dtype=np.int64)  # LEO in Ka, BS and TSTs in C


@dataclass(frozen=True, eq=False)
class LinkSchedulingTask(Task):
    """One stationary configuration of the network (a meta-learning task).

    Serialised fields (``to_dict``, ``task_id``): arrays over K = ``max_devices`` device
    slots (absent ones have ``present=False``): ``positions_m`` [K, 2] east/north offsets
    from the BS (m), ``present``, ``is_iot``, ``weight`` (priority, > 0); the demand range
    (Mbit), the rain attenuation chi (dB/km), ``blockage_db`` [J, K] extra loss per link,
    and the LEO pass (s after ``geometry.ORBIT_EPOCH``).

    Derived when the task is built for a config (``LinkSchedulingTask.build(config=...,
    ...)``): ``large_scale_gain`` [T, J, K] (path loss, antenna gains, pitch-angle
    factor, atmospheric loss and blockage, linear; small-scale fading is drawn per
    episode), the LEO elevation, and for the env's speed ``eligible`` [J, K],
    ``snr_feature_base`` [T, J, K] log10 of the large-scale SNR (float32; very low for
    absent devices) and ``min_level`` [T, J, K], the lowest FSMC level at which the link's
    interference-free SINR meets the threshold (L if never or if ineligible).
    """

    family: ClassVar[str] = "link_scheduling"

    positions_m: NDArray[np.float64]
    present: NDArray[np.bool_]
    is_iot: NDArray[np.bool_]
    weight: NDArray[np.float64]
    demand_mbit_low: float
    demand_mbit_high: float
    rain_attenuation_db_per_km: float
    blockage_db: NDArray[np.float64]
    pass_time_s: float
    config: LinkSchedulingConfig = derived_field()
    leo_elevation_deg: float = derived_field()
    large_scale_gain: NDArray[np.float64] = derived_field()
    eligible: NDArray[np.bool_] = derived_field()
    snr_feature_base: NDArray[np.float32] = derived_field()
    min_level: NDArray[np.uint8] = derived_field()

    @property
    def n_present(self) -> int:
        return int(self.present.sum())

    @property
    def name(self) -> str:
        return (
            f"link_scheduling[{self.n_present} devices, demand {self.demand_mbit_low:.3g}-"
            f"{self.demand_mbit_high:.3g} Mbit, chi {self.rain_attenuation_db_per_km:.3g} dB/km, "
            f"{int((self.blockage_db > 0).sum())} blocked links, pass t={self.pass_time_s:.0f} s]"
        )

    @classmethod
    def build(
        cls, config: LinkSchedulingConfig | None = None, **fields_: Any
    ) -> LinkSchedulingTask:
        """A task of ``config`` (default config if None) from its serialised fields."""
        return make_task(config if config is not None else LinkSchedulingConfig(), **fields_)

    def _build_context(self) -> dict[str, Any]:
        return {"config": self.config}

    def validate(self, config: LinkSchedulingConfig | None = None) -> None:
        """``ValueError`` naming the field if malformed or built for another config."""
        check_task_fields(self.config, self.spec())
        if config is None:
            return
        mine, theirs = self.config.to_dict(), config.to_dict()
        differing = sorted(
            name
            for name in mine
            if name not in TASK_INDEPENDENT_FIELDS and mine[name] != theirs[name]
        )
        if differing:
            raise ValueError(
                f"task {self.task_id} was made for another config (fields differing: "
                f"{differing}); build it with this env's sample_tasks or "
                f"LinkSchedulingTask.from_dict(data, config=env.unwrapped.config)"
            )


# Config fields a task's derived arrays do not depend on: a task built under another value
# of these is valid for the env (the task carries its own population and demand range).
TASK_INDEPENDENT_FIELDS = frozenset(
    {
        "n_devices",
        "iot_fraction",
        "demand_mbit_low",
        "demand_mbit_high",
        "served_threshold_fraction",
        "vip_fraction",
        "vip_weight",
        "served_term_weight",
        "data_term_weight",
        "scenario",
        "update_interval",
        "invalid_action",
        "invalid_action_penalty",
    }
)


def check_task_fields(config: LinkSchedulingConfig, values: dict[str, Any]) -> dict[str, Any]:
    """The serialised fields as arrays of the right shape, dtype and range for ``config``,
    else ``ValueError`` naming the field."""
    k, n_tx = config.max_devices, len(TRANSMITTERS)
    out = dict(values)
    out["positions_m"] = check_array_field("positions_m", values["positions_m"], (k, 2))
    for name in ("present", "is_iot"):
        out[name] = check_array_field(name, values[name], (k,), kind="b")
    out["weight"] = check_array_field("weight", values["weight"], (k,), low=1e-6, high=1e6)
    out["blockage_db"] = check_array_field(
        "blockage_db", values["blockage_db"], (n_tx, k), low=0.0, high=300.0
    )
    for name, low, high in (
        ("demand_mbit_low", 1e-9, 1e6),
        ("demand_mbit_high", 1e-9, 1e6),
        ("rain_attenuation_db_per_km", 0.0, 10.0),
        ("pass_time_s", 0.0, 1e9),
    ):
        value = check_array_field(name, values[name], (), low=low, high=high)
        out[name] = float(value)
    if out["demand_mbit_high"] < out["demand_mbit_low"]:
        raise ValueError(
            f"task field 'demand_mbit_high' ({out['demand_mbit_high']}) must be >= "
            f"demand_mbit_low ({out['demand_mbit_low']})"
        )
    return out


def transmitter_positions_m(config: LinkSchedulingConfig) -> NDArray[np.float64]:
    """[3, 2] ground positions (east, north) in metres of the BS and the two TSTs."""
    r = config.tst_distance_m
    angles = np.radians([0.0, 120.0])
    return np.array([[0.0, 0.0], *[(r * np.cos(a), r * np.sin(a)) for a in angles]])


def large_scale_gain(
    config: LinkSchedulingConfig,
    positions_m: NDArray[np.float64],
    pass_time_s: float,
    rain_attenuation_db_per_km: float,
    blockage_db: NDArray[np.float64],
) -> tuple[NDArray[np.float64], float]:
    """[T, J, K] large-scale power gains h/|beta|^2 of eqs. (3)-(6), linear, and LEO elevation."""
    slant_km, off_boresight, elevation = geometry.leo_geometry(config, pass_time_s, positions_m)
    leo = channels.db_to_linear(config.leo_antenna_gain_dbi) * channels.leo_channel_gain_linear(
        slant_km * 1e3,
        config.leo_frequency_hz,
        channels.pitch_angle_factor(off_boresight, config.leo_pitch_rolloff),
        1.0,
        channels.atmospheric_loss_linear(
            slant_km, config.leo_altitude_km, rain_attenuation_db_per_km
        ),
    )  # [T, K]
    tx_xy = transmitter_positions_m(config)
    distance_m = np.linalg.norm(positions_m[None, :, :] - tx_xy[:, None, :], axis=-1)  # [3, K]
    gains_dbi = np.array(
        [config.bs_antenna_gain_dbi, config.tst_antenna_gain_dbi, config.tst_antenna_gain_dbi]
    )
    terrestrial = channels.terrestrial_channel_gain_linear(
        channels.log_distance_path_loss_db(
            distance_m, config.c_frequency_hz, config.path_loss_exponent
        )
        - gains_dbi[:, None],
        1.0,
    )  # [3, K]
    gain = np.concatenate(
        [leo[:, None, :], np.broadcast_to(terrestrial, (config.n_slots, *terrestrial.shape))],
        axis=1,
    )
    return gain * channels.db_to_linear(-blockage_db)[None], elevation


def make_task(
    config: LinkSchedulingConfig,
    positions_m: NDArray[np.float64],
    present: NDArray[np.bool_],
    is_iot: NDArray[np.bool_],
    weight: NDArray[np.float64],
    demand_mbit_low: float,
    demand_mbit_high: float,
    rain_attenuation_db_per_km: float,
    blockage_db: NDArray[np.float64],
    pass_time_s: float,
) -> LinkSchedulingTask:
    """Build a task of ``config`` and its large-scale gains (validates every field)."""
    values = check_task_fields(
        config,
        {
            "positions_m": positions_m,
            "present": present,
            "is_iot": is_iot,
            "weight": weight,
            "demand_mbit_low": demand_mbit_low,
            "demand_mbit_high": demand_mbit_high,
            "rain_attenuation_db_per_km": rain_attenuation_db_per_km,
            "blockage_db": blockage_db,
            "pass_time_s": pass_time_s,
        },
    )
    positions_m = np.asarray(values["positions_m"], dtype=np.float64)
    blockage_db = np.asarray(values["blockage_db"], dtype=np.float64)
    gain, elevation = large_scale_gain(
        config,
        positions_m,
        values["pass_time_s"],
        values["rain_attenuation_db_per_km"],
        blockage_db,
    )
    present = np.asarray(values["present"], dtype=bool)
    is_iot = np.asarray(values["is_iot"], dtype=bool)
    eligible = link_eligibility(present, is_iot)
    feature_base, min_level = _link_quality_tables(config, gain, eligible, present)
    task = LinkSchedulingTask(
        positions_m=positions_m,
        present=present,
        is_iot=is_iot,
        weight=np.asarray(values["weight"], dtype=np.float64),
        demand_mbit_low=values["demand_mbit_low"],
        demand_mbit_high=values["demand_mbit_high"],
        rain_attenuation_db_per_km=values["rain_attenuation_db_per_km"],
        blockage_db=blockage_db,
        pass_time_s=values["pass_time_s"],
        config=config,
        leo_elevation_deg=elevation,
        large_scale_gain=gain,
        eligible=eligible,
        snr_feature_base=feature_base,
        min_level=min_level,
    )
    for array in (
        task.positions_m,
        task.present,
        task.is_iot,
        task.weight,
        task.blockage_db,
        task.large_scale_gain,
        task.eligible,
        task.snr_feature_base,
        task.min_level,
    ):
        array.setflags(write=False)
    return task


ABSENT_FEATURE = np.float32(-100.0)


def _link_quality_tables(
    config: LinkSchedulingConfig,
    gain: NDArray[np.float64],
    eligible: NDArray[np.bool_],
    present: NDArray[np.bool_],
) -> tuple[NDArray[np.float32], NDArray[np.uint8]]:
    power, noise = radio.tx_power_w(config)[:, None], radio.noise_w(config)[:, None]
    feature = np.log10(power * gain / noise).astype(np.float32)
    feature = np.where(present, feature, ABSENT_FEATURE)
    level_gain, _ = level_tables(config)
    # SINR of every level without interference: P (g_large |beta_l|^2) / N (eqs. 3, 14)
    ok = power[..., None] * (gain[..., None] * level_gain[:, None, :]) / noise[..., None]
    ok = (ok >= radio.sinr_threshold_linear(config)) & eligible[..., None]
    min_level = np.where(ok.any(axis=-1), np.argmax(ok, axis=-1), level_gain.shape[1])
    return feature, min_level.astype(np.uint8)


def random_devices(
    config: LinkSchedulingConfig, rng: np.random.Generator, n: int
) -> tuple[NDArray[np.float64], NDArray[np.bool_], NDArray[np.float64]]:
    """Positions (uniform in the cell disc, m), IoT flags and priority weights of n devices."""
    radius = config.cell_radius_m * np.sqrt(rng.uniform(0.01, 1.0, n))
    angle = rng.uniform(0.0, 2.0 * np.pi, n)
    positions = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    is_iot = rng.random(n) < config.iot_fraction
    weight = np.where(rng.random(n) < config.vip_fraction, config.vip_weight, 1.0)
    return positions, is_iot, weight


def random_pass_time_s(config: LinkSchedulingConfig, rng: np.random.Generator) -> float:
    """A time (s after the orbit epoch) when a satellite is high enough over the site."""
    times, _ = geometry.pass_table(
        config.leo_altitude_km,
        config.leo_inclination_deg,
        config.site_lat_deg,
        config.site_lon_deg,
        config.leo_min_elevation_deg,
    )
    return float(times[rng.integers(times.size)])


def initial_task(config: LinkSchedulingConfig, rng: np.random.Generator) -> LinkSchedulingTask:
    """The normal-condition task: ``n_devices`` present devices, default demand and weather."""
    k = config.max_devices
    positions, is_iot, weight = random_devices(config, rng, k)
    present = np.zeros(k, dtype=bool)
    present[: config.n_devices] = True
    return make_task(
        config,
        positions,
        present,
        is_iot,
        weight,
        config.demand_mbit_low,
        config.demand_mbit_high,
        config.rain_attenuation_db_per_km,
        np.zeros((len(TRANSMITTERS), k)),
        random_pass_time_s(config, rng),
    )


def link_eligibility(present: NDArray[np.bool_], is_iot: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """[J, K] which transmitter may serve which device: LEO (Ka) only dual-mode IoT
    terminals, BS and TSTs (C) every device; absent devices nobody (spec section 4)."""
    return np.stack([is_iot & present, present, present, present])


@lru_cache(maxsize=32)
def channel_chains(
    n_levels: int,
    leo_k_factor_db: float,
    leo_doppler_hz: float,
    terrestrial_doppler_hz: float,
    slot_s: float,
) -> tuple[fsmc.FiniteStateMarkovChannel, fsmc.FiniteStateMarkovChannel]:
    """FSMCs of the Rician LEO link and the Rayleigh terrestrial links (eqs. 10-11)."""
    leo = fsmc.build_fsmc(
        n_levels, fsmc.doppler_correlation(leo_doppler_hz, slot_s), leo_k_factor_db, seed=1
    )
    terrestrial = fsmc.build_fsmc(
        n_levels, fsmc.doppler_correlation(terrestrial_doppler_hz, slot_s), None, seed=2
    )
    return leo, terrestrial


def config_chains(
    config: LinkSchedulingConfig,
) -> tuple[fsmc.FiniteStateMarkovChannel, fsmc.FiniteStateMarkovChannel]:
    return channel_chains(
        config.fsmc_levels,
        config.leo_k_factor_db,
        config.leo_doppler_hz,
        config.terrestrial_doppler_hz,
        config.slot_s,
    )


def episode_stream(rng: np.random.Generator) -> np.random.BitGenerator:
    """The bit generator of a seeding's episode draws (demands and fading), derived from
    the env's ``rng``.

    A stream of its own, apart from the task draws of ``rng``, so that an env can draw
    several episodes ahead in one batch: episode n is always words [n W, (n + 1) W) of
    the stream, however the draws are grouped. SFC64 is numpy's fastest bit generator.
    """
    return np.random.SFC64(rng.integers(0, 2**63, size=4, dtype=np.int64))


def words_per_episode(config: LinkSchedulingConfig) -> int:
    """W: 64-bit words of one episode, K demand words then 16-bit fading uniforms."""
    n_fading = config.n_slots * len(TRANSMITTERS) * config.max_devices
    return config.max_devices + -(-n_fading // 4)


def episode_words(
    config: LinkSchedulingConfig, stream: np.random.BitGenerator, n_episodes: int = 1
) -> NDArray[np.uint64]:
    """The raw words [n_episodes, W] of the next episodes of ``stream`` (one call, so a
    batch of episodes is drawn and transformed together)."""
    width = words_per_episode(config)
    return stream.random_raw(n_episodes * width).reshape(n_episodes, width)


def episode_from_words(
    config: LinkSchedulingConfig,
    words: NDArray[np.uint64],
    demand_mbit_low: NDArray[np.float64],
    demand_mbit_high: NDArray[np.float64],
    present: NDArray[np.bool_],
) -> tuple[NDArray[np.float64], NDArray[np.uint16]]:
    """Demands [n, K] (bit, uniform in each task's Mbit range, 0 if absent) and 16-bit
    fading uniforms [n, T, J, K] from ``words`` [n, W] of ``episode_words``.

    A demand uses the top 53 bits of a word as a uniform double in [0, 1), as numpy does.
    """
    k = config.max_devices
    unit = (words[:, :k] >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)
    low, high = demand_mbit_low[:, None], demand_mbit_high[:, None]
    demand = np.where(present, (low + (high - low) * unit) * 1e6, 0.0)
    n_fading = config.n_slots * len(TRANSMITTERS) * k
    fading = words[:, k:].view(np.uint16)[:, :n_fading]  # a view: rows stay contiguous
    return demand, fading.reshape(-1, config.n_slots, len(TRANSMITTERS), k)


def fading_paths(
    config: LinkSchedulingConfig,
    uniforms: NDArray[np.uint16],
    out: tuple[NDArray[np.uint8], NDArray[np.float32]] | None = None,
) -> tuple[NDArray[np.uint8], NDArray[np.float32]]:
    """FSMC level paths [..., T, J, K] driven by 16-bit ``uniforms`` (eqs. 10-11), and
    each level's log10 small-scale power gain (float32, ``level_tables``): transmitter 0
    (LEO) uses the Rician chain, the others the Rayleigh chain (``fsmc.fading_paths``)."""
    return fsmc.fading_paths(_chain_tables(config), uniforms, out)


def level_tables(config: LinkSchedulingConfig) -> tuple[NDArray[np.float64], NDArray[np.float32]]:
    """[J, L] small-scale power gain |beta|^2 of each FSMC level and its log10 (float32)."""
    return _level_tables_cached(_chain_key(config))


def _chain_key(config: LinkSchedulingConfig) -> tuple:
    return (
        config.fsmc_levels,
        config.leo_k_factor_db,
        config.leo_doppler_hz,
        config.terrestrial_doppler_hz,
        config.slot_s,
    )


@lru_cache(maxsize=32)
def _level_tables_cached(key: tuple) -> tuple[NDArray[np.float64], NDArray[np.float32]]:
    leo, terrestrial = channel_chains(*key)
    gain = np.stack([leo.level_gain] + [terrestrial.level_gain] * (len(TRANSMITTERS) - 1))
    feature = np.log10(gain).astype(np.float32)
    gain.setflags(write=False)
    feature.setflags(write=False)
    return gain, feature


@lru_cache(maxsize=32)
def _chain_tables_cached(key: tuple) -> fsmc.SamplerTables:
    leo, terrestrial = channel_chains(*key)
    chains = [leo] + [terrestrial] * (len(TRANSMITTERS) - 1)
    return fsmc.sampler_tables(chains, _level_tables_cached(key)[1])


def _chain_tables(config: LinkSchedulingConfig) -> fsmc.SamplerTables:
    """Inverse-CDF tables of the LEO/terrestrial chains (``fsmc.sampler_tables``)."""
    return _chain_tables_cached(_chain_key(config))
