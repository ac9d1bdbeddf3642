"""Staff side of the API: auth state, security middleware, the event hub, staff routers."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from hub.api.event_hub import EventHub
from hub.api.middleware import BodySizeLimitMiddleware, RateLimitMiddleware
from hub.api.routers import audit, auth, events, orders, shelter_ops, users
from hub.api.security import utc_now
from hub.auth import AuthNotConfiguredError, InvalidTokenError, decode_token, signing_secret
from hub.ratelimit import RateLimiter
from hub.settings import Settings

log = logging.getLogger(__name__)
CORS_METHODS = ["GET", "HEAD", "POST", "PATCH", "DELETE"]
CORS_HEADERS = ["Authorization", "Content-Type", "If-Match", "Last-Event-ID"]
CORS_EXPOSE = ["ETag", "Location", "Retry-After"]


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


def install(app: FastAPI, settings: Settings) -> None:
    """Add auth state, CORS, rate limits, the body size limit and the staff routers to the app."""
    try:
        app.state.jwt_secret = signing_secret(settings)
    except AuthNotConfiguredError as exc:
        log.warning("staff login disabled: %s", exc)
        app.state.jwt_secret = None
    app.state.clock = utc_now
    app.state.event_hub = EventHub(app.state.engine, poll_s=settings.events_poll_s)
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
    for module in (auth, users, shelter_ops, orders, audit, events):
        app.include_router(module.router)
