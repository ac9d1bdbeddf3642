"""The web application, assembled once: the hub's resource routers, the alert engine, the map and the console."""

from __future__ import annotations

import gc
import logging
import re
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from sqlalchemy import Engine

from alerts import api as alerts_api
from alerts.channels import SIGNAGE_CHANNEL
from alerts.order_alerts import draft_order_alert
from console.router import router as console_router
from hub.api import access_log, client_address, docs, openapi_problems, problems, system
from hub.api.deps import dispose_read_engine
from hub.api.event_hub import EventHub
from hub.api.health import cached_broker_check
from hub.api.middleware import BodySizeLimitMiddleware, RateLimitMiddleware, RejectNulMiddleware
from hub.api.ratelimit import RateLimiter
from hub.api.security import utc_now
from hub.api.security_headers import SecurityHeadersMiddleware
from hub.api.stream_limit import StreamLimitMiddleware, StreamSlots
from hub.audit import api as audit_api
from hub.db import make_engine
from hub.events import api as events_api
from hub.hazards import api as hazards_api
from hub.importers import api as imports_api
from hub.opendata import api as opendata_api
from hub.opendata.ogcapi import ogc_routes
from hub.orders import api as orders_api
from hub.orders import preview_api
from hub.orders.events import OrderListener
from hub.point_info import api as point_info_api
from hub.routing import api as routing_api
from hub.settings import Settings, get_settings
from hub.shelters import api as shelters_api
from hub.shelters import staff_api as shelters_staff_api
from hub.stations import api as stations_api
from hub.tiles import api as tiles_api
from hub.users import api as users_api
from hub.users import auth_api
from hub.users.auth import AuthNotConfiguredError, InvalidTokenError, decode_token, signing_secret
from maps.config import tile_origins
from maps.router import router as maps_router

log = logging.getLogger(__name__)
GZIP_MIN_BYTES = 1000
CORS_METHODS = ["GET", "HEAD", "POST", "PATCH", "DELETE"]
CORS_HEADERS = ["Authorization", "Content-Type", "If-Match", "Last-Event-ID"]
CORS_EXPOSE = ["ETag", "Location", "Retry-After"]
#: Who hears of an order issued or lifted, in its transaction: the alert engine drafts the order's alert.
ORDER_LISTENERS: tuple[OrderListener, ...] = (draft_order_alert,)
#: The Server-Sent Events streams, capped by `sse_max_connections` and `sse_max_per_client`.
STREAM_PATHS = re.compile(r"/api/events|/signage/[^/]+/events")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """At shutdown: stop the event listener (it starts with the first SSE client), close the read pool."""
    yield
    hub: EventHub | None = getattr(app.state, "event_hub", None)
    if hub is not None:
        await hub.stop()
    await dispose_read_engine(app)


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """The whole web application; settings and engine may be injected (tests)."""
    settings = settings or get_settings()
    app = FastAPI(
        title="Bosai Hub API",
        version="0.1.0",
        description="Disaster information hub: shelters, river gauges, hazard zones, orders and alerts.",
        lifespan=lifespan,
        telemetry=None if settings.telemetry else {"tracing": False, "metrics": False, "logs": False},
        docs_url=None,  # /docs and /redoc: hub.api.docs, from vendored files (FastAPI's own load from a CDN)
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine or make_engine(
        settings.database_url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow
    )
    app.state.order_listeners = ORDER_LISTENERS
    app.state.broker_check = cached_broker_check(settings)
    access_log.install()
    problems.install(app)
    docs.install(app)
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MIN_BYTES)
    app.add_middleware(RejectNulMiddleware)
    app.include_router(system.router)
    app.include_router(shelters_api.router)
    _install_public(app, settings)
    if settings.walk_router_url:  # the map draws straight lines without it
        app.include_router(routing_api.router)
    app.include_router(imports_api.router)
    app.include_router(preview_api.router)  # before the orders router: /api/orders/preview-targets ≠ /{id}
    _install_staff(app, settings)
    for router in alerts_api.routers():
        app.include_router(router)
    app.include_router(console_router)
    app.include_router(maps_router)
    app.add_middleware(SecurityHeadersMiddleware, tile_origins=tile_origins())  # every response
    client_address.install(app, settings.trusted_proxies)  # outermost: every layer sees the real client
    return app


def _install_public(app: FastAPI, settings: Settings) -> None:
    """The public routers (no auth, cacheable), OGC API – Features at /ogcapi, problem+json documented."""
    for module in (stations_api, hazards_api, point_info_api, tiles_api, opendata_api):
        app.include_router(module.router)
    app.router.routes.extend(ogc_routes(settings, app.state.engine))
    openapi_problems.install(app)


def _token_checker(secret: bytes | None) -> Callable[[str], bool]:
    """Whether a bearer token carries a valid signature (no database look-up)."""

    def valid(token: str) -> bool:
        if secret is None:
            return False
        try:
            decode_token(token, secret=secret)
        except InvalidTokenError:
            return False
        return True

    return valid


def _install_staff(app: FastAPI, settings: Settings) -> None:
    """Auth state, CORS, rate limits, stream caps, the body size limit, the event hub and the staff routers."""
    try:
        app.state.jwt_secret = signing_secret(settings)
    except AuthNotConfiguredError as exc:
        log.warning("staff login disabled: %s", exc)
        app.state.jwt_secret = None
    app.state.clock = utc_now
    app.state.event_hub = EventHub(app.state.engine, poll_s=settings.events_poll_s, channels=(SIGNAGE_CHANNEL,))
    slots = StreamSlots(max_total=settings.sse_max_connections, max_per_client=settings.sse_max_per_client)
    app.add_middleware(StreamLimitMiddleware, paths=STREAM_PATHS, slots=slots)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    limiter = RateLimiter.from_config(settings.rate_limits, time.monotonic)
    app.add_middleware(RateLimitMiddleware, limiter=limiter, token_valid=_token_checker(app.state.jwt_secret))
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=CORS_METHODS,
            allow_headers=CORS_HEADERS,
            expose_headers=CORS_EXPOSE,
        )
    for module in (auth_api, users_api, shelters_staff_api, orders_api, audit_api, events_api):
        app.include_router(module.router)


def serve_app() -> FastAPI:
    """The application for one server process (`bosai serve`, uvicorn --factory).

    What start-up loaded (routes, schemas, ORM mappings) is frozen out of the garbage collector's
    scans, which otherwise stall requests under load for tens of milliseconds.
    """
    app = create_app()
    gc.collect()
    gc.freeze()
    return app
