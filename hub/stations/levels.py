"""River level bands (警戒レベル相当), trend and staleness of a gauge: pure functions, no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

#: Bands from lowest to highest; each band starts at its threshold (metres above the station datum).
BANDS = ("normal", "standby", "caution", "evacuation", "danger", "flooding")
BAND_RANK = {band: rank for rank, band in enumerate(BANDS)}
#: 警戒レベル相当 of each band (None: no alert level; 水防団待機 is for flood fighters, not residents).
ALERT_LEVELS: dict[str, int | None] = {
    "normal": None,
    "standby": None,
    "caution": 2,
    "evacuation": 3,
    "danger": 4,
    "flooding": 5,
}
#: Station columns holding the threshold of each band.
THRESHOLD_COLUMNS = {
    "standby": "standby_level_m",
    "caution": "caution_level_m",
    "evacuation": "evacuation_level_m",
    "danger": "danger_level_m",
    "flooding": "flooding_level_m",
}
#: A crisis gauge (危機管理型水位計) reports every 10 minutes once active.
ACTIVE_INTERVAL_S = 600
#: A gauge is stale after this many expected intervals without a reading.
DEFAULT_STALE_FACTOR = 3.0
#: Below this rise or fall (metres) over the trend window the level counts as steady.
TREND_TOLERANCE_M = 0.02
TREND_WINDOW = timedelta(minutes=30)

Sample = tuple[datetime, float]


@dataclass(frozen=True)
class Thresholds:
    """The levels of one station; any may be missing."""

    observation_start: float | None = None
    standby: float | None = None
    caution: float | None = None
    evacuation: float | None = None
    danger: float | None = None
    flooding: float | None = None

    @classmethod
    def from_mapping(cls, row: Mapping[str, Any]) -> Thresholds:
        """Thresholds from a station row or dict with the `stations` column names."""
        return cls(
            observation_start=row.get("observation_start_level_m"),
            **{band: row.get(column) for band, column in THRESHOLD_COLUMNS.items()},
        )

    def of(self, band: str) -> float | None:
        """The threshold where the band starts (None for `normal` or a missing level)."""
        value: float | None = getattr(self, band) if band in THRESHOLD_COLUMNS else None
        return value

    def present(self) -> list[tuple[str, float]]:
        """The bands this station has a threshold for, lowest band first."""
        return self._present

    @cached_property
    def _present(self) -> list[tuple[str, float]]:
        return [(band, value) for band in BANDS[1:] if (value := self.of(band)) is not None]


def band_for(thresholds: Thresholds, level: float) -> str:
    """The highest band whose threshold the level reaches (thresholds out of order: highest wins)."""
    best = "normal"
    for band, value in thresholds.present():
        if level >= value and BAND_RANK[band] > BAND_RANK[best]:
            best = band
    return best


def alert_level(band: str) -> int | None:
    """The 警戒レベル相当 of a band."""
    return ALERT_LEVELS[band]


def next_threshold(thresholds: Thresholds, band: str) -> tuple[str, float] | None:
    """The next band above the given one that the station has a threshold for."""
    for candidate, value in thresholds.present():
        if BAND_RANK[candidate] > BAND_RANK[band]:
            return candidate, value
    return None


def trend(samples: Sequence[Sample], *, window: timedelta = TREND_WINDOW) -> str | None:
    """rising / falling / steady over the window ending at the last sample; None without two samples."""
    if len(samples) < 2:
        return None
    end_time, end_level = samples[-1]
    start = next(level for at, level in samples if at >= end_time - window)
    change = end_level - start
    if change > TREND_TOLERANCE_M:
        return "rising"
    if change < -TREND_TOLERANCE_M:
        return "falling"
    return "steady"


def is_active(thresholds: Thresholds, *, level: float | None, band: str, rising: bool) -> bool:
    """Whether a crisis gauge is in its 10-minute mode: above 観測開始水位 or a band, or rising."""
    if rising or band != "normal":
        return True
    start = thresholds.observation_start
    return level is not None and start is not None and level >= start


def expected_interval_s(*, reporting_mode: str, quiet_interval_s: int, active: bool) -> int:
    """Seconds between two readings: crisis gauges report every 10 minutes only while active."""
    if reporting_mode == "crisis" and active:
        return min(ACTIVE_INTERVAL_S, quiet_interval_s)
    return quiet_interval_s


def is_stale(
    last_seen: datetime | None, *, now: datetime, interval_s: int, factor: float = DEFAULT_STALE_FACTOR
) -> bool:
    """True when nothing arrived for `factor` expected intervals (a gauge never heard of is not stale)."""
    if last_seen is None:
        return False
    return (now - last_seen).total_seconds() > factor * interval_s
