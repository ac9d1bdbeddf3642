"""POST/DELETE /api/subscriptions/webpush: validation, places as geometry, no SSRF, no leaks."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from alerts.models import Subscription
from hub.api.deps import get_session
from hub.settings import Settings
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


def test_a_post_with_other_keys_cannot_take_over_a_subscription(
    client: TestClient, db: Session, fake_push: FakePushState
) -> None:
    victim, attacker = f"api-{uuid.uuid4().hex[:8]}", f"api-{uuid.uuid4().hex[:8]}"
    assert client.post("/api/subscriptions/webpush", json=body(fake_push, victim)).status_code == 201
    attack = body(fake_push, attacker, languages=["ko"], places=[{"area_code": "13109"}])
    attack["subscription"]["endpoint"] = fake_push.endpoint(victim)  # type: ignore[index]
    response = client.post("/api/subscriptions/webpush", json=attack)
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "unsubscribe" in response.json()["detail"]
    sub = db.scalars(select(Subscription).where(Subscription.address == fake_push.endpoint(victim))).one()
    db.refresh(sub)
    assert sub.keys == fake_push.keys(victim).subscription_keys()
    assert (sub.languages, sub.area_codes) == (["en", "ja"], ["13110"])
    # The owner, who sends its own keys, still updates its preferences; new keys need an unsubscribe first.
    assert client.post("/api/subscriptions/webpush", json=body(fake_push, victim, languages=["ko"])).status_code == 201
    db.refresh(sub)
    assert (sub.languages, sub.keys) == (["ko"], fake_push.keys(victim).subscription_keys())
    assert (
        client.delete("/api/subscriptions/webpush", params={"endpoint": fake_push.endpoint(victim)}).status_code == 204
    )
    assert client.post("/api/subscriptions/webpush", json=attack).status_code == 201


@pytest.mark.parametrize(
    ("endpoint", "status"),
    [
        ("https://fcm.push.example.org:8443/push/x", 422),
        ("https://fcm.push.example.org:22/push/x", 422),
        ("https://fcm.push.example.org:99999/push/x", 422),
        ("https://fcm.push.example.org:443/push/x", 201),
        ("https://fcm.push.example.org/push/x", 201),
    ],
)
def test_push_endpoints_must_use_port_443(
    client: TestClient, db: Session, fake_push: FakePushState, endpoint: str, status: int
) -> None:
    data = body(fake_push, "port")
    data["subscription"]["endpoint"] = endpoint  # type: ignore[index]
    response = client.post("/api/subscriptions/webpush", json=data)
    assert response.status_code == status, response.text
    stored = db.scalar(select(text("count(*)")).select_from(Subscription).where(Subscription.address == endpoint))
    assert stored == (1 if status == 201 else 0)
    if status == 422:
        assert "port" in response.json()["detail"]


def test_anonymous_subscription_writes_are_rate_limited(
    settings: Settings, engine: Engine, queue: str, db: Session, fake_push: FakePushState
) -> None:
    from bosai.web import create_app

    app = create_app(settings.model_copy(update={"rate_limits": {"subscribe": "3/hour"}}), engine)
    app.dependency_overrides[get_session] = lambda: db
    names = [f"api-{uuid.uuid4().hex[:8]}" for _ in range(4)]
    with TestClient(app) as http:
        statuses = [http.post("/api/subscriptions/webpush", json=body(fake_push, n)).status_code for n in names[:2]]
        statuses.append(
            http.delete("/api/subscriptions/webpush", params={"endpoint": fake_push.endpoint(names[0])}).status_code
        )
        refused = http.post("/api/subscriptions/webpush", json=body(fake_push, names[3]))
        refused_delete = http.delete("/api/subscriptions/webpush", params={"endpoint": fake_push.endpoint(names[1])})
    assert statuses == [201, 201, 204]
    assert refused.status_code == 429, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert int(refused.headers["retry-after"]) > 0 and "subscribe" in refused.json()["detail"]
    assert refused_delete.status_code == 429
    stored = db.scalars(
        select(Subscription.address).where(Subscription.address.in_([fake_push.endpoint(n) for n in names]))
    )
    assert sorted(stored) == [fake_push.endpoint(names[1])]
