"""The hub's FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from sqlalchemy import Engine

from hub.api import problems, public, staff
from hub.api.deps import dispose_read_engine
from hub.api.event_hub import EventHub
from hub.api.middleware import RejectNulMiddleware
from hub.api.routers import imports, routing, shelters, staff_reads, system
from hub.db import make_engine
from hub.settings import Settings, get_settings

GZIP_MIN_BYTES = 1000


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """At shutdown: stop the event listener (it starts with the first SSE client), close the read pool."""
    yield
    hub: EventHub | None = getattr(app.state, "event_hub", None)
    if hub is not None:
        await hub.stop()
    await dispose_read_engine(app)


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """Build the hub API with its routers; settings and engine may be injected (tests)."""
    settings = settings or get_settings()
    app = FastAPI(
        title="Bosai Hub API",
        version="0.1.0",
        description="Disaster information hub: shelters, river gauges, hazard zones, orders and alerts.",
        lifespan=lifespan,
        telemetry=None if settings.telemetry else {"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.engine = engine or make_engine(
        settings.database_url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow
    )
    problems.install(app)
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MIN_BYTES)
    app.add_middleware(RejectNulMiddleware)
    app.include_router(system.router)
    app.include_router(shelters.router)
    public.install(app, settings)
    if settings.walk_router_url:  # the map draws straight lines without it
        app.include_router(routing.router)
    app.include_router(imports.router)
    app.include_router(staff_reads.router)  # before the staff routers: /api/orders/preview-targets ≠ /{id}
    staff.install(app, settings)
    return app
