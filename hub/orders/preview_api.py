"""Read-only staff view for the console: whom and what an order for some areas would reach."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from shapely.geometry import mapping

from hub.api.deps import SessionDep
from hub.api.security import Principal, require
from hub.errors import FieldError
from hub.orders import service as orders
from hub.orders.queries import unknown_area_codes
from hub.orders.targets import POPULATION_KEY, target_areas, target_counts
from hub.shelters.models import HAZARDS

router = APIRouter(tags=["staff views"])
Hazard = Literal[HAZARDS]  # type: ignore[valid-type]
MAX_AREAS = 500
#: Longest drawn polygon accepted in the query string (GeoJSON characters).
MAX_GEOMETRY_CHARS = 60_000


def _geometry(value: str | None) -> dict[str, Any] | None:
    """The drawn polygon of the query, validated like an order's; 422 naming the field otherwise."""
    if value is None or value == "":
        return None
    try:
        raw = json.loads(value)
    except json.JSONDecodeError as exc:
        raise FieldError("query.geometry", f"not JSON: {exc.msg}") from None
    if not isinstance(raw, dict):
        raise FieldError("query.geometry", "must be a GeoJSON Polygon or MultiPolygon object")
    return dict(mapping(orders.drawn_polygon(raw, field="query.geometry")))


@router.get("/api/orders/preview-targets", summary="Whom and what an order for these areas would reach")
def preview_targets(
    session: SessionDep,
    staff: Annotated[Principal, Depends(require("staff.read"))],
    area: Annotated[list[str], Query(max_length=MAX_AREAS, description="area codes (wards, town blocks)")] = [],  # noqa: B006
    geometry: Annotated[
        str | None, Query(max_length=MAX_GEOMETRY_CHARS, description="a drawn GeoJSON (Multi)Polygon, lon/lat")
    ] = None,
    hazard: Annotated[Hazard | None, Query(description="count only shelters and subscribers for this hazard")] = None,
) -> dict[str, Any]:
    """Residents (when the area data has a population), subscribers per channel, signs, shelters in the area."""
    codes = list(dict.fromkeys(a for a in area if a))
    drawn = _geometry(geometry)
    if not codes and drawn is None:
        raise FieldError("query.area", "name at least one area code or give a drawn polygon (geometry)")
    unknown = unknown_area_codes(session, codes=codes)
    if unknown:
        raise FieldError("query.area", f"unknown area code(s): {', '.join(unknown)}")
    areas = target_areas(session, area_codes=codes)
    counts = target_counts(session, area_codes=codes, geometry=drawn, hazard=hazard)
    populations = [a.population for a in areas]
    residents_known = bool(areas) and drawn is None and all(p is not None for p in populations)
    return {
        "areas": [
            {"code": a.code, "kind": a.kind, "name": a.name, "name_en": a.name_en, "population": a.population}
            for a in areas
        ],
        "residents": sum(p for p in populations if p is not None) if residents_known else None,
        "residents_source": f"areas.attributes.{POPULATION_KEY}" if residents_known else None,
        "subscribers": {"total": sum(counts.subscribers.values()), "by_channel": counts.subscribers},
        "signs": counts.signs,
        "shelters": counts.shelters,
        "shelters_open": counts.shelters_open,
        "hazard": hazard,
    }
