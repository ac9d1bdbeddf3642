"""Evacuation orders: validation, four-eyes, issue → alert draft, lift, public view without staff."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.models import Alert
from hub.audit.models import AuditEntry
from hub.events.models import Event
from tests.conftest import DATA
from tests.hub.api.staff.conftest import MakeStaff, Staff

WARDS = {
    f["properties"]["N03_007"]: shape(f["geometry"])
    for f in json.loads((DATA / "boundaries/n03_4wards.geojson").read_text("utf-8"))["features"]
}
#: A small square near Gotanda station (Shinagawa), drawn by a coordinator.
DRAWN = {
    "type": "Polygon",
    "coordinates": [[[139.72, 35.62], [139.73, 35.62], [139.73, 35.63], [139.72, 35.63], [139.72, 35.62]]],
}
BOWTIE = {
    "type": "Polygon",
    "coordinates": [[[139.7, 35.6], [139.71, 35.61], [139.71, 35.6], [139.7, 35.61], [139.7, 35.6]]],
}


def draft(client: TestClient, who: Staff, **body: Any) -> dict[str, Any]:
    payload = {"level": 4, "hazard": "flood", "area_codes": ["13109"], "reason": "目黒川 氾濫のおそれ"} | body
    response = client.post("/api/orders", json=payload, headers=who.headers)
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"/api/orders/{response.json()['id']}"
    result: dict[str, Any] = response.json()
    return result


def step(client: TestClient, who: Staff, order_id: int, action: str, **headers: str) -> Any:
    return client.post(f"/api/orders/{order_id}/{action}", headers=who.headers | headers)


def test_four_eyes(client: TestClient, make_staff: MakeStaff) -> None:
    both = make_staff("coordinator", "approver")
    order = draft(client, both)
    assert order["status"] == "draft" and order["drafted_by"] == both.user.username
    own = step(client, both, order["id"], "approve")
    assert own.status_code == 403
    assert own.json()["type"] == "urn:bosai:problem:four-eyes"
    assert own.headers["content-type"].startswith("application/problem+json")
    other = make_staff("approver")
    approved = step(client, other, order["id"], "approve")
    assert approved.status_code == 200
    assert approved.json()["approved_by"] == other.user.username
    # With a second person's approval, the drafter (also an approver) may issue.
    assert step(client, both, order["id"], "issue").status_code == 200


def test_issue_drafts_an_alert_and_publishes(client: TestClient, db: Session, make_staff: MakeStaff) -> None:
    drafter, approver = make_staff("coordinator"), make_staff("approver")
    order = draft(client, drafter, level=5, hazard="inland_flood", area_codes=["13109", "13110"], geometry=DRAWN)
    step(client, approver, order["id"], "approve")
    issued = step(client, approver, order["id"], "issue")
    assert issued.status_code == 200, issued.text
    assert issued.json()["status"] == "issued" and issued.json()["issued_at"]
    alert = db.get(Alert, issued.json()["alert_id"])
    assert alert is not None
    assert (alert.kind, alert.status, alert.level, alert.hazard, alert.order_id) == (
        "evacuation_order",
        "draft",
        5,
        "inland_flood",
        order["id"],
    )
    assert list(alert.area_codes) == ["13109", "13110"]
    assert (alert.urgency, alert.severity, alert.sent_at) == ("Immediate", "Extreme", None)
    assert alert.geom is not None
    event = db.scalars(select(Event).order_by(Event.id.desc()).limit(1)).one()
    assert event.kind == "order.issued" and event.payload["id"] == order["id"]
    assert event.payload["level_name"] == "緊急安全確保"

    lifted = step(client, approver, order["id"], "lift")
    assert lifted.status_code == 200 and lifted.json()["status"] == "lifted"
    update = db.get(Alert, lifted.json()["alert_id"])
    assert update is not None
    assert (update.kind, update.msg_type, update.references_id, update.status) == (
        "evacuation_order_lifted",
        "Update",
        alert.id,
        "draft",
    )
    actions = db.scalars(
        select(AuditEntry.action).where(AuditEntry.entity_id == str(order["id"])).order_by(AuditEntry.id)
    ).all()
    assert actions == ["order.draft", "order.approve", "order.issue", "order.lift"]


def test_drafts_are_not_public(client: TestClient, db: Session, make_staff: MakeStaff) -> None:
    before = db.scalar(select(Event.id).order_by(Event.id.desc()).limit(1))
    order = draft(client, make_staff("coordinator"))
    step(client, make_staff("approver"), order["id"], "approve")
    assert db.scalar(select(Event.id).order_by(Event.id.desc()).limit(1)) == before
    public = client.get("/api/orders").json()
    assert order["id"] not in [f["id"] for f in public["features"]]


def test_public_orders_show_area_without_staff(client: TestClient, make_staff: MakeStaff) -> None:
    drafter, approver = make_staff("coordinator", username="drafter-x"), make_staff("approver", username="approver-y")
    by_code = draft(client, drafter, area_codes=["13110"], level=3)
    by_polygon = draft(client, drafter, area_codes=[], geometry=DRAWN)
    for order in (by_code, by_polygon):
        step(client, approver, order["id"], "approve")
        step(client, approver, order["id"], "issue")
    response = client.get("/api/orders")
    assert response.status_code == 200
    assert "max-age" in response.headers["cache-control"]
    assert "drafter-x" not in response.text and "approver-y" not in response.text
    assert "drafted_by" not in response.text and "approved_by" not in response.text
    features = {f["id"]: f for f in response.json()["features"]}
    ward = shape(features[by_code["id"]]["geometry"])
    assert ward.symmetric_difference(WARDS["13110"]).area / WARDS["13110"].area < 0.01
    assert features[by_code["id"]]["properties"]["level_name"] == "高齢者等避難"
    drawn = shape(features[by_polygon["id"]]["geometry"])
    assert drawn.symmetric_difference(shape(DRAWN)).area < 1e-9


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"area_codes": ["13109", "99999"]}, "body.area_codes"),
        ({"area_codes": [], "geometry": None}, "body.area_codes"),
        ({"area_codes": [], "geometry": BOWTIE}, "body.geometry"),
        ({"area_codes": [], "geometry": {"type": "Point", "coordinates": [139.7, 35.6]}}, "body.geometry"),
        ({"area_codes": [], "geometry": {"type": "Polygon", "coordinates": "nope"}}, "body.geometry"),
        ({"level": 2}, "body.level"),
        ({"hazard": "meteor"}, "body.hazard"),
    ],
)
def test_bad_drafts_are_422_naming_the_field(
    body: dict[str, Any], field: str, client: TestClient, make_staff: MakeStaff
) -> None:
    payload = {"level": 4, "hazard": "flood", "area_codes": ["13109"]} | body
    response = client.post("/api/orders", json=payload, headers=make_staff("coordinator").headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_impossible_steps_are_409_and_stale_if_match_412(client: TestClient, make_staff: MakeStaff) -> None:
    drafter, approver = make_staff("coordinator"), make_staff("approver")
    order = draft(client, drafter)
    assert step(client, approver, order["id"], "issue").status_code == 409
    assert step(client, approver, order["id"], "lift").status_code == 409
    stale = step(client, approver, order["id"], "approve", **{"If-Match": 'W/"99"'})
    assert stale.status_code == 412
    current = client.get(f"/api/orders/{order['id']}", headers=approver.headers)
    approved = step(client, approver, order["id"], "approve", **{"If-Match": current.headers["etag"]})
    assert approved.status_code == 200
    step(client, approver, order["id"], "issue")
    cancel = step(client, drafter, order["id"], "cancel")
    assert cancel.status_code == 409
    assert cancel.json()["type"] == "urn:bosai:problem:invalid-transition"
    assert client.get("/api/orders/999999", headers=approver.headers).status_code == 404


def test_staff_list_filters_by_status(client: TestClient, make_staff: MakeStaff) -> None:
    drafter, viewer = make_staff("coordinator"), make_staff("viewer")
    kept, dropped = draft(client, drafter), draft(client, drafter)
    assert step(client, drafter, dropped["id"], "cancel").status_code == 200
    cancelled = client.get("/api/orders/all", params={"status": "cancelled"}, headers=viewer.headers).json()
    assert dropped["id"] in [o["id"] for o in cancelled] and kept["id"] not in [o["id"] for o in cancelled]
