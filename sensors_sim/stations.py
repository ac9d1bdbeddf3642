"""Stations to simulate, taken from the bundled station master (real codes, places and thresholds)."""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from hub.importers.stations import DEFAULT_VALID_ABOVE_M, DEFAULT_VALID_BELOW_M
from hub.stations.levels import Thresholds

MASTER = Path("river/kriver_water_level_gauges_thresholds.csv")
#: Roughly the middle of Shinagawa, Minato, Meguro and Koto (lon, lat).
FOUR_WARDS_CENTRE = (139.75, 35.63)
EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True)
class SimStation:
    """A crisis gauge of the master: 観測開始水位 / 危険水位 / 氾濫開始水位 (warn may be missing)."""

    code: str
    name: str
    lon: float
    lat: float
    start: float
    warn: float | None
    flad: float

    @property
    def thresholds(self) -> Thresholds:
        """The levels as the hub maps them (warnLevel → danger, fladLevel → flooding)."""
        return Thresholds(observation_start=self.start, danger=self.warn, flooding=self.flad)

    @property
    def valid_range(self) -> tuple[float, float]:
        """The physical range the importer gives the station."""
        levels = [v for v in (self.start, self.warn, self.flad) if v is not None]
        return min(levels) - DEFAULT_VALID_BELOW_M, max(levels) + DEFAULT_VALID_ABOVE_M


def load_master(data_dir: Path) -> list[SimStation]:
    """Every station of the master that has 観測開始水位 and 氾濫開始水位."""
    out: list[SimStation] = []
    with (data_dir / MASTER).open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if not (row["startLevel"] and row["fladLevel"] and row["latitude"] and row["longitude"]):
                continue
            out.append(
                SimStation(
                    code=row["code"],
                    name=row["name"],
                    lon=float(row["longitude"]),
                    lat=float(row["latitude"]),
                    start=float(row["startLevel"]),
                    warn=float(row["warnLevel"]) if row["warnLevel"] else None,
                    flad=float(row["fladLevel"]),
                )
            )
    return out


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lon, lat) points."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def pick(
    stations: Sequence[SimStation],
    *,
    count: int,
    codes: Sequence[str] = (),
    near: tuple[float, float] = FOUR_WARDS_CENTRE,
) -> list[SimStation]:
    """The given codes (all must exist), else the `count` stations nearest `near`."""
    if codes:
        by_code = {s.code: s for s in stations}
        missing = [c for c in codes if c not in by_code]
        if missing:
            raise ValueError(f"unknown station codes: {', '.join(missing)}")
        return [by_code[c] for c in codes]
    return sorted(stations, key=lambda s: (distance_km(near, (s.lon, s.lat)), s.code))[:count]
