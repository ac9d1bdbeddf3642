"""Spatial SQL for the public map's base layer: simplified areas and rivers, the extent of the wards."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.areas.models import Area
from hub.hazards.models import River

#: Area kinds drawn on the base map (prefectures are too coarse to help).
BASE_AREA_KINDS = ("ward", "town_block")


def base_area_features(session: Session, *, tolerance: float, precision: int) -> list[dict[str, Any]]:
    """Wards and town blocks, simplified, each with a label point inside it, as GeoJSON Features."""
    simplified = func.ST_SimplifyPreserveTopology(Area.geom, tolerance)
    query = (
        select(
            Area.code,
            Area.kind,
            Area.name,
            Area.name_kana,
            Area.name_en,
            Area.parent_code,
            func.ST_AsGeoJSON(simplified, precision).label("geometry"),
            func.ST_AsGeoJSON(func.ST_PointOnSurface(Area.geom), precision).label("label_point"),
        )
        .where(Area.kind.in_(BASE_AREA_KINDS))
        .order_by(Area.kind, Area.code)
    )
    features = []
    for row in session.execute(query).mappings():
        properties = {k: row[k] for k in ("code", "kind", "name", "name_kana", "name_en", "parent_code")}
        properties["label_point"] = json.loads(row["label_point"])["coordinates"]
        properties["layer"] = "area"
        features.append({"type": "Feature", "geometry": json.loads(row["geometry"]), "properties": properties})
    return features


def base_river_features(session: Session, *, tolerance: float, precision: int) -> list[dict[str, Any]]:
    """River centre-lines, simplified, as GeoJSON Features."""
    query = select(River.name, func.ST_AsGeoJSON(func.ST_Simplify(River.geom, tolerance), precision).label("g"))
    return [
        {"type": "Feature", "geometry": json.loads(row.g), "properties": {"layer": "river", "name": row.name}}
        for row in session.execute(query.order_by(River.id))
        if row.g is not None
    ]


def ward_extent(session: Session) -> tuple[float, float, float, float] | None:
    """(min lon, min lat, max lon, max lat) of every ward, or None when no ward is loaded."""
    box = func.ST_Extent(Area.geom)
    row = session.execute(
        select(func.ST_XMin(box), func.ST_YMin(box), func.ST_XMax(box), func.ST_YMax(box)).where(Area.kind == "ward")
    ).one()
    if row[0] is None:
        return None
    return (float(row[0]), float(row[1]), float(row[2]), float(row[3]))
