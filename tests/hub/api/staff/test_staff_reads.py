"""Order target counts (subscribers, signs, shelters) and a shelter's history, for the staff console."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from geoalchemy2.elements import WKTElement
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alerts.models import SignageDevice, Subscription
from hub.shelters.models import Shelter
from hub.shelters.queries import shelter_features
from tests.hub.api.staff.conftest import MakeStaff, Staff

SHINAGAWA = "13109"
MEGURO = "13110"
#: A point inside Shinagawa (Ōimachi station) and one in Meguro (Meguro ward office).
IN_SHINAGAWA = (139.7346, 35.6065)
IN_MEGURO = (139.6982, 35.6414)


def circle(lon: float, lat: float) -> WKTElement:
    """A small square around a point, as a subscriber's place."""
    d = 0.001
    ring = f"{lon - d} {lat - d}, {lon + d} {lat - d}, {lon + d} {lat + d}, {lon - d} {lat + d}, {lon - d} {lat - d}"
    return WKTElement(f"MULTIPOLYGON((({ring})))", srid=4326)


def add_targets(db: Session) -> None:
    """Subscribers and a sign: two in Shinagawa (one flood-only, one by area code), one in Meguro."""
    db.add_all(
        [
            Subscription(channel="webpush", address="https://push.test/a", geom=circle(*IN_SHINAGAWA), hazards=[]),
            Subscription(channel="line", address="Ulinetest1", area_codes=[SHINAGAWA], hazards=["flood"]),
            Subscription(channel="webpush", address="https://push.test/b", geom=circle(*IN_MEGURO), hazards=[]),
            Subscription(channel="webpush", address="https://push.test/c", geom=circle(*IN_SHINAGAWA), active=False),
            SignageDevice(
                device_id="console-test-sign",
                name="大井町駅",
                token_hash="x",
                location=WKTElement(f"POINT({IN_SHINAGAWA[0]} {IN_SHINAGAWA[1]})", srid=4326),
            ),
        ]
    )
    db.commit()


def test_targets_of_a_ward(client: TestClient, make_staff: MakeStaff, db: Session) -> None:
    add_targets(db)
    viewer = make_staff("viewer")
    response = client.get("/api/orders/preview-targets", params={"area": SHINAGAWA}, headers=viewer.headers)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert [a["code"] for a in body["areas"]] == [SHINAGAWA]
    assert body["subscribers"] == {"total": 2, "by_channel": {"line": 1, "webpush": 1}}
    assert body["signs"] == 1
    expected = len(shelter_features(db, area_code=SHINAGAWA))
    assert body["shelters"] == expected > 0
    assert body["residents"] is None  # the bundled boundaries carry no population
    only_quake = client.get(
        "/api/orders/preview-targets", params={"area": SHINAGAWA, "hazard": "earthquake"}, headers=viewer.headers
    ).json()
    assert only_quake["subscribers"]["by_channel"] == {"webpush": 1}


def test_targets_of_a_drawn_polygon(client: TestClient, make_staff: MakeStaff, db: Session) -> None:
    add_targets(db)
    who = make_staff("coordinator")
    lon, lat = IN_MEGURO
    d = 0.01
    ring = [[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d], [lon - d, lat - d]]
    geometry = json.dumps({"type": "Polygon", "coordinates": [ring]})
    body = client.get("/api/orders/preview-targets", params={"geometry": geometry}, headers=who.headers).json()
    assert body["subscribers"]["by_channel"] == {"webpush": 1}
    assert body["signs"] == 0 and body["areas"] == []
    inside = db.scalar(
        select(func.count())
        .select_from(Shelter)
        .where(func.ST_Intersects(Shelter.location, func.ST_GeomFromGeoJSON(geometry)))
    )
    assert body["shelters"] == inside


def test_bad_target_input(client: TestClient, make_staff: MakeStaff) -> None:
    who = make_staff("coordinator")
    for params, field in (
        ({}, "query.area"),
        ({"area": "99999"}, "query.area"),
        ({"geometry": "{not json"}, "query.geometry"),
        ({"geometry": json.dumps({"type": "Point", "coordinates": [139.7, 35.6]})}, "query.geometry"),
    ):
        response = client.get("/api/orders/preview-targets", params=params, headers=who.headers)
        assert response.status_code == 422, params
        assert response.json()["errors"][0]["field"] == field
    assert client.get("/api/orders/preview-targets", params={"area": SHINAGAWA}).status_code == 401


def test_shelter_history_newest_first(
    client: TestClient, staff: dict[str, Staff], shelter: Shelter, other_shelter: Shelter
) -> None:
    who = staff["coordinator"]
    state = client.get(f"/api/shelters/{shelter.id}/state", headers=who.headers)
    tag = state.headers["etag"]
    opened = client.post(
        f"/api/shelters/{shelter.id}/status", json={"status": "open"}, headers=who.headers | {"If-Match": tag}
    )
    assert opened.status_code == 200
    counted = client.patch(
        f"/api/shelters/{shelter.id}/occupancy",
        json={"occupancy": 12},
        headers=who.headers | {"If-Match": opened.headers["etag"]},
    )
    assert counted.status_code == 200
    body = client.get(f"/api/shelters/{shelter.id}/history", headers=staff["viewer"].headers).json()
    assert body["total"] == 2
    first, second = body["items"]
    assert first["action"] == "shelter.occupancy" and first["after"]["occupancy"] == 12
    assert second["action"] == "shelter.status" and second["before"]["status"] == "closed"
    assert second["after"]["status"] == "open" and second["actor"] == who.user.username
    assert "remote_addr" not in first
    other = client.get(f"/api/shelters/{other_shelter.id}/history", headers=who.headers).json()
    assert other["total"] == 0


def test_shelter_history_for_a_link_only_its_shelter(
    client: TestClient, staff: dict[str, Staff], shelter: Shelter, other_shelter: Shelter
) -> None:
    link = client.post(f"/api/shelters/{shelter.id}/operator-link", headers=staff["coordinator"].headers).json()
    headers = {"Authorization": f"Bearer {link['token']}"}
    own = client.get(f"/api/shelters/{shelter.id}/history", headers=headers)
    assert own.status_code == 200 and own.json()["items"][0]["action"] == "shelter.operator_link"
    assert client.get(f"/api/shelters/{other_shelter.id}/history", headers=headers).status_code == 403
    assert client.get("/api/shelters/2147483647/history", headers=staff["viewer"].headers).status_code == 404
