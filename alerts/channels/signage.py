"""Digital signage channel: what a sign shows (its area's current alerts, a QR code to the nearest open
shelter) and device tokens. Signs pull this state over SSE; fan-out only wakes them (NOTIFY alerts)."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import segno
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alerts import queries as queries_alerts
from alerts.line_bot import shelter_map_url
from alerts.models import Alert, SignageDevice
from hub.i18n import LANGUAGES

#: A sign sends a heartbeat every HEARTBEAT_S; it counts as offline after OFFLINE_AFTER.
HEARTBEAT_S = 30
OFFLINE_AFTER = timedelta(seconds=90)
TOKEN_BYTES = 24
QR_SCALE = 6


def new_token() -> tuple[str, str]:
    """A device token and the hash we store (tokens are random, so SHA-256 suffices)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    """SHA-256 hex of a device token."""
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(device: SignageDevice, token: str | None) -> bool:
    """Constant-time check of a device's token."""
    return bool(token) and hmac.compare_digest(device.token_hash, hash_token(token or ""))


def is_offline(device: SignageDevice, now: datetime) -> bool:
    """No heartbeat within OFFLINE_AFTER (or never)."""
    return device.last_heartbeat_at is None or now - device.last_heartbeat_at > OFFLINE_AFTER


@dataclass(frozen=True)
class SignState:
    """What one sign shows, with a version that changes whenever the content does."""

    data: dict[str, Any]

    @property
    def version(self) -> str:
        """A short hash of the content."""
        raw = json.dumps(self.data, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(raw.encode()).hexdigest()[:16]


def qr_svg(url: str) -> str:
    """An inline SVG QR code of the URL (dark on white, quiet zone kept)."""
    return str(segno.make(url, error="m").svg_inline(scale=QR_SCALE, dark="#000", light="#fff"))


def device_point(session: Session, device: SignageDevice) -> tuple[float, float] | None:
    """(lon, lat) of a device with a location."""
    if device.location is None:
        return None
    row = session.execute(
        select(func.ST_X(SignageDevice.location), func.ST_Y(SignageDevice.location)).where(
            SignageDevice.id == device.id
        )
    ).first()
    return (float(row[0]), float(row[1])) if row else None


def sign_state(session: Session, device: SignageDevice, *, public_url: str) -> SignState:
    """The current public alerts for the device's place and the nearest open shelter to go to."""
    point = device_point(session, device)
    lon, lat = point if point else (None, None)
    ids = queries_alerts.point_in_alert_areas(session, lon=lon, lat=lat, area_codes=list(device.area_codes))
    alerts = [a for a in (session.get(Alert, i) for i in ids) if a is not None and a.msg_type != "Cancel"]
    languages = [lang for lang in device.languages if lang in LANGUAGES] or ["ja"]
    hazard = alerts[0].hazard if alerts else None
    shelter = None
    if lon is not None and lat is not None:
        found = queries_alerts.open_shelters_near(session, lon=lon, lat=lat, hazard=hazard, limit=1)
        if found:
            s = found[0]
            url = shelter_map_url(public_url, s.id)
            shelter = {
                "name": s.name,
                "name_en": s.name_en,
                "distance_m": round(s.distance_m),
                "url": url,
                "qr": qr_svg(url),
            }
    return SignState(
        {
            "device": {"id": device.device_id, "name": device.name, "languages": languages},
            "alerts": [
                {
                    "id": a.id,
                    "level": a.level,
                    "hazard": a.hazard,
                    "msg_type": a.msg_type,
                    "messages": {
                        lang: {"title": a.messages[lang].get("title"), "body": a.messages[lang].get("body")}
                        for lang in languages
                        if isinstance(a.messages.get(lang), dict)
                    },
                }
                for a in alerts
            ],
            "shelter": shelter,
        }
    )


def heartbeat(session: Session, device: SignageDevice, now: datetime | None = None) -> None:
    """Record that the sign is alive."""
    device.last_heartbeat_at = now or datetime.now(UTC)
