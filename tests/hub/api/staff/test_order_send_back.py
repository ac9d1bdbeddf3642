"""Sending an order draft back with a comment: four-eyes, roles, statuses, the drafter's revision, audit."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.audit.models import AuditEntry
from hub.orders.models import EvacuationOrder
from tests.hub.api.staff.conftest import MakeStaff, Staff
from tests.hub.api.staff.test_orders import draft, step

COMMENT = "対象に大崎一丁目を追加してください"


def send_back(client: TestClient, who: Staff, order_id: int, comment: Any = COMMENT, **headers: str) -> Any:
    return client.post(f"/api/orders/{order_id}/send-back", json={"comment": comment}, headers=who.headers | headers)


def resubmit(client: TestClient, who: Staff, order_id: int, **body: Any) -> Any:
    payload = {"level": 4, "hazard": "flood", "area_codes": ["13109", "13110"], "reason": "追加しました"} | body
    return client.post(f"/api/orders/{order_id}/resubmit", json=payload, headers=who.headers)


def audit_trail(db: Session, order_id: int) -> list[tuple[str, str, dict[str, Any] | None]]:
    rows = db.execute(
        select(AuditEntry.action, AuditEntry.actor, AuditEntry.after)
        .where(AuditEntry.entity == "evacuation_order", AuditEntry.entity_id == str(order_id))
        .order_by(AuditEntry.id)
    ).all()
    return [(r.action, r.actor, r.after) for r in rows]


def test_send_back_resubmit_and_approve(client: TestClient, db: Session, make_staff: MakeStaff) -> None:
    drafter, approver = make_staff("coordinator"), make_staff("approver")
    order = draft(client, drafter)
    returned = send_back(client, approver, order["id"], f"  {COMMENT}  ")
    assert returned.status_code == 200, returned.text
    body = returned.json()
    assert (body["status"], body["return_comment"], body["returned_by"]) == (
        "returned",
        COMMENT,
        approver.user.username,
    )
    assert body["version"] == order["version"] + 1 and returned.headers["etag"] == f'W/"{body["version"]}"'
    seen = client.get(f"/api/orders/{order['id']}", headers=drafter.headers).json()
    assert (seen["status"], seen["return_comment"]) == ("returned", COMMENT)
    assert step(client, approver, order["id"], "approve").status_code == 409  # a returned order is not approvable
    again = resubmit(client, drafter, order["id"])
    assert again.status_code == 200, again.text
    revised = again.json()
    assert (revised["status"], revised["area_codes"], revised["reason"]) == (
        "draft",
        ["13109", "13110"],
        "追加しました",
    )
    assert revised["return_comment"] == COMMENT  # kept on record for the approver's second look
    assert step(client, approver, order["id"], "approve").json()["status"] == "approved"
    trail = audit_trail(db, order["id"])
    assert [(a, actor) for a, actor, _ in trail] == [
        ("order.draft", drafter.user.username),
        ("order.send_back", approver.user.username),
        ("order.resubmit", drafter.user.username),
        ("order.approve", approver.user.username),
    ]
    assert trail[1][2] is not None and trail[1][2]["status"] == "returned" and trail[1][2]["return_comment"] == COMMENT


def test_the_drafter_cannot_send_back_their_own_draft(client: TestClient, db: Session, make_staff: MakeStaff) -> None:
    both = make_staff("approver")
    order = draft(client, both)
    own = send_back(client, both, order["id"])
    assert own.status_code == 403 and own.json()["type"] == "urn:bosai:problem:four-eyes"
    stored = db.get(EvacuationOrder, order["id"])
    assert stored is not None and (stored.status, stored.return_comment) == ("draft", None)


@pytest.mark.parametrize("roles", [("viewer",), ("operator",), ("coordinator",)])
def test_only_approvers_send_back(client: TestClient, make_staff: MakeStaff, roles: tuple[str, ...]) -> None:
    order = draft(client, make_staff("coordinator"))
    assert send_back(client, make_staff(*roles), order["id"]).status_code == 403


@pytest.mark.parametrize("comment", ["", "   ", "x" * 2001, None, "nul \x00 byte"])
def test_a_comment_is_required(client: TestClient, make_staff: MakeStaff, comment: Any) -> None:
    order = draft(client, make_staff("coordinator"))
    response = send_back(client, make_staff("approver"), order["id"], comment)
    assert response.status_code == 422
    assert any(e["field"].endswith("comment") for e in response.json()["errors"]), response.json()


def test_only_drafts_are_sent_back_and_stale_versions_refused(client: TestClient, make_staff: MakeStaff) -> None:
    drafter, approver = make_staff("coordinator"), make_staff("approver")
    order = draft(client, drafter)
    assert send_back(client, approver, order["id"], **{"If-Match": '"99"'}).status_code == 412
    step(client, approver, order["id"], "approve")
    late = send_back(client, approver, order["id"])
    assert late.status_code == 409 and late.json()["type"] == "urn:bosai:problem:invalid-transition"
    assert send_back(client, approver, 2_000_000_000).status_code == 404


def test_only_the_drafter_resubmits_and_only_a_returned_order(client: TestClient, make_staff: MakeStaff) -> None:
    drafter, colleague, approver = make_staff("coordinator"), make_staff("coordinator"), make_staff("approver")
    order = draft(client, drafter)
    assert resubmit(client, drafter, order["id"]).status_code == 409  # still a draft
    send_back(client, approver, order["id"])
    other = resubmit(client, colleague, order["id"])
    assert other.status_code == 403 and other.json()["type"] == "urn:bosai:problem:not-drafter"
    assert resubmit(client, make_staff("viewer"), order["id"]).status_code == 403
    bad = resubmit(client, drafter, order["id"], area_codes=["99999"])
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.area_codes"
    assert client.get(f"/api/orders/{order['id']}", headers=drafter.headers).json()["status"] == "returned"


def test_a_returned_order_can_be_cancelled_and_is_not_public(client: TestClient, make_staff: MakeStaff) -> None:
    drafter, approver = make_staff("coordinator"), make_staff("approver")
    order = draft(client, drafter)
    send_back(client, approver, order["id"])
    assert order["id"] not in [f["id"] for f in client.get("/api/orders").json()["features"]]
    listed = client.get("/api/orders/all", params={"status": "returned"}, headers=drafter.headers).json()
    assert order["id"] in [o["id"] for o in listed] and {o["status"] for o in listed} == {"returned"}
    assert step(client, drafter, order["id"], "cancel").json()["status"] == "cancelled"


def test_a_nul_byte_in_a_reason_is_422_not_a_server_error(client: TestClient, make_staff: MakeStaff) -> None:
    body = {"level": 4, "hazard": "flood", "area_codes": ["13109"], "reason": "a\x00b"}
    response = client.post("/api/orders", json=body, headers=make_staff("coordinator").headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.reason"
