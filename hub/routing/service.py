"""Walking routes from an OSRM-compatible routing service (HTTP API v1), for the way to a shelter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import httpx

#: A resident is waiting: a route that does not come quickly is replaced by a straight line.
ROUTER_TIMEOUT: Final = httpx.Timeout(5.0, connect=2.0)


class RouterUnavailableError(Exception):
    """The routing service did not answer or answered with an error."""


class NoRouteError(Exception):
    """The routing service found no walking route between the two points."""


@dataclass(frozen=True)
class WalkRoute:
    """A walking route: [lon, lat] coordinates, length in metres and time in seconds."""

    coordinates: list[list[float]]
    distance_m: float
    duration_s: float


def route_url(base_url: str, profile: str, start: tuple[float, float], end: tuple[float, float]) -> str:
    """The OSRM /route/v1 URL from start to end, each given as (lat, lon)."""
    points = ";".join(f"{lon:.6f},{lat:.6f}" for lat, lon in (start, end))
    return f"{base_url.rstrip('/')}/route/v1/{profile}/{points}"


def parse_route(body: Any) -> WalkRoute:
    """The first route of an OSRM answer with GeoJSON geometry; NoRouteError or RouterUnavailableError if none."""
    if not isinstance(body, dict):
        raise RouterUnavailableError("the router answered something that is not a JSON object")
    code = body.get("code")
    if code in ("NoRoute", "NoSegment"):
        raise NoRouteError(str(body.get("message") or code))
    routes = body.get("routes")
    if code != "Ok" or not isinstance(routes, list) or not routes:
        raise RouterUnavailableError(f"router error {code!r}: {body.get('message', '')}"[:200])
    route = routes[0]
    try:
        geometry = route["geometry"]
        coordinates = [[float(x), float(y)] for x, y in geometry["coordinates"]]
        if geometry["type"] != "LineString" or len(coordinates) < 2:
            raise ValueError("not a LineString")
        return WalkRoute(coordinates, float(route["distance"]), float(route["duration"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise RouterUnavailableError(f"the router's route is not usable: {exc}") from None


def walking_route(
    client: httpx.Client, *, base_url: str, profile: str, start: tuple[float, float], end: tuple[float, float]
) -> WalkRoute:
    """Ask the routing service for the walking route from start to end ((lat, lon) each)."""
    url = route_url(base_url, profile, start, end)
    try:
        response = client.get(url, params={"overview": "full", "geometries": "geojson"}, timeout=ROUTER_TIMEOUT)
        body = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise RouterUnavailableError(f"the router did not answer: {type(exc).__name__}") from None
    if response.status_code >= 500:
        raise RouterUnavailableError(f"the router answered HTTP {response.status_code}")
    return parse_route(body)
