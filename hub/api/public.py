"""Public read side of the API: GeoJSON reads, point info, vector tiles, open data, OGC API – Features."""

from __future__ import annotations

from fastapi import FastAPI

from hub.api import openapi_problems
from hub.api.ogcapi import ogc_routes
from hub.api.routers import geodata, opendata, point_info, stations, tiles
from hub.settings import Settings


def install(app: FastAPI, settings: Settings) -> None:
    """Add the public routers (no auth, cacheable), mount OGC API – Features at /ogcapi, document problem+json."""
    for module in (stations, geodata, point_info, tiles, opendata):
        app.include_router(module.router)
    app.router.routes.extend(ogc_routes(settings, app.state.engine))
    openapi_problems.install(app)
