"""Spatial SQL of evacuation orders: area codes, and the area an order covers as GeoJSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from hub.areas.models import Area

#: Simplification of the public order area (degrees; 0.00005° ≈ 5 m at Tokyo) and GeoJSON decimals.
PUBLIC_TOLERANCE_DEG = 0.00005
GEOJSON_DECIMALS = 6

ORDER_AREA_SQL = text(
    """
    SELECT o.id,
           ST_AsGeoJSON(ST_Multi(ST_SimplifyPreserveTopology(ST_Union(parts.g), :tolerance)), :decimals) AS geometry
    FROM evacuation_orders o
    LEFT JOIN LATERAL (
        SELECT o.geom AS g WHERE o.geom IS NOT NULL
        UNION ALL
        SELECT a.geom FROM areas a WHERE a.code = ANY(o.area_codes)
    ) parts ON true
    WHERE o.id = ANY(:ids)
    GROUP BY o.id
    """
)


def unknown_area_codes(session: Session, *, codes: Sequence[str]) -> list[str]:
    """The codes that name no area, in the given order."""
    known = set(session.scalars(select(Area.code).where(Area.code.in_(list(codes)))))
    return [code for code in codes if code not in known]


def order_areas(session: Session, *, order_ids: Sequence[int]) -> dict[int, dict[str, Any] | None]:
    """For each order, the union of its drawn polygon and its areas as a GeoJSON MultiPolygon (None: empty)."""
    if not order_ids:
        return {}
    rows = session.execute(
        ORDER_AREA_SQL,
        {"ids": list(order_ids), "tolerance": PUBLIC_TOLERANCE_DEG, "decimals": GEOJSON_DECIMALS},
    )
    return {int(row.id): json.loads(row.geometry) if row.geometry else None for row in rows}


def drawn_area(session: Session, *, order_id: int) -> dict[str, Any] | None:
    """The polygon drawn for an order, as GeoJSON (None when it names areas only)."""
    value = session.execute(
        text("SELECT ST_AsGeoJSON(geom, :decimals) FROM evacuation_orders WHERE id = :id"),
        {"id": order_id, "decimals": GEOJSON_DECIMALS},
    ).scalar_one_or_none()
    return json.loads(value) if value else None
