"""Water-level scenarios: calm, typhoon (shaped on a real hydrograph) and replay of a real series. Pure."""

from __future__ import annotations

import bisect
import csv
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from sensors_sim.stations import SimStation

HYDROGRAPH = Path("river/kriver_hydrograph_somaigi_oyama_tochigi_2026-07-17.csv")
#: Below 観測開始水位 by this much in calm weather.
CALM_BELOW_START_M = 0.3
CALM_TIDE_M = 0.05
CALM_TIDE_PERIOD_S = 12 * 3600
#: The real series starts at its warnLevel; a ramp from calm water leads up to it.
TYPHOON_RAMP_S = 3 * 3600
#: The typhoon's peak is at least this far above 氾濫開始水位, so every threshold is crossed.
TYPHOON_PEAK_MARGIN_M = 0.1
TYPHOON_PEAK_RAIN_MM = 25.0

LevelAt = Callable[[float], float]


@dataclass(frozen=True)
class Series:
    """A water-level series: seconds from its start and levels, with the source thresholds."""

    offsets_s: tuple[float, ...]
    levels: tuple[float, ...]
    start: float
    warn: float | None
    flad: float
    code: str = ""

    @property
    def duration_s(self) -> float:
        """Seconds from the first to the last point."""
        return self.offsets_s[-1]

    def at(self, t: float) -> float:
        """The level at t seconds, linearly interpolated, held at both ends."""
        if t <= 0:
            return self.levels[0]
        if t >= self.offsets_s[-1]:
            return self.levels[-1]
        i = bisect.bisect_right(self.offsets_s, t)
        t0, t1 = self.offsets_s[i - 1], self.offsets_s[i]
        v0, v1 = self.levels[i - 1], self.levels[i]
        return v0 + (v1 - v0) * (t - t0) / (t1 - t0)


def load_series(path: Path) -> Series:
    """A k.river.go.jp series CSV (code,name,obsTime,level_m,over,startLevel,warnLevel,fladLevel)."""
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    if len(rows) < 2:
        raise ValueError(f"{path.name}: a series needs at least two rows")
    times = [datetime.fromisoformat(r["obsTime"]) for r in rows]
    for line, (a, b) in enumerate(itertools.pairwise(times), start=3):
        if b <= a:
            raise ValueError(f"{path.name}, row {line}: obsTime {b} is not after {a}")
    first = rows[0]
    return Series(
        offsets_s=tuple((t - times[0]).total_seconds() for t in times),
        levels=tuple(float(r["level_m"]) for r in rows),
        start=float(first["startLevel"]),
        warn=float(first["warnLevel"]) if first["warnLevel"] else None,
        flad=float(first["fladLevel"]),
        code=first["code"],
    )


def _anchors(start: float, warn: float | None, flad: float) -> tuple[float, float, float]:
    """start, warn, flad with a missing warn placed at the real hydrograph's proportion."""
    return start, warn if warn is not None else start + (flad - start) * 0.4, flad


def map_level(level: float, source: tuple[float, float, float], target: tuple[float, float, float]) -> float:
    """Carry a level between stations piecewise-linearly through start/warn/flad."""
    (s0, s1, s2), (t0, t1, t2) = source, target
    if level <= s1:
        return t0 + (level - s0) * (t1 - t0) / (s1 - s0)
    return t1 + (level - s1) * (t2 - t1) / (s2 - s1)


def calm(station: SimStation) -> LevelAt:
    """Quiet water below 観測開始水位 with a slow tide-like swing."""
    base = station.start - CALM_BELOW_START_M
    return lambda t: base + CALM_TIDE_M * math.sin(2 * math.pi * t / CALM_TIDE_PERIOD_S)


def typhoon(station: SimStation, hydrograph: Series) -> tuple[LevelAt, float]:
    """A ramp from calm water, then the real rise, peak and fall mapped onto this station's levels."""
    source = _anchors(hydrograph.start, hydrograph.warn, hydrograph.flad)
    target = _anchors(station.start, station.warn, station.flad)
    peak = max(hydrograph.levels)
    mapped_peak = map_level(peak, source, target)
    boost = max(0.0, station.flad + TYPHOON_PEAK_MARGIN_M - mapped_peak)
    calm_level = calm(station)(0)

    def level_at(t: float) -> float:
        if t < TYPHOON_RAMP_S:
            first = map_level(hydrograph.levels[0], source, target)
            return calm_level + (first - calm_level) * t / TYPHOON_RAMP_S
        raw = hydrograph.at(t - TYPHOON_RAMP_S)
        share = max(0.0, (raw - source[1]) / (peak - source[1])) if peak > source[1] else 0.0
        return map_level(raw, source, target) + boost * share

    return level_at, TYPHOON_RAMP_S + hydrograph.duration_s


def typhoon_rain(t: float, duration_s: float) -> float:
    """10-minute rain of the storm: a bell peaking a third of the way in."""
    centre, width = duration_s / 3, duration_s / 8
    return round(TYPHOON_PEAK_RAIN_MM * math.exp(-(((t - centre) / width) ** 2)), 1)


def replay(series: Series, station: SimStation) -> Series:
    """The real points mapped onto the station's levels (unchanged on the series' own station)."""
    if station.code == series.code:
        return series
    source = _anchors(series.start, series.warn, series.flad)
    target = _anchors(station.start, station.warn, station.flad)
    levels = tuple(map_level(v, source, target) for v in series.levels)
    return replace(series, levels=levels, start=station.start, warn=station.warn, flad=station.flad, code=station.code)
