"""Public gauge reads: the latest reading of each station with its level band, and downsampled series."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import text
from sqlalchemy.orm import Session

from hub.sql_filters import BBox, WhereClause
from hub.stations import levels

STATION_COLUMNS: Final = (
    "s.id, s.code, s.name, s.name_kana, s.kind, s.river, s.pref_code, s.city_code, s.city, s.reporting_mode, "
    "s.expected_interval_s, s.observation_start_level_m, s.standby_level_m, s.caution_level_m, "
    "s.evacuation_level_m, s.danger_level_m, s.flooding_level_m, s.updated_at, "
    "ST_X(s.location) AS lon, ST_Y(s.location) AS lat"
)
#: Every station with its latest reading and the water levels of the trend window before it.
STATIONS_SQL: Final = f"""
SELECT {STATION_COLUMNS},
       r.observed_at, r.water_level_m, r.rain_mm_10min,
       GREATEST(r.received_at, st.last_seen_at) AS last_seen_at,
       w.times AS sample_times, w.levels AS sample_levels
FROM stations s
LEFT JOIN station_states st ON st.station_id = s.id
LEFT JOIN LATERAL (
    SELECT observed_at, received_at, water_level_m, rain_mm_10min FROM readings
    WHERE station_id = s.id ORDER BY observed_at DESC LIMIT 1
) r ON true
LEFT JOIN LATERAL (
    SELECT array_agg(observed_at ORDER BY observed_at) AS times, array_agg(water_level_m ORDER BY observed_at) AS levels
    FROM readings
    WHERE station_id = s.id AND water_level_m IS NOT NULL
      AND observed_at BETWEEN r.observed_at - make_interval(secs => :window_s) AND r.observed_at
) w ON true
WHERE {{where}}
ORDER BY s.code
"""
#: Readings are binned from this origin, so day buckets run from midnight in Japan (JST, UTC+9).
BUCKET_ORIGIN: Final = "2000-01-01 00:00:00+09"
RAW_SQL: Final = """
SELECT observed_at, water_level_m, rain_mm_10min FROM readings
WHERE station_id = :id AND observed_at >= :start AND observed_at < :end
ORDER BY observed_at LIMIT :cap
"""
BUCKET_SQL: Final = f"""
SELECT date_bin(make_interval(secs => :bucket_s), observed_at, TIMESTAMPTZ '{BUCKET_ORIGIN}') AS observed_at,
       avg(water_level_m) AS water_level_m, max(water_level_m) AS water_level_max_m,
       min(water_level_m) AS water_level_min_m, sum(rain_mm_10min) AS rain_mm, count(*) AS samples
FROM readings
WHERE station_id = :id AND observed_at >= :start AND observed_at < :end
GROUP BY 1 ORDER BY 1
"""
#: Bucket widths offered for long ranges (seconds), narrowest first.
BUCKETS_S: Final = (600, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 7 * 86400)
#: At most this many points are returned; longer raw series are averaged per bucket.
MAX_POINTS: Final = 1000
#: Shortest interval a gauge reports at (危機管理型水位計 in crisis mode), seconds.
FASTEST_INTERVAL_S: Final = 600


def bucket_seconds(span: timedelta, *, max_points: int = MAX_POINTS) -> int | None:
    """The bucket width for a range (None: raw readings fit in `max_points` at the fastest report rate)."""
    seconds = span.total_seconds()
    if seconds / FASTEST_INTERVAL_S <= max_points:
        return None
    return next((b for b in BUCKETS_S if seconds / b <= max_points), BUCKETS_S[-1])


def station_where(
    *, bbox: BBox | None = None, kind: str | None = None, area_code: str | None = None
) -> tuple[str, dict[str, Any]]:
    """The WHERE clause of the station filters that are given."""
    where = WhereClause()
    where.within("s.location", bbox)
    where.equals("s.kind", "kind", kind)
    where.in_area("s.location", area_code)
    return where.sql(), where.params


def station_state(row: Mapping[Any, Any], thresholds: levels.Thresholds, *, now: datetime) -> dict[str, Any]:
    """Band, 警戒レベル相当, trend, stale flag and next threshold of a station row (pure)."""
    level = row["water_level_m"]
    if level is None and row["last_seen_at"] is None:  # never heard of: nothing to evaluate
        upcoming = levels.next_threshold(thresholds, "normal")
        interval = row["expected_interval_s"]
        band = trend = None
        stale = False
    else:
        band = levels.band_for(thresholds, level) if level is not None else None
        times, values = row["sample_times"] or [], row["sample_levels"] or []
        trend = levels.trend(list(zip(times, values, strict=True)))
        active = levels.is_active(thresholds, level=level, band=band or "normal", rising=trend == "rising")
        interval = levels.expected_interval_s(
            reporting_mode=row["reporting_mode"], quiet_interval_s=row["expected_interval_s"], active=active
        )
        upcoming = levels.next_threshold(thresholds, band or "normal")
        stale = levels.is_stale(row["last_seen_at"], now=now, interval_s=interval)
    return {
        "band": band,
        "alert_level": levels.alert_level(band) if band else None,
        "trend": trend,
        "stale": stale,
        "expected_interval_s": interval,
        "next_threshold": {"band": upcoming[0], "level_m": upcoming[1]} if upcoming else None,
    }


def station_feature(row: Mapping[Any, Any], *, now: datetime) -> dict[str, Any]:
    """The public GeoJSON Feature of a station row with its latest reading and state."""
    thresholds = levels.Thresholds.from_mapping(row)
    properties = {key: row[key] for key in ("id", "code", "name", "name_kana", "kind", "river", "city", "city_code")}
    properties |= {
        "reporting_mode": row["reporting_mode"],
        "thresholds": dict(thresholds.present()),
        "observation_start_level_m": row["observation_start_level_m"],
        "latest": (
            {
                "observed_at": row["observed_at"],
                "water_level_m": row["water_level_m"],
                "rain_mm_10min": row["rain_mm_10min"],
            }
            if row["observed_at"]
            else None
        ),
        "last_seen_at": row["last_seen_at"],
    }
    properties |= station_state(row, thresholds, now=now)
    return {
        "type": "Feature",
        "id": row["id"],
        "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
        "properties": properties,
    }


def station_features(
    session: Session,
    *,
    now: datetime,
    bbox: BBox | None = None,
    kind: str | None = None,
    area_code: str | None = None,
    code: str | None = None,
) -> list[dict[str, Any]]:
    """Stations matching the filters (or the one with `code`) with their latest reading and level."""
    where, params = station_where(bbox=bbox, kind=kind, area_code=area_code)
    if code is not None:
        where, params = "s.code = :code", {"code": code}
    statement = text(STATIONS_SQL.format(where=where))
    result = session.execute(statement, params | {"window_s": levels.TREND_WINDOW.total_seconds()})
    columns = list(result.keys())
    return [station_feature(dict(zip(columns, row, strict=True)), now=now) for row in result]


def station_readings(
    session: Session, *, station_id: int, start: datetime, end: datetime
) -> tuple[int | None, list[dict[str, Any]]]:
    """The readings of [start, end): raw, or averaged (with min/max) per bucket for long ranges."""
    bucket = bucket_seconds(end - start)
    params = {"id": station_id, "start": start, "end": end}
    if bucket is None:
        rows = session.execute(text(RAW_SQL), params | {"cap": MAX_POINTS * 10}).mappings()
    else:
        rows = session.execute(text(BUCKET_SQL), params | {"bucket_s": bucket}).mappings()
    return bucket, [dict(row) for row in rows]
