"""A local OSRM-compatible routing service (HTTP API v1 /route) that checks what it is asked.

It answers like OSRM: a walking route as a GeoJSON LineString that goes east first and then north
(an "L" through the street grid), with its length and a walking time at 4.8 km/h; malformed requests
get OSRM's own error codes (InvalidUrl, InvalidOptions, InvalidValue) with HTTP 400.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Final

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

PROFILE: Final = "foot"
WALK_M_PER_S: Final = 4.8 / 3.6
EARTH_RADIUS_M: Final = 6_371_008.8
_COORDS = re.compile(r"^(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?);(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)$")


@dataclass
class FakeRouterState:
    """What the fake router was asked, and points it cannot route (answers NoRoute)."""

    requests: list[tuple[tuple[float, float], tuple[float, float]]] = field(default_factory=list)
    unreachable: set[tuple[float, float]] = field(default_factory=set)


def haversine_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres between two (lon, lat) points."""
    (lon1, lat1), (lon2, lat2) = (tuple(map(math.radians, p)) for p in (a, b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def _error(code: str, message: str) -> JSONResponse:
    return JSONResponse({"code": code, "message": message}, status_code=400)


def create_app(state: FakeRouterState) -> Starlette:
    """The fake router's ASGI app."""

    async def route(request: Request) -> JSONResponse:
        profile, coordinates = request.path_params["profile"], request.path_params["coordinates"]
        if profile != PROFILE:
            return _error("InvalidOptions", f"profile {profile!r} is not served (only {PROFILE})")
        match = _COORDS.match(coordinates)
        if match is None:
            return _error("InvalidUrl", f"URL string malformed: {coordinates!r}")
        lon1, lat1, lon2, lat2 = map(float, match.groups())
        if not (-90 <= lat1 <= 90 and -90 <= lat2 <= 90 and -180 <= lon1 <= 180 and -180 <= lon2 <= 180):
            return _error("InvalidValue", "coordinates out of range (lon,lat order?)")
        if request.query_params.get("geometries") != "geojson" or request.query_params.get("overview") != "full":
            return _error("InvalidOptions", "expected overview=full&geometries=geojson")
        start, end = (lon1, lat1), (lon2, lat2)
        state.requests.append((start, end))
        if end in state.unreachable:
            return JSONResponse({"code": "NoRoute", "message": "Impossible route between points"})
        corner = (lon2, lat1)
        distance = haversine_m(start, corner) + haversine_m(corner, end)
        leg = {"distance": distance, "duration": distance / WALK_M_PER_S, "steps": [], "summary": "", "weight": 0}
        body = {
            "code": "Ok",
            "routes": [
                {
                    "geometry": {"type": "LineString", "coordinates": [list(start), list(corner), list(end)]},
                    "distance": distance,
                    "duration": distance / WALK_M_PER_S,
                    "legs": [leg],
                    "weight_name": "duration",
                    "weight": distance / WALK_M_PER_S,
                }
            ],
            "waypoints": [{"location": list(p), "name": "", "distance": 0.0, "hint": ""} for p in (start, end)],
        }
        return JSONResponse(body)

    return Starlette(routes=[Route("/route/v1/{profile}/{coordinates}", route)])
