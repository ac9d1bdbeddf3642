"""POST/DELETE /api/subscriptions/webpush: validation, places as geometry, no SSRF, no leaks."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from alerts.models import Subscription
from tests.alerts.conftest import GAUGE, push_subscription
from tests.fakes.push_service import FakePushState


def body(state: FakePushState, name: str, **extra: object) -> dict[str, object]:
    return {
        "subscription": push_subscription(state, name),
        "languages": ["en", "ja"],
        "hazards": ["flood"],
        "places": [{"lat": GAUGE["lat"], "lon": GAUGE["lon"], "radius_m": 300}, {"area_code": "13110"}],
        **extra,
    }


def test_subscribe_stores_languages_hazards_and_places(
    client: TestClient, db: Session, fake_push: FakePushState
) -> None:
    name = f"api-{uuid.uuid4().hex[:8]}"
    response = client.post("/api/subscriptions/webpush", json=body(fake_push, name))
    assert response.status_code == 201, response.text
    assert response.json() == {"subscribed": True, "languages": ["en", "ja"], "hazards": ["flood"], "places": 2}
    sub = db.scalars(select(Subscription).where(Subscription.address == fake_push.endpoint(name))).one()
    assert (sub.channel, sub.area_codes, sub.active) == ("webpush", ["13110"], True)
    covers = db.execute(
        text(
            "SELECT ST_Intersects(geom, ST_SetSRID(ST_MakePoint(:x, :y), 4326)), "
            "ST_Intersects(geom, ST_SetSRID(ST_MakePoint(139.82, 35.67), 4326)) FROM subscriptions WHERE id = :i"
        ),
        {"x": GAUGE["lon"], "y": GAUGE["lat"], "i": sub.id},
    ).one()
    assert tuple(covers) == (True, False)
    again = client.post("/api/subscriptions/webpush", json=body(fake_push, name, languages=["ko"]))
    assert again.status_code == 201
    db.refresh(sub)
    assert sub.languages == ["ko"]
    assert (
        db.scalar(
            select(text("count(*)")).select_from(Subscription).where(Subscription.address == fake_push.endpoint(name))
        )
        == 1
    )


def test_endpoint_off_the_allow_list_is_refused(client: TestClient, fake_push: FakePushState) -> None:
    data = body(fake_push, "x")
    data["subscription"]["endpoint"] = "https://169.254.169.254/latest"  # type: ignore[index]
    response = client.post("/api/subscriptions/webpush", json=data)
    assert response.status_code == 422
    assert "allow-list" in response.json()["detail"]


def test_bad_keys_languages_places_are_refused_with_the_field(client: TestClient, fake_push: FakePushState) -> None:
    data = body(fake_push, "y")
    data["subscription"]["keys"]["auth"] = "AAAAAAAAAAAAAAAAAAAAAAAA"  # type: ignore[index]
    assert client.post("/api/subscriptions/webpush", json=data).status_code == 422
    assert client.post("/api/subscriptions/webpush", json=body(fake_push, "y", languages=["fr"])).status_code == 422
    four = [{"area_code": "13109"}] * 4
    response = client.post("/api/subscriptions/webpush", json=body(fake_push, "y", places=four))
    assert response.status_code == 422 and "places" in response.text
    response = client.post("/api/subscriptions/webpush", json=body(fake_push, "y", places=[{"area_code": "99999"}]))
    assert response.status_code == 422 and "99999" in response.json()["detail"]


def test_unsubscribe(client: TestClient, fake_push: FakePushState) -> None:
    name = f"api-{uuid.uuid4().hex[:8]}"
    assert client.post("/api/subscriptions/webpush", json=body(fake_push, name)).status_code == 201
    endpoint = fake_push.endpoint(name)
    assert client.delete("/api/subscriptions/webpush", params={"endpoint": endpoint}).status_code == 204
    assert client.delete("/api/subscriptions/webpush", params={"endpoint": endpoint}).status_code == 404


def test_vapid_public_key_is_served(client: TestClient) -> None:
    key = client.get("/api/push/vapid-public-key").json()["publicKey"]
    assert len(key) == 87  # 65 bytes base64url
