"""Web Push subscriptions: store a browser's subscription with its languages, places and hazards."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import select

from alerts import queries as queries_alerts
from alerts.channels.vapid import public_key_b64
from alerts.channels.webpush import EndpointRejected, check_endpoint
from alerts.drafting import geometry_value
from alerts.models import Subscription
from hub.api.deps import SessionDep, SettingsDep
from hub.api.problems import ProblemError
from hub.i18n import LANGUAGES
from hub.shelters.models import HAZARDS

router = APIRouter(tags=["subscriptions"])
MAX_PLACES = 3
MAX_RADIUS_M = 5000.0
P256_POINT_BYTES = 65
AUTH_SECRET_BYTES = 16


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


@router.get("/api/push/vapid-public-key", summary="The VAPID application server key for subscribing")
def vapid_public_key(settings: SettingsDep) -> dict[str, str]:
    """applicationServerKey for pushManager.subscribe()."""
    path = settings.vapid_private_key_file
    if path is None or not path.exists():
        raise ProblemError(503, "Web Push is not configured on this hub")
    return {"publicKey": public_key_b64(path)}


@router.post("/api/subscriptions/webpush", status_code=201, summary="Subscribe a browser to alerts")
def subscribe(body: WebPushSubscribe, session: SessionDep, settings: SettingsDep) -> dict[str, Any]:
    """Store (or update) a subscription; its places become one geometry for the spatial match."""
    try:
        endpoint = check_endpoint(body.subscription.endpoint, settings.push_host_allowlist)
    except EndpointRejected as exc:
        raise ProblemError(
            422, f"subscription.endpoint: {exc}", problem_type="urn:bosai:problem:push-endpoint"
        ) from None
    codes = [p.area_code for p in body.places if p.area_code]
    unknown = sorted(set(codes) - queries_alerts.known_area_codes(session, area_codes=codes))
    if unknown:
        raise ProblemError(422, f"places: unknown area codes {unknown}")
    points = [(p.lon, p.lat, p.radius_m) for p in body.places if p.lat is not None and p.lon is not None]
    geom = queries_alerts.places_geometry(session, area_codes=codes, points=points)
    sub = session.scalars(
        select(Subscription).where(Subscription.channel == "webpush", Subscription.address == endpoint)
    ).first() or Subscription(channel="webpush", address=endpoint)
    sub.keys = body.subscription.keys.model_dump()
    sub.languages, sub.hazards, sub.area_codes = list(body.languages), list(body.hazards), codes
    sub.geom, sub.active = geometry_value(geom), True
    session.add(sub)
    session.commit()
    return {"subscribed": True, "languages": sub.languages, "hazards": sub.hazards, "places": len(body.places)}


@router.delete("/api/subscriptions/webpush", status_code=204, summary="Unsubscribe a browser")
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
