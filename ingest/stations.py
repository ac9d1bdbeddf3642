"""The station directory the ingestor validates against: codes, physical ranges, thresholds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.rows import dict_row

from ingest.protocol import StationRef
from ingest.thresholds import StationProfile

STATIONS_SQL = """
SELECT id, code, min_valid_m, max_valid_m, observation_start_level_m, standby_level_m, caution_level_m,
       evacuation_level_m, danger_level_m, flooding_level_m, reporting_mode, expected_interval_s, attributes
FROM stations
"""


@dataclass(frozen=True)
class StationDirectory:
    """Every station by code (for the parser) and by id (for the evaluator)."""

    refs: Mapping[str, StationRef] = field(default_factory=dict)
    profiles: Mapping[int, StationProfile] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows: list[dict[str, Any]]) -> StationDirectory:
        """A directory from `stations` rows."""
        refs = {r["code"]: StationRef(r["id"], r["code"], r["min_valid_m"], r["max_valid_m"]) for r in rows}
        return cls(refs, {r["id"]: StationProfile.from_mapping(r) for r in rows})

    @classmethod
    def load(cls, conn: psycopg.Connection[Any]) -> StationDirectory:
        """Read every station (a few thousand rows, well under a second)."""
        with conn.cursor(row_factory=dict_row) as cur:
            rows = cur.execute(STATIONS_SQL).fetchall()
        conn.commit()
        return cls.from_rows(rows)

    def profile(self, station_id: int) -> StationProfile:
        """The profile of a station (one without thresholds if it was added since loading)."""
        return self.profiles.get(station_id) or StationProfile.from_mapping({})
