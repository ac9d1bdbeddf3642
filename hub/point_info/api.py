"""One place for a resident: hazard depth there, past floods, current orders, nearest suitable shelters."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from hub.api.caching import JSON, MAX_AGE_LIVE_S, cached_json
from hub.api.deps import ReaderDep
from hub.api.geojson_docs import PointInfo
from hub.hazards import queries
from hub.orders import service as orders
from hub.point_info import queries as queries_point
from hub.point_info import service as point_info
from hub.shelters import queries as queries_public
from hub.shelters.models import HAZARDS

router = APIRouter(prefix="/api", tags=["point info"])
Hazard = Literal[HAZARDS]  # type: ignore[valid-type]


@router.get(
    "/point-info",
    summary="Hazard depth, past floods, current orders and the nearest suitable open shelters at one place",
    responses={200: {"model": PointInfo}, 304: {"description": "Not Modified"}},
)
async def point_information(
    request: Request,
    reader: ReaderDep,
    lat: Annotated[float, Query(ge=-90, le=90, description="latitude (WGS 84)")],
    lon: Annotated[float, Query(ge=-180, le=180, description="longitude (WGS 84)")],
    hazard: Annotated[
        Hazard | None, Query(description="choose shelters for this hazard (default: every hazard zone here)")
    ] = None,
) -> Response:
    """Everything a resident needs to decide whether and where to go."""
    body = await reader.run(lambda session: point_body(session, lat=lat, lon=lon, hazard=hazard))
    return cached_json(request, body, max_age=MAX_AGE_LIVE_S, media_type=JSON)


def point_body(session: Session, *, lat: float, lon: float, hazard: str | None) -> dict[str, Any]:
    """The point-info document for one place."""
    areas = queries_point.areas_at(session, lat=lat, lon=lon)
    zones = queries.hazard_at(session, lat=lat, lon=lon)
    needed = point_info.shelter_hazards(zones, hazard)
    nearest = {"lat": lat, "lon": lon, "limit": point_info.SUGGESTED_SHELTERS, "hazards": needed}
    return {
        "location": {"lat": lat, "lon": lon},
        "areas": areas,
        "hazards": zones,
        "deepest_ranks": point_info.deepest_ranks(zones),
        "flood_history": queries_point.floods_at(session, lat=lat, lon=lon, areas=areas),
        "orders": [orders.public_properties(o) for o in queries_point.issued_orders_at(session, lat=lat, lon=lon)],
        "shelter_hazards": needed,
        "shelters": queries_public.nearest_features(session, open_only=True, **nearest),
        "sites": queries_public.nearest_features(session, open_only=False, **nearest),
    }
