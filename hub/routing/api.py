"""Walking routes to shelters, through the ward's routing service (the resident's position stays with the hub)."""

from __future__ import annotations

from typing import Annotated, Any, Final

import httpx
from fastapi import APIRouter, Query, Request
from pyproj import Geod

from hub.api.problems import ProblemError
from hub.routing.service import NoRouteError, RouterUnavailableError, walking_route

router = APIRouter(tags=["public"])
#: Longer walks are not evacuation routes (and would let anyone use the router as a free service).
MAX_WALK_M: Final = 20_000.0
WGS84: Final = Geod(ellps="WGS84")
Lat = Annotated[float, Query(ge=-90, le=90)]
Lon = Annotated[float, Query(ge=-180, le=180)]


@router.get("/api/route/walk", summary="A walking route between two points (GeoJSON LineString Feature)")
def walk_route(request: Request, from_lat: Lat, from_lon: Lon, to_lat: Lat, to_lon: Lon) -> dict[str, Any]:
    """The way on foot from a place to a shelter, from the configured OSRM-compatible router."""
    settings = request.app.state.settings
    _, _, straight_m = WGS84.inv(from_lon, from_lat, to_lon, to_lat)
    if straight_m > MAX_WALK_M:
        raise ProblemError(422, f"the two points are {straight_m / 1000:.1f} km apart; at most {MAX_WALK_M / 1000} km")
    try:
        with httpx.Client() as client:
            route = walking_route(
                client,
                base_url=settings.walk_router_url,
                profile=settings.walk_router_profile,
                start=(from_lat, from_lon),
                end=(to_lat, to_lon),
            )
    except NoRouteError as exc:
        raise ProblemError(404, f"no walking route: {exc}") from None
    except RouterUnavailableError as exc:
        raise ProblemError(502, str(exc)) from None
    return {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": route.coordinates},
        "properties": {"distance_m": round(route.distance_m, 1), "duration_s": round(route.duration_s), "mode": "walk"},
    }
