"""No public read exposes staff or subscriber data: not who changed a shelter, not users, not subscriptions."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.models import Subscription
from hub.orders.models import EvacuationOrder
from hub.shelters.models import Shelter
from hub.users import service as users
from tests.hub.api.test_tiles import tile_of

STAFF_NAME = "staff-secret-alice"
USER_NAME = "secret-user-bob"
ENDPOINT = "https://push.example.org/secret-endpoint-zzz"
LAT, LON = 35.6055, 139.7125
STAFF_KEYS = ("status_changed_by", "drafted_by", "approved_by", "password_hash", "roles", "failed_logins", "keys")


@pytest.fixture
def secrets(db: Session) -> int:
    """A shelter changed by a named staff member, an order by a user, a resident's push subscription."""
    user = users.create_user(db, username=USER_NAME, password="", password_hash="x", roles=["approver"])
    shelter = db.scalars(select(Shelter).where(Shelter.source_id == "E1310900037201")).one()
    shelter.status, shelter.status_changed_by, shelter.status_changed_at = "open", STAFF_NAME, datetime.now(UTC)
    db.add(
        EvacuationOrder(
            level=4,
            hazard="flood",
            status="issued",
            area_codes=["13109"],
            drafted_by=user.id,
            approved_by=user.id,
            issued_at=datetime.now(UTC),
        )
    )
    db.add(Subscription(channel="webpush", address=ENDPOINT, keys={"auth": "secret-auth-key"}, area_codes=["13109"]))
    db.flush()
    return shelter.id


def public_urls(shelter_id: int) -> list[str]:
    x, y = tile_of(LON, LAT, 14)
    return [
        "/api/shelters",
        f"/api/shelters/{shelter_id}",
        f"/api/shelters/nearest?lat={LAT}&lon={LON}&open_only=true",
        f"/api/point-info?lat={LAT}&lon={LON}",
        "/api/orders",
        "/api/stations?area=13109",
        "/api/hazard-zones",
        "/api/inundation",
        "/api/areas",
        f"/tiles/shelters/14/{x}/{y}.mvt",
        "/opendata/",
        "/opendata/shelters.csv",
        "/opendata/designated-shelters.csv",
        "/opendata/shelters-tokyo.csv",
        "/opendata/shelters.geojson",
        "/ogcapi/collections/shelters/items?limit=1000",
        f"/ogcapi/collections/shelters/items/{shelter_id}",
    ]


def test_public_reads_never_show_staff_or_subscribers(client: TestClient, secrets: int) -> None:
    shown_open = client.get(f"/api/shelters/{secrets}").json()["properties"]
    assert shown_open["status"] == "open"  # the change is visible to the reads below
    for url in public_urls(secrets):
        response = client.get(url, headers={"Accept-Encoding": "identity"})
        assert response.status_code == 200, url
        body = response.content
        if body.startswith(b"\x1f\x8b"):
            body = gzip.decompress(body)
        text = body.decode("utf-8", errors="replace")
        for secret in (STAFF_NAME, USER_NAME, ENDPOINT, "secret-auth-key"):
            assert secret not in text, (url, secret)
        for key in STAFF_KEYS:
            assert f'"{key}"' not in text, (url, key)
