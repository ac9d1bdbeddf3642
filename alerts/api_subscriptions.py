"""Web Push subscriptions: store a browser's subscription with its languages, places and hazards.

Anonymous writes are rate-limited per client address (the "subscribe" limit of Settings.rate_limits). An
endpoint's keys are immutable: a POST for a stored endpoint updates its preferences only when it carries the
same keys (the browser's secret auth key proves it owns the subscription); new keys need an unsubscribe first.
Push endpoints are https on port 443 (the allow-listed loopback fakes of the tests excepted).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import math
import threading
import time
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import select

from alerts import queries as queries_alerts
from alerts.channels.vapid import public_key_b64
from alerts.channels.webpush import EndpointRejected, check_endpoint
from alerts.drafting import geometry_value
from alerts.models import Subscription
from hub.api.deps import SessionDep, SettingsDep
from hub.api.problems import ProblemError
from hub.api.ratelimit import RateLimiter, parse_rate
from hub.api.security import client_addr
from hub.i18n import LANGUAGES
from hub.shelters.models import HAZARDS

router = APIRouter(tags=["subscriptions"])
MAX_PLACES = 3
MAX_RADIUS_M = 5000.0
P256_POINT_BYTES = 65
AUTH_SECRET_BYTES = 16
#: The named limit anonymous subscription writes (POST and DELETE) count against, and its default.
SUBSCRIBE_LIMIT = "subscribe"
SUBSCRIBE_LIMIT_DEFAULT = "20/hour"
HTTPS_PORT = 443
_limiter_lock = threading.Lock()


def _b64(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


class Keys(BaseModel):
    """PushSubscription keys: the browser's P-256 public key and auth secret (base64url)."""

    p256dh: str = Field(min_length=80, max_length=100, pattern=r"^[A-Za-z0-9_-]+=*$")
    auth: str = Field(min_length=16, max_length=30, pattern=r"^[A-Za-z0-9_-]+=*$")

    @model_validator(mode="after")
    def _sizes(self) -> Keys:
        try:
            point, secret = _b64(self.p256dh), _b64(self.auth)
        except (binascii.Error, ValueError) as exc:
            raise ValueError(f"keys are not base64url: {exc}") from None
        if len(point) != P256_POINT_BYTES or point[0] != 4:
            raise ValueError("p256dh must be an uncompressed P-256 point (65 bytes)")
        if len(secret) != AUTH_SECRET_BYTES:
            raise ValueError("auth must be 16 bytes")
        return self


class PushSubscriptionJSON(BaseModel):
    """What PushSubscription.toJSON() gives."""

    endpoint: str = Field(min_length=10, max_length=2048)
    expirationTime: float | None = None
    keys: Keys


class Place(BaseModel):
    """A town block or ward code, or a point with a radius."""

    area_code: str | None = Field(default=None, max_length=32, pattern=r"^[0-9A-Za-z_-]+$")
    lat: float | None = Field(default=None, ge=20, le=46)
    lon: float | None = Field(default=None, ge=122, le=154)
    radius_m: float = Field(default=500.0, gt=0, le=MAX_RADIUS_M)

    @model_validator(mode="after")
    def _one_kind(self) -> Place:
        point = self.lat is not None and self.lon is not None
        if bool(self.area_code) == point:
            raise ValueError("a place is either an area_code or a lat/lon point")
        return self


class WebPushSubscribe(BaseModel):
    """A resident's subscription and what they want to hear about."""

    subscription: PushSubscriptionJSON
    languages: list[str] = Field(default_factory=lambda: ["ja"], min_length=1, max_length=len(LANGUAGES))
    hazards: list[str] = Field(default_factory=list, max_length=len(HAZARDS))
    places: list[Place] = Field(min_length=1, max_length=MAX_PLACES)

    @model_validator(mode="after")
    def _known(self) -> WebPushSubscribe:
        bad = [lang for lang in self.languages if lang not in LANGUAGES]
        if bad:
            raise ValueError(f"unknown languages {bad}; use {list(LANGUAGES)}")
        bad = [h for h in self.hazards if h not in HAZARDS]
        if bad:
            raise ValueError(f"unknown hazards {bad}; use {list(HAZARDS)}")
        return self


def subscription_limiter(request: Request, settings: SettingsDep) -> RateLimiter:
    """The app's limiter for subscription writes (created on first use from the settings)."""
    with _limiter_lock:
        limiter: RateLimiter | None = getattr(request.app.state, "subscription_limiter", None)
        if limiter is None:
            rate = parse_rate(settings.rate_limits.get(SUBSCRIBE_LIMIT, SUBSCRIBE_LIMIT_DEFAULT))
            limiter = RateLimiter({SUBSCRIBE_LIMIT: rate}, time.monotonic)
            request.app.state.subscription_limiter = limiter
    return limiter


def rate_limited_write(request: Request, limiter: Annotated[RateLimiter, Depends(subscription_limiter)]) -> None:
    """429 with Retry-After once this client address has spent its subscription writes."""
    wait = limiter.take(SUBSCRIBE_LIMIT, client_addr(request) or "unknown")
    if wait > 0.0:
        retry = max(1, math.ceil(wait))
        raise ProblemError(
            429,
            f"rate limit '{SUBSCRIBE_LIMIT}' exceeded; retry in {retry} s",
            problem_type="urn:bosai:problem:rate-limited",
            headers={"Retry-After": str(retry)},
        )


def port_problem(endpoint: str) -> str | None:
    """Why an https endpoint's port is refused (push services listen on 443 only), or None."""
    parts = urlsplit(endpoint)
    try:
        port = parts.port
    except ValueError:
        return "endpoint has an invalid port"
    if parts.scheme == "https" and port not in (None, HTTPS_PORT):
        return f"endpoint must use port {HTTPS_PORT}"
    return None


def same_keys(stored: dict[str, Any] | None, given: Keys) -> bool:
    """Whether the stored keys are the given ones (compared in constant time)."""
    if not stored:
        return False
    pairs = [(str(stored.get(name, "")), getattr(given, name)) for name in ("p256dh", "auth")]
    return all(hmac.compare_digest(a.encode(), b.encode()) for a, b in pairs)


WriteLimitDep = Depends(rate_limited_write)


@router.get("/api/push/vapid-public-key", summary="The VAPID application server key for subscribing")
def vapid_public_key(settings: SettingsDep) -> dict[str, str]:
    """applicationServerKey for pushManager.subscribe()."""
    path = settings.vapid_private_key_file
    if path is None or not path.exists():
        raise ProblemError(503, "Web Push is not configured on this hub")
    return {"publicKey": public_key_b64(path)}


@router.post(
    "/api/subscriptions/webpush",
    status_code=201,
    summary="Subscribe a browser to alerts",
    dependencies=[WriteLimitDep],
)
def subscribe(body: WebPushSubscribe, session: SessionDep, settings: SettingsDep) -> dict[str, Any]:
    """Store a subscription, or update the preferences of one with the same keys; places become one geometry."""
    try:
        endpoint = check_endpoint(body.subscription.endpoint, settings.push_host_allowlist)
    except EndpointRejected as exc:
        raise ProblemError(
            422, f"subscription.endpoint: {exc}", problem_type="urn:bosai:problem:push-endpoint"
        ) from None
    bad_port = port_problem(endpoint)
    if bad_port:
        raise ProblemError(422, f"subscription.endpoint: {bad_port}", problem_type="urn:bosai:problem:push-endpoint")
    codes = [p.area_code for p in body.places if p.area_code]
    unknown = sorted(set(codes) - queries_alerts.known_area_codes(session, area_codes=codes))
    if unknown:
        raise ProblemError(422, f"places: unknown area codes {unknown}")
    points = [(p.lon, p.lat, p.radius_m) for p in body.places if p.lat is not None and p.lon is not None]
    geom = queries_alerts.places_geometry(session, area_codes=codes, points=points)
    sub = session.scalars(
        select(Subscription).where(Subscription.channel == "webpush", Subscription.address == endpoint)
    ).first()
    if sub is None:
        sub = Subscription(channel="webpush", address=endpoint, keys=body.subscription.keys.model_dump())
    elif not same_keys(sub.keys, body.subscription.keys):
        raise ProblemError(
            409,
            "this endpoint is subscribed with other keys; unsubscribe it first to subscribe with new keys",
            problem_type="urn:bosai:problem:subscription-keys",
        )
    sub.languages, sub.hazards, sub.area_codes = list(body.languages), list(body.hazards), codes
    sub.geom, sub.active = geometry_value(geom), True
    session.add(sub)
    session.commit()
    return {"subscribed": True, "languages": sub.languages, "hazards": sub.hazards, "places": len(body.places)}


@router.delete(
    "/api/subscriptions/webpush", status_code=204, summary="Unsubscribe a browser", dependencies=[WriteLimitDep]
)
def unsubscribe(session: SessionDep, endpoint: Annotated[str, Query(min_length=10, max_length=2048)]) -> Response:
    """Forget the subscription of this endpoint (its URL is the browser's secret)."""
    sub = session.scalars(
        select(Subscription).where(Subscription.channel == "webpush", Subscription.address == endpoint)
    ).first()
    if sub is None:
        raise ProblemError(404, "no subscription for this endpoint")
    session.delete(sub)
    session.commit()
    return Response(status_code=204)
