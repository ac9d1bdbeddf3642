"""The hub's FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from sqlalchemy import Engine

from hub.api import problems, public, staff
from hub.api.deps import dispose_read_engine
from hub.api.event_hub import EventHub
from hub.api.fastlane import NearestLane
from hub.api.lane_pool import LanePool
from hub.api.middleware import RejectNulMiddleware
from hub.api.routers import imports, routing, shelters, staff_reads, system
from hub.api.security_headers import SecurityHeadersMiddleware
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
    lane_pool: LanePool | None = getattr(app.state, "lane_pool", None)
    if lane_pool is not None:
        await lane_pool.close()


def create_app(
    settings: Settings | None = None, engine: Engine | None = None, *, tile_origins: Iterable[str] = ()
) -> FastAPI:
    """Build the hub API with its routers; settings and engine may be injected (tests).

    `tile_origins` are the outside origins of online base-map tiles, the one source pages may use besides
    the hub itself (hub.api.security_headers).
    """
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
    if settings.nearest_lane:  # innermost: CORS, rate and size limits and gzip still apply to it
        app.state.lane_pool = LanePool(app.state.engine.url, max_size=settings.db_pool_size)
        app.add_middleware(NearestLane, pool=app.state.lane_pool)
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
    app.add_middleware(SecurityHeadersMiddleware, tile_origins=tile_origins)  # outermost: every response
    return app
