"""A station's state machine: level bands with hysteresis, rate of rise, staleness, online status. Pure."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from hub.stations.levels import (
    BAND_RANK,
    DEFAULT_STALE_FACTOR,
    Thresholds,
    alert_level,
    band_for,
    expected_interval_s,
    is_active,
    is_stale,
    next_threshold,
)

#: Default rise limits: metres of rise within a window (seconds) that raise a rate event.
DEFAULT_RISE_LIMITS: tuple[tuple[int, float], ...] = ((1800, 0.3), (3600, 0.5))
#: A rate event clears when the rise falls below this share of its limit.
RATE_CLEAR_SHARE = 0.5
#: Samples kept for the rate are at least this far apart.
SAMPLE_SPACING = timedelta(seconds=60)


@dataclass(frozen=True)
class Policy:
    """Tunable rules of the evaluator."""

    hysteresis_m: float = 0.05
    hold: timedelta = timedelta(minutes=20)
    rise_limits: tuple[tuple[int, float], ...] = DEFAULT_RISE_LIMITS
    stale_factor: float = DEFAULT_STALE_FACTOR


@dataclass(frozen=True)
class StationProfile:
    """The static facts of a station the evaluator needs."""

    thresholds: Thresholds
    reporting_mode: str = "regular"
    quiet_interval_s: int = 600
    rise_limits: tuple[tuple[int, float], ...] | None = None

    @classmethod
    def from_mapping(cls, row: Mapping[str, Any]) -> StationProfile:
        """A profile from a `stations` row (per-station rise limits in attributes.rise_limits_m)."""
        limits = (row.get("attributes") or {}).get("rise_limits_m")
        return cls(
            thresholds=Thresholds.from_mapping(row),
            reporting_mode=row.get("reporting_mode") or "regular",
            quiet_interval_s=int(row.get("expected_interval_s") or 600),
            rise_limits=tuple(sorted((int(k), float(v)) for k, v in limits.items())) if limits else None,
        )


@dataclass(frozen=True)
class StationState:
    """What the hub knows of a station between two readings (stored as JSON in station_states)."""

    band: str = "normal"
    below_since: datetime | None = None
    rising: tuple[int, ...] = ()
    samples: tuple[tuple[datetime, float], ...] = ()
    water_level_m: float | None = None
    last_observed_at: datetime | None = None
    last_seen_at: datetime | None = None
    stale: bool = False
    status: str | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict."""
        return {
            "band": self.band,
            "below_since": _iso(self.below_since),
            "rising": list(self.rising),
            "samples": [[at.isoformat(), level] for at, level in self.samples],
            "water_level_m": self.water_level_m,
            "last_observed_at": _iso(self.last_observed_at),
            "last_seen_at": _iso(self.last_seen_at),
            "stale": self.stale,
            "status": self.status,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> StationState:
        """The state stored by to_json (an empty or missing dict is the initial state)."""
        if not data:
            return cls()
        return cls(
            band=data.get("band", "normal"),
            below_since=_dt(data.get("below_since")),
            rising=tuple(data.get("rising", ())),
            samples=tuple((datetime.fromisoformat(at), float(v)) for at, v in data.get("samples", ())),
            water_level_m=data.get("water_level_m"),
            last_observed_at=_dt(data.get("last_observed_at")),
            last_seen_at=_dt(data.get("last_seen_at")),
            stale=bool(data.get("stale", False)),
            status=data.get("status"),
        )


@dataclass(frozen=True)
class StateChange:
    """A change of a station's state, to be stored in station_events."""

    kind: str
    from_state: str | None
    to_state: str
    observed_at: datetime
    alert_level: int | None = None
    water_level_m: float | None = None
    details: dict[str, Any] = field(default_factory=dict)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@dataclass
class _Work:
    """The mutable state while a run of readings is applied (frozen again afterwards)."""

    band: str
    below_since: datetime | None
    rising: tuple[int, ...]
    samples: list[tuple[datetime, float]]
    water_level_m: float | None
    last_observed_at: datetime | None
    last_seen_at: datetime | None
    stale: bool


Observation = tuple[datetime, float | None, datetime]


def apply_reading(
    state: StationState,
    *,
    observed_at: datetime,
    water_level_m: float | None,
    received_at: datetime,
    profile: StationProfile,
    policy: Policy,
) -> tuple[StationState, list[StateChange]]:
    """Apply one reading; readings not newer than the last one only count as a sign of life."""
    return apply_readings(state, [(observed_at, water_level_m, received_at)], profile=profile, policy=policy)


def apply_readings(
    state: StationState, readings: Iterable[Observation], *, profile: StationProfile, policy: Policy
) -> tuple[StationState, list[StateChange]]:
    """Apply (observed_at, water level, received_at) readings in order; the same as one by one."""
    work = _Work(
        state.band,
        state.below_since,
        state.rising,
        list(state.samples),
        state.water_level_m,
        state.last_observed_at,
        state.last_seen_at,
        state.stale,
    )
    limits = profile.rise_limits or policy.rise_limits
    horizon = timedelta(seconds=max((w for w, _ in limits), default=0)) + SAMPLE_SPACING
    events: list[StateChange] = []
    for observed_at, level, received_at in readings:
        if work.stale:
            events.append(StateChange("stale", "stale", "fresh", observed_at, water_level_m=work.water_level_m))
            work.stale = False
        if work.last_seen_at is None or received_at > work.last_seen_at:
            work.last_seen_at = received_at
        last = work.last_observed_at
        if last is not None and observed_at <= last:
            continue
        work.last_observed_at = observed_at
        if level is None:
            continue
        _add_sample(work.samples, observed_at, level, horizon)
        work.water_level_m = level
        work.band, work.below_since = _level(work, observed_at, level, profile.thresholds, policy, events)
        work.rising = _rate(
            work.rising, work.samples, work.band, observed_at, level, profile.thresholds, limits, events
        )
    new_state = StationState(
        band=work.band,
        below_since=work.below_since,
        rising=work.rising,
        samples=tuple(work.samples),
        water_level_m=work.water_level_m,
        last_observed_at=work.last_observed_at,
        last_seen_at=work.last_seen_at,
        stale=work.stale,
        status=state.status,
    )
    return new_state, events


class _Windows(dict[int, timedelta]):
    """Window seconds → timedelta, made once per window."""

    def __missing__(self, seconds: int) -> timedelta:
        self[seconds] = value = timedelta(seconds=seconds)
        return value


_WINDOWS = _Windows()


def _add_sample(samples: list[tuple[datetime, float]], at: datetime, level: float, horizon: timedelta) -> None:
    """Keep samples at least SAMPLE_SPACING apart over the longest rate window (the newest always)."""
    if len(samples) >= 2 and samples[-1][0] - samples[-2][0] < SAMPLE_SPACING:
        samples.pop()  # the previous newest was only kept as the newest
    samples.append((at, level))
    cut = bisect.bisect_left(samples, (at - horizon,))  # (t,) sorts before every (t, level)
    if cut:
        del samples[:cut]


def _level(
    state: _Work, at: datetime, level: float, thresholds: Thresholds, policy: Policy, events: list[StateChange]
) -> tuple[str, datetime | None]:
    """Enter a higher band at once; leave a band only after `hold` below its threshold minus the band."""
    raw = band_for(thresholds, level)
    current = state.band
    if BAND_RANK[raw] > BAND_RANK[current]:
        events.append(_band_event(current, raw, at, level, thresholds))
        return raw, None
    line = thresholds.of(current)
    if BAND_RANK[raw] == BAND_RANK[current] or line is None or level >= line - policy.hysteresis_m:
        return current, None
    below_since = state.below_since or at
    if at - below_since < policy.hold:
        return current, below_since
    target = band_for(thresholds, level + policy.hysteresis_m)
    if BAND_RANK[target] >= BAND_RANK[current]:  # thresholds out of order: stay
        return current, None
    events.append(_band_event(current, target, at, level, thresholds, below_since=below_since))
    return target, None


def _band_event(
    old: str, new: str, at: datetime, level: float, thresholds: Thresholds, below_since: datetime | None = None
) -> StateChange:
    details: dict[str, Any] = {"threshold_m": thresholds.of(new) if BAND_RANK[new] > BAND_RANK[old] else None}
    if below_since is not None:
        details["below_since"] = below_since.isoformat()
        details["threshold_m"] = thresholds.of(old)
    return StateChange("level", old, new, at, alert_level=alert_level(new), water_level_m=level, details=details)


def _rate(
    rising_windows: tuple[int, ...],
    samples: list[tuple[datetime, float]],
    band: str,
    at: datetime,
    level: float,
    thresholds: Thresholds,
    limits: tuple[tuple[int, float], ...],
    events: list[StateChange],
) -> tuple[int, ...]:
    """Raise a rate event when the rise within a window passes its limit; clear it at half the limit."""
    rising = rising_windows
    for window, limit in limits:
        start_at, start_level = samples[bisect.bisect_left(samples, (at - _WINDOWS[window],))]
        rise = level - start_level
        if window not in rising and rise >= limit and at > start_at:
            rate_m_per_h = rise / (at - start_at).total_seconds() * 3600
            details = {"window_s": window, "rise_m": round(rise, 3), "limit_m": limit}
            details |= {"rate_m_per_h": round(rate_m_per_h, 3)}
            details |= projection(thresholds, band, level, rate_m_per_h, at)
            name = f"rise_{window // 60}min"
            events.append(StateChange("rate", "steady", name, at, alert_level(band), level, details))
            rising = tuple(sorted({*rising, window}))
        elif window in rising and rise < limit * RATE_CLEAR_SHARE:
            details = {"window_s": window, "rise_m": round(rise, 3), "limit_m": limit}
            name = f"rise_{window // 60}min"
            events.append(StateChange("rate", name, "steady", at, alert_level(band), level, details))
            rising = tuple(sorted(set(rising) - {window}))
    return rising


def projection(thresholds: Thresholds, band: str, level: float, rate_m_per_h: float, at: datetime) -> dict[str, Any]:
    """When the next threshold above the band is reached at the current rate (empty if never)."""
    nxt = next_threshold(thresholds, band)
    if nxt is None or rate_m_per_h <= 0:
        return {}
    name, value = nxt
    hours = max(value - level, 0.0) / rate_m_per_h
    eta = at + timedelta(hours=hours)
    return {"next_band": name, "next_threshold_m": value, "eta": eta.isoformat(), "eta_minutes": round(hours * 60)}


def check_stale(
    state: StationState, *, now: datetime, profile: StationProfile, policy: Policy
) -> tuple[StationState, list[StateChange]]:
    """A stale event when nothing arrived for `stale_factor` expected intervals of the station's mode."""
    if state.stale or state.last_seen_at is None:
        return state, []
    active = is_active(profile.thresholds, level=state.water_level_m, band=state.band, rising=bool(state.rising))
    interval = expected_interval_s(
        reporting_mode=profile.reporting_mode, quiet_interval_s=profile.quiet_interval_s, active=active
    )
    if not is_stale(state.last_seen_at, now=now, interval_s=interval, factor=policy.stale_factor):
        return state, []
    details = {"last_seen_at": state.last_seen_at.isoformat(), "expected_interval_s": interval}
    event = StateChange("stale", "fresh", "stale", now, alert_level(state.band), state.water_level_m, details)
    return replace(state, stale=True), [event]


def apply_status(state: StationState, *, status: str, at: datetime) -> tuple[StationState, list[StateChange]]:
    """An event when the sensor's online/offline status (its Last Will) changes."""
    if status == state.status:
        return state, []
    event = StateChange("status", state.status, status, at, water_level_m=state.water_level_m)
    return replace(state, status=status), [event]
