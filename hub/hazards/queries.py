"""Spatial SQL of the hazard layers: what covers a point, hazard zones in a bbox."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from hub.sql_filters import BBox

#: Every hazard zone covering a point (also run by `bosai bench hazard` through pgbench).
HAZARD_AT_SQL = (
    "SELECT kind, depth_rank, depth_min_m, depth_max_m, original_code, scenario, river_name, source, "
    "attributes->>'label' AS original_label FROM hazard_zones "
    "WHERE ST_Intersects(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)) "
    "ORDER BY kind, depth_rank DESC NULLS LAST, scenario, source"
)


def hazard_at(session: Session, *, lat: float, lon: float) -> list[dict[str, Any]]:
    """Every hazard layer covering a point: kind, depth rank and label, scenario, source, river."""
    from hub.hazards.codes import DEPTH_RANK_LABELS, KIND_LABELS

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
    from hub.hazards.codes import DEPTH_RANK_LABELS
    from hub.hazards.models import HAZARD_ZOOM_BANDS, HazardZone

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
