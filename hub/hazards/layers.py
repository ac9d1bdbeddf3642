"""Spatial SQL of the public reference layers as GeoJSON text built by PostGIS: hazard zones, floods, areas, rivers."""

from __future__ import annotations

import json
from typing import Any, Final

from sqlalchemy import text
from sqlalchemy.orm import Session

from hub.hazards.codes import DEPTH_RANK_LABELS, KIND_LABELS
from hub.hazards.models import HAZARD_ZOOM_BANDS
from hub.sql_filters import BBox, WhereClause

#: GeoJSON decimals (6 ≈ 0.1 m) and the map tile size the simplification is tuned to.
DECIMALS: Final = 6
TILE_PX: Final = 256
#: Simplify to this fraction of a pixel at the requested zoom.
PIXEL_FRACTION: Final = 0.5
#: Wraps a query yielding (fid, f) feature rows into one FeatureCollection text.
COLLECTION_SQL: Final = """
SELECT json_build_object(
    'type', 'FeatureCollection', 'numberReturned', count(*),
    'features', coalesce(json_agg(q.f ORDER BY q.fid), '[]'::json))::text
FROM ({features}) q
"""
HAZARD_FEATURES_SQL: Final = """
SELECT z.id AS fid, json_build_object(
    'type', 'Feature', 'id', z.id, 'geometry', ST_AsGeoJSON({geom}, :decimals)::json,
    'properties', json_build_object(
        'id', z.id, 'kind', z.kind, 'kind_label', CAST(:kind_labels AS jsonb) ->> z.kind,
        'depth_rank', z.depth_rank, 'depth_label', CAST(:depth_labels AS jsonb) ->> CAST(z.depth_rank AS text),
        'depth_min_m', z.depth_min_m, 'depth_max_m', z.depth_max_m, 'scenario', z.scenario,
        'river_name', z.river_name, 'original_code', z.original_code, 'source', z.source)) AS f
FROM hazard_zones z WHERE {where} ORDER BY z.id LIMIT :limit
"""
INUNDATION_FEATURES_SQL: Final = """
SELECT i.id AS fid, json_build_object(
    'type', 'Feature', 'id', i.id,
    'geometry', ST_AsGeoJSON({geom}, :decimals)::json,
    'properties', json_build_object(
        'id', i.id, 'event_name', i.event_name, 'event_date', i.event_date, 'period_start', i.period_start,
        'period_end', i.period_end, 'ward_code', i.ward_code, 'town_name', i.town_name, 'area_code', a.code,
        'above_floor', i.above_floor, 'below_floor', i.below_floor, 'count_class', i.count_class,
        'count_class_ordinal', i.count_class_ordinal, 'confidence', i.confidence, 'source', i.source,
        'notes', i.notes)) AS f
FROM inundation_records i LEFT JOIN areas a ON a.id = i.area_id WHERE {where}
"""
AREA_FEATURES_SQL: Final = """
SELECT a.id AS fid, json_build_object(
    'type', 'Feature', 'id', a.code, 'geometry', ST_AsGeoJSON({geom}, :decimals)::json,
    'properties', json_build_object(
        'code', a.code, 'kind', a.kind, 'name', a.name, 'name_kana', a.name_kana, 'name_en', a.name_en,
        'parent_code', a.parent_code, 'source', a.source)) AS f
FROM areas a WHERE {where}
"""
RIVER_FEATURES_SQL: Final = """
SELECT r.id AS fid, json_build_object(
    'type', 'Feature', 'id', r.id, 'geometry', ST_AsGeoJSON({geom}, :decimals)::json,
    'properties', json_build_object('id', r.id, 'name', r.name, 'source', r.source)) AS f
FROM rivers r WHERE {where}
"""


def tolerance_deg(zoom: int | None) -> float:
    """Simplification tolerance (degrees) for a web-map zoom: half a pixel; 0 (none) without a zoom."""
    return 0.0 if zoom is None else 360.0 / (TILE_PX * 2**zoom) * PIXEL_FRACTION


def hazard_geometry_column(zoom: int | None) -> str:
    """The stored simplified copy serving a zoom (full geometry above the last band or without a zoom)."""
    if zoom is None:
        return "geom"
    return next((name for name, top, _ in HAZARD_ZOOM_BANDS if zoom <= top), "geom")


def _zoom_geometry_sql(column: str, zoom: int | None) -> str:
    return column if zoom is None else f"ST_SimplifyPreserveTopology({column}, :tolerance)"


def _collection(session: Session, features_sql: str, params: dict[str, Any]) -> str:
    statement = text(COLLECTION_SQL.format(features=features_sql))
    return str(session.execute(statement, params | {"decimals": DECIMALS}).scalar_one())


def _simplified_collection(
    session: Session, features_sql: str, column: str, where: WhereClause, zoom: int | None
) -> str:
    """The features of a template whose geometry column is simplified for the zoom, as collection text."""
    sql = features_sql.format(geom=_zoom_geometry_sql(column, zoom), where=where.sql())
    return _collection(session, sql, where.params | {"tolerance": tolerance_deg(zoom)})


def hazard_zones_geojson(
    session: Session,
    *,
    kind: str | None = None,
    scenario: str | None = None,
    bbox: BBox | None = None,
    zoom: int | None = None,
    limit: int,
) -> str:
    """Hazard zones as FeatureCollection text, with the simplified copy for the zoom band."""
    column = f"z.{hazard_geometry_column(zoom)}"
    where = WhereClause()
    where.equals("z.kind", "kind", kind)
    where.equals("z.scenario", "scenario", scenario)
    where.within(column, bbox)
    params = where.params | {
        "limit": limit,
        "kind_labels": json.dumps(KIND_LABELS, ensure_ascii=False),
        "depth_labels": json.dumps({str(k): v for k, v in DEPTH_RANK_LABELS.items()}, ensure_ascii=False),
    }
    return _collection(session, HAZARD_FEATURES_SQL.format(geom=column, where=where.sql()), params)


def inundation_geojson(
    session: Session, *, ward_code: str | None = None, bbox: BBox | None = None, zoom: int | None = None
) -> str:
    """Flood history records as FeatureCollection text (geometry: the record's own, else its town block's)."""
    column = "COALESCE(i.geom, a.geom)"
    where = WhereClause()
    where.equals("i.ward_code", "ward", ward_code)
    where.within(column, bbox)
    return _simplified_collection(session, INUNDATION_FEATURES_SQL, column, where, zoom)


def areas_geojson(
    session: Session,
    *,
    kind: str | None = None,
    parent_code: str | None = None,
    bbox: BBox | None = None,
    zoom: int | None = None,
) -> str:
    """Wards and town blocks as FeatureCollection text, simplified for the zoom."""
    where = WhereClause()
    where.equals("a.kind", "kind", kind)
    where.equals("a.parent_code", "parent", parent_code)
    where.within("a.geom", bbox)
    return _simplified_collection(session, AREA_FEATURES_SQL, "a.geom", where, zoom)


def rivers_geojson(session: Session, *, bbox: BBox | None = None, zoom: int | None = None) -> str:
    """River centre-lines as FeatureCollection text."""
    where = WhereClause()
    where.within("r.geom", bbox)
    return _simplified_collection(session, RIVER_FEATURES_SQL, "r.geom", where, zoom)
