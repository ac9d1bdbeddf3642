"""The full web application: the hub API plus the parts mounted on it (map, alerts)."""

from __future__ import annotations

import gc

from fastapi import FastAPI
from sqlalchemy import Engine

from alerts import api as alerts_api
from console.router import router as console_router
from hub.api.app import create_app as create_hub_app
from hub.settings import Settings
from maps.config import tile_origins
from maps.router import router as maps_router


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """The hub API with every package's routers mounted."""
    app = create_hub_app(settings, engine, tile_origins=tile_origins())
    for router in alerts_api.routers():
        app.include_router(router)
    app.include_router(console_router)
    app.include_router(maps_router)
    return app


def serve_app() -> FastAPI:
    """The application for one server process (`bosai serve`, uvicorn --factory).

    What start-up loaded (routes, schemas, ORM mappings) is frozen out of the garbage collector's
    scans, which otherwise stall requests under load for tens of milliseconds.
    """
    app = create_app()
    gc.collect()
    gc.freeze()
    return app
