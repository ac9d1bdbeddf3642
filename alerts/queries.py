"""Spatial SQL of the alert engine: alert areas, nearby shelters, subscription places and targets."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.types import Float, String

from alerts.models import DELIVERY_STATUSES
from hub.shelters.queries import OPEN_STATUS, nearest_query, run_query

#: How far from a gauge its river's flood zone or centre-line counts as "its" stretch of river.
RIVER_REACH_M = 5000.0
#: Shelters this close to an alert's area are offered in its messages.
SHELTER_REACH_M = 1000.0

_AREA_SQL = """
WITH st AS (SELECT id, river, location FROM stations WHERE id = :station_id),
zone AS (
    SELECT ST_Union(z.geom) AS g FROM hazard_zones z, st
    WHERE :use_river AND z.kind = 'river_flood' AND st.river IS NOT NULL AND z.river_name = st.river
      AND ST_DWithin(z.geom::geography, st.location::geography, :reach_m)
),
line AS (
    SELECT ST_Buffer(ST_Union(r.geom)::geography, :buffer_m)::geometry AS g FROM rivers r, st
    WHERE :use_river AND st.river IS NOT NULL AND r.name = st.river
      AND ST_DWithin(r.geom::geography, st.location::geography, :reach_m)
),
circle AS (SELECT ST_Buffer(st.location::geography, :radius_m)::geometry AS g FROM st)
SELECT ST_AsEWKT(ST_Multi(ST_CollectionExtract(ST_MakeValid(
    COALESCE((SELECT g FROM zone), (SELECT g FROM line), (SELECT g FROM circle))), 3)))
"""


@dataclass(frozen=True)
class AreaName:
    """An administrative area touched by an alert."""

    code: str
    name: str
    name_en: str | None


@dataclass(frozen=True)
class NearbyShelter:
    """A shelter near a point or an area, with its distance in metres."""

    id: int
    name: str
    name_en: str | None
    lat: float
    lon: float
    distance_m: float
    status: str


def station_alert_area(
    session: Session, *, station_id: int, use_river: bool, buffer_m: float, radius_m: float
) -> str | None:
    """EWKT of a gauge's alert area: its river's flood zones, else the river buffered, else a circle."""
    row = session.execute(
        text(_AREA_SQL),
        {
            "station_id": station_id,
            "use_river": use_river,
            "reach_m": RIVER_REACH_M,
            "buffer_m": buffer_m,
            "radius_m": radius_m,
        },
    ).scalar_one_or_none()
    return str(row) if row else None


def areas_union(session: Session, *, area_codes: Sequence[str]) -> str | None:
    """EWKT of the union of the areas with these codes (None when none is known)."""
    value = session.execute(
        text("SELECT ST_AsEWKT(ST_Multi(ST_Union(geom))) FROM areas WHERE code = ANY(:codes)"),
        {"codes": list(area_codes)},
    ).scalar_one_or_none()
    return str(value) if value else None


#: An area is named in a message only when the alert covers more than this share of it (or of the alert's own
#: area): neighbours that merely share a boundary line or a digitising sliver are not told to evacuate.
MIN_OVERLAP_SHARE = 0.005

_AREAS_COVERED_SQL = """
WITH g AS (SELECT ST_GeomFromEWKT(:g) AS g)
SELECT a.code, a.name, a.name_en FROM areas a, g
WHERE a.kind IN ('ward', 'town_block') AND ST_Intersects(a.geom, g.g)
  AND ST_Area(ST_Intersection(a.geom, g.g)) > :share * LEAST(ST_Area(a.geom), ST_Area(g.g))
ORDER BY a.kind = 'town_block', a.code
"""


def wards_touching(session: Session, *, ewkt: str) -> list[AreaName]:
    """Wards (and town blocks, if loaded) the geometry really covers, wards first, by code."""
    rows = session.execute(text(_AREAS_COVERED_SQL), {"g": ewkt, "share": MIN_OVERLAP_SHARE})
    return [AreaName(str(r[0]), str(r[1]), None if r[2] is None else str(r[2])) for r in rows]


def known_area_codes(session: Session, *, area_codes: Sequence[str]) -> set[str]:
    """Which of the codes exist in the areas table."""
    rows = session.execute(text("SELECT code FROM areas WHERE code = ANY(:codes)"), {"codes": list(area_codes)})
    return {str(code) for (code,) in rows}


def open_shelters_near(
    session: Session,
    *,
    lon: float | None = None,
    lat: float | None = None,
    ewkt: str | None = None,
    hazard: str | None = None,
    limit: int = 3,
    reach_m: float = SHELTER_REACH_M,
) -> list[NearbyShelter]:
    """Open shelters suitable for the hazard, nearest first in metres: to a point, or in/near an area.

    Near a point, the answer is the public nearest-shelter query's (`hub.shelters.queries.nearest_query`).
    """
    if ewkt is None:
        if lon is None or lat is None:
            raise ValueError("give a point (lon, lat) or an area (ewkt)")
        query = nearest_query(lat=lat, lon=lon, limit=limit, hazards=[hazard] if hazard else [], open_only=True)
        rows = run_query(session, query)
        return [
            NearbyShelter(r["id"], r["name"], r["name_en"], r["lat"], r["lon"], float(r["distance_m"]), r["status"])
            for r in rows
        ]
    sql = """
        SELECT id, name, name_en, ST_Y(location), ST_X(location),
               ST_Distance(location::geography, ST_GeomFromEWKT(:g)::geography), status
        FROM shelters
        WHERE status = :status AND (CAST(:hazard AS text) IS NULL OR :hazard = ANY(hazards))
          AND ST_DWithin(location::geography, ST_GeomFromEWKT(:g)::geography, :reach)
        ORDER BY ST_Distance(location::geography, ST_GeomFromEWKT(:g)::geography), id LIMIT :limit
    """
    params = {"g": ewkt, "hazard": hazard, "status": OPEN_STATUS, "limit": limit, "reach": reach_m}
    rows_ = session.execute(text(sql), params)
    return [NearbyShelter(r[0], r[1], r[2], float(r[3]), float(r[4]), float(r[5]), r[6]) for r in rows_]


def alert_geometry_json(session: Session, *, alert_id: int, tolerance_deg: float) -> dict[str, Any] | None:
    """The alert's area as simplified GeoJSON (None when it has no geometry)."""
    value = session.execute(
        text("SELECT ST_AsGeoJSON(ST_SimplifyPreserveTopology(geom, :tol), 5) FROM alerts WHERE id = :id"),
        {"id": alert_id, "tol": tolerance_deg},
    ).scalar_one_or_none()
    return json.loads(value) if value else None


def places_geometry(
    session: Session, *, area_codes: Sequence[str], points: Sequence[tuple[float, float, float]]
) -> str | None:
    """EWKT of a subscriber's places: the named areas plus (lon, lat, radius m) circles."""
    stmt = text(
        """
        SELECT ST_AsEWKT(ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Union(g)), 3))) FROM (
            SELECT geom AS g FROM areas WHERE code = ANY(:codes)
            UNION ALL
            SELECT ST_Buffer(ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326)::geography, p.r)::geometry
            FROM unnest(:lons, :lats, :radii) AS p(lon, lat, r)
        ) AS places
        """
    ).bindparams(
        bindparam("codes", type_=ARRAY(String())),
        bindparam("lons", type_=ARRAY(Float())),
        bindparam("lats", type_=ARRAY(Float())),
        bindparam("radii", type_=ARRAY(Float())),
    )
    value = session.execute(
        stmt,
        {
            "codes": list(area_codes),
            "lons": [p[0] for p in points],
            "lats": [p[1] for p in points],
            "radii": [p[2] for p in points],
        },
    ).scalar_one_or_none()
    return str(value) if value else None


def point_in_alert_areas(
    session: Session, *, lon: float | None, lat: float | None, area_codes: Sequence[str]
) -> list[int]:
    """Ids of current (sent, unexpired, public) alerts whose area contains the point or names the areas."""
    rows = session.execute(
        text(
            """
            SELECT id FROM alerts
            WHERE status = 'sent' AND scope = 'Public' AND (expires_at IS NULL OR expires_at > now())
              AND ((CAST(:lon AS float8) IS NOT NULL AND geom IS NOT NULL
                    AND ST_Intersects(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)))
                   OR area_codes && CAST(:codes AS varchar[]))
            ORDER BY level DESC NULLS LAST, sent_at DESC
            """
        ),
        {"lon": lon, "lat": lat, "codes": list(area_codes)},
    )
    return [int(str(r[0])) for r in rows]


def resolve_targets(
    session: Session, *, alert_id: int, channels: Sequence[str], first_id: int = 0, last_id: int | None = None
) -> int:
    """Create one pending delivery per matching active subscription and channel; returns how many are new.

    One spatial statement: subscriptions whose places intersect the alert's area (GiST) or that name one
    of its area codes, whose hazards include the alert's (or who chose none), optionally within a range
    of subscription ids (so a large fan-out can start before every target is resolved). Existing rows
    are kept, so a repeated call after a crash creates nothing twice.
    """
    result = session.execute(
        text(
            """
            INSERT INTO deliveries (alert_id, subscription_id, channel)
            SELECT a.id, s.id, s.channel
            FROM alerts a JOIN subscriptions s
              ON s.active AND s.channel = ANY(:channels)
             AND s.id BETWEEN :first_id AND :last_id
             AND (cardinality(s.hazards) = 0 OR a.hazard IS NULL OR a.hazard = ANY(s.hazards))
             AND (ST_Intersects(s.geom, a.geom) OR s.area_codes && a.area_codes)
            WHERE a.id = :alert_id
            ORDER BY s.id
            ON CONFLICT (alert_id, subscription_id, channel) DO NOTHING
            """
        ),
        {
            "alert_id": alert_id,
            "channels": list(channels),
            "first_id": first_id,
            "last_id": last_id if last_id is not None else 2**63 - 1,
        },
    )
    return int(getattr(result, "rowcount", 0) or 0)


def known_area_names(session: Session, *, area_codes: Sequence[str]) -> list[str]:
    """Names of the areas with these codes, in code order."""
    rows = session.execute(
        text("SELECT name FROM areas WHERE code = ANY(:codes) ORDER BY code"), {"codes": list(area_codes)}
    )
    return [str(name) for (name,) in rows]


def delivery_progress(session: Session, *, alert_id: int) -> dict[str, dict[str, Any]]:
    """Per channel: count of deliveries in each status, total, and the first and last send time."""
    rows = session.execute(
        text(
            "SELECT channel, status, count(*) AS n, min(sent_at) AS first_at, max(sent_at) AS last_at "
            "FROM deliveries WHERE alert_id = :alert_id GROUP BY channel, status ORDER BY channel, status"
        ),
        {"alert_id": alert_id},
    )
    channels: dict[str, dict[str, Any]] = {}
    for row in rows:
        channel, status, count, first_at, last_at = (row.channel, row.status, row.n, row.first_at, row.last_at)
        entry = channels.setdefault(
            channel, dict.fromkeys(DELIVERY_STATUSES, 0) | {"total": 0, "first_at": None, "last_at": None}
        )
        entry[status] = count
        entry["total"] += count
        if first_at is not None:
            entry["first_at"] = first_at if entry["first_at"] is None else min(entry["first_at"], first_at)
            entry["last_at"] = last_at if entry["last_at"] is None else max(entry["last_at"], last_at)
    return channels
