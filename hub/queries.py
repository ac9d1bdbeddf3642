"""Spatial SQL of the hub, one keyword-only function per question."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from hub.models import Area, Shelter

BBox = tuple[float, float, float, float]


def shelter_features(
    session: Session,
    *,
    kind: str | None = None,
    hazard: str | None = None,
    status: str | None = None,
    bbox: BBox | None = None,
    area_code: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Shelters matching every given filter, as GeoJSON Feature dicts ordered by id."""
    geojson = func.ST_AsGeoJSON(Shelter.location, 7)
    query = select(Shelter, geojson.label("geometry")).order_by(Shelter.id).offset(offset)
    if kind:
        query = query.where(Shelter.kinds.any_() == kind)
    if hazard:
        query = query.where(Shelter.hazards.any_() == hazard)
    if status:
        query = query.where(Shelter.status == status)
    if bbox:
        query = query.where(Shelter.location.intersects(func.ST_MakeEnvelope(*bbox, 4326)))
    if area_code:
        area = select(Area.geom).where(Area.code == area_code).scalar_subquery()
        query = query.where(func.ST_Intersects(Shelter.location, area))
    if limit is not None:
        query = query.limit(limit)
    rows = session.execute(query).all()
    return [shelter_feature(cast(Shelter, shelter), str(geometry)) for shelter, geometry in rows]


def shelter_feature(shelter: Shelter, geometry_json: str) -> dict[str, Any]:
    """The public GeoJSON Feature of a shelter (no staff-only fields)."""
    return {
        "type": "Feature",
        "id": shelter.id,
        "geometry": json.loads(geometry_json),
        "properties": {
            "id": shelter.id,
            "source_id": shelter.source_id,
            "name": shelter.name,
            "name_en": shelter.name_en,
            "name_kana": shelter.name_kana,
            "address": shelter.address,
            "ward_code": shelter.ward_code,
            "kinds": list(shelter.kinds),
            "hazards": list(shelter.hazards),
            "capacity": shelter.capacity,
            "occupancy": shelter.occupancy,
            "status": shelter.status,
            "status_changed_at": shelter.status_changed_at.isoformat() if shelter.status_changed_at else None,
            "accessible": shelter.accessible,
            "pets_allowed": shelter.pets_allowed,
            "phone": shelter.phone,
            "version": shelter.version,
        },
    }


def count_rows(session: Session, *, tables: Sequence[str]) -> dict[str, int]:
    """Row counts of the named tables."""
    return {t: int(session.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one()) for t in tables}


#: Every hazard zone covering a point (also run by `bosai bench hazard` through pgbench).
HAZARD_AT_SQL = (
    "SELECT kind, depth_rank, depth_min_m, depth_max_m, original_code, scenario, river_name, source, "
    "attributes->>'label' AS original_label FROM hazard_zones "
    "WHERE ST_Intersects(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)) "
    "ORDER BY kind, depth_rank DESC NULLS LAST, scenario, source"
)


def hazard_at(session: Session, *, lat: float, lon: float) -> list[dict[str, Any]]:
    """Every hazard layer covering a point: kind, depth rank and label, scenario, source, river."""
    from hub.hazard_codes import DEPTH_RANK_LABELS, KIND_LABELS

    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise ValueError(f"not a WGS 84 point: lat={lat}, lon={lon}")
    rows = session.execute(text(HAZARD_AT_SQL), {"lat": lat, "lon": lon}).mappings()
    return [
        dict(row)
        | {
            "kind_label": KIND_LABELS.get(row["kind"], row["kind"]),
            "depth_label": DEPTH_RANK_LABELS.get(row["depth_rank"]) if row["depth_rank"] else None,
        }
        for row in rows
    ]


def hazard_features(
    session: Session, *, bbox: BBox, zoom: int, kind: str | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """Hazard zones in a bbox as GeoJSON Features, using the simplified copy made for the zoom band."""
    from hub.hazard_codes import DEPTH_RANK_LABELS
    from hub.models import HazardZone
    from hub.models.geo import HAZARD_ZOOM_BANDS

    column = next((name for name, top, _ in HAZARD_ZOOM_BANDS if zoom <= top), "geom")
    geom = getattr(HazardZone, column)
    envelope = func.ST_MakeEnvelope(*bbox, 4326)
    z = HazardZone
    columns = (z.id, z.kind, z.depth_rank, z.scenario, z.river_name, z.source, z.original_code)
    query = (
        select(*columns, func.ST_AsGeoJSON(geom, 6).label("geometry"))
        .where(geom.intersects(envelope))
        .order_by(HazardZone.kind, HazardZone.depth_rank, HazardZone.id)
    )
    if kind:
        query = query.where(HazardZone.kind == kind)
    if limit is not None:
        query = query.limit(limit)
    features = []
    for row in session.execute(query).mappings():
        properties = {k: v for k, v in row.items() if k not in {"id", "geometry"}}
        properties["depth_label"] = DEPTH_RANK_LABELS.get(row["depth_rank"]) if row["depth_rank"] else None
        features.append(
            {"type": "Feature", "id": row["id"], "geometry": json.loads(row["geometry"]), "properties": properties}
        )
    return features
