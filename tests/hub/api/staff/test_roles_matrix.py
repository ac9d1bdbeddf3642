"""Each role × each staff endpoint: allowed roles succeed, the others get 403, no token gets 401."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from bosai.web import ORDER_LISTENERS
from hub.orders import service as orders
from hub.orders.models import EvacuationOrder
from hub.shelters.models import Shelter
from hub.users.models import ROLES
from tests.hub.api.staff.conftest import MakeStaff, Staff

ALL = frozenset(ROLES)
OPERATIONS = frozenset({"coordinator", "approver"})


@dataclass(frozen=True)
class Case:
    """One staff endpoint: how to call it, who may, and what success looks like."""

    method: str
    path: str
    allowed: frozenset[str]
    success: int = 200
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    #: State the endpoint needs: "open" shelter, or an order in "draft"/"approved"/"issued".
    needs: str | None = None


CASES = [
    Case("GET", "/api/auth/me", ALL),
    Case("GET", "/api/users", frozenset({"admin"})),
    Case(
        "POST",
        "/api/users",
        frozenset({"admin"}),
        201,
        {"username": "new-viewer", "password": "a long enough password", "roles": ["viewer"]},
    ),
    Case("PATCH", "/api/users/{user}", frozenset({"admin"}), body={"display_name": "Renamed"}),
    Case("POST", "/api/users/{user}/unlock", frozenset({"admin"})),
    Case("GET", "/api/audit", frozenset({"admin"})),
    Case("GET", "/api/shelters/{shelter}/state", ALL),
    Case("POST", "/api/shelters/{shelter}/status", OPERATIONS, body={"status": "opening"}, headers={"If-Match": "*v"}),
    Case(
        "PATCH",
        "/api/shelters/{shelter}/occupancy",
        OPERATIONS,
        body={"occupancy": 10},
        headers={"If-Match": "*v"},
        needs="open",
    ),
    Case("POST", "/api/shelters/{shelter}/operator-link", OPERATIONS),
    Case("GET", "/api/orders/all", ALL),
    Case("GET", "/api/orders/{order}", ALL, needs="draft"),
    Case("POST", "/api/orders", OPERATIONS, 201, {"level": 4, "hazard": "flood", "area_codes": ["13109"]}),
    Case("POST", "/api/orders/{order}/approve", frozenset({"approver"}), needs="draft"),
    Case("POST", "/api/orders/{order}/issue", frozenset({"approver"}), needs="approved"),
    Case("POST", "/api/orders/{order}/lift", frozenset({"approver"}), needs="issued"),
    Case("POST", "/api/orders/{order}/cancel", OPERATIONS, needs="draft"),
    Case(
        "POST", "/api/orders/{order}/send-back", frozenset({"approver"}), body={"comment": "範囲を確認"}, needs="draft"
    ),
]
IDS = [f"{c.method} {c.path}" for c in CASES]


def _order(db: Session, drafter: Staff, approver: Staff, state: str) -> EvacuationOrder:
    order = orders.draft(
        db, level=4, hazard="flood", area_codes=["13109"], geometry=None, reason=None, drafter_id=drafter.user.id
    )
    if state in ("approved", "issued"):
        orders.approve(order, approver_id=approver.user.id)
    if state == "issued":
        orders.issue(db, order, now=order.created_at, listeners=ORDER_LISTENERS)
    db.commit()
    return order


def _prepare(
    case: Case, db: Session, make_staff: MakeStaff, shelter: Shelter
) -> Callable[[], tuple[str, dict[str, str]]]:
    """Set up the state the case needs; returns the concrete path and headers."""
    drafter, approver, target = make_staff("coordinator"), make_staff("approver"), make_staff("viewer")
    order = _order(db, drafter, approver, case.needs) if case.needs in ("draft", "approved", "issued") else None
    if case.needs == "open":
        shelter.status = "open"
        db.commit()

    def resolve() -> tuple[str, dict[str, str]]:
        path = case.path.format(shelter=shelter.id, user=target.user.id, order=order.id if order else 0)
        headers = {k: (f'W/"{shelter.version}"' if v == "*v" else v) for k, v in case.headers.items()}
        return path, headers

    return resolve


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_role_matrix(
    case: Case,
    role: str,
    client: TestClient,
    db: Session,
    staff: dict[str, Staff],
    make_staff: MakeStaff,
    shelter: Shelter,
) -> None:
    path, headers = _prepare(case, db, make_staff, shelter)()
    response = client.request(case.method, path, json=case.body, headers=staff[role].headers | headers)
    if role in case.allowed:
        assert response.status_code == case.success, response.text
    else:
        assert response.status_code == 403, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["status"] == 403


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_no_token_is_401_with_challenge(
    case: Case, client: TestClient, db: Session, make_staff: MakeStaff, shelter: Shelter
) -> None:
    path, headers = _prepare(case, db, make_staff, shelter)()
    response = client.request(case.method, path, json=case.body, headers=headers)
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.headers["content-type"].startswith("application/problem+json")


def test_operator_updates_only_assigned_shelters(
    client: TestClient, make_staff: MakeStaff, shelter: Shelter, other_shelter: Shelter
) -> None:
    operator = make_staff("operator", shelter_ids=(shelter.id,))
    mine = client.post(
        f"/api/shelters/{shelter.id}/status",
        json={"status": "opening"},
        headers=operator.headers | {"If-Match": f'W/"{shelter.version}"'},
    )
    assert mine.status_code == 200, mine.text
    assert mine.json()["status"] == "opening"
    theirs = client.post(
        f"/api/shelters/{other_shelter.id}/status",
        json={"status": "opening"},
        headers=operator.headers | {"If-Match": f'W/"{other_shelter.version}"'},
    )
    assert theirs.status_code == 403
    assert theirs.json()["type"] == "urn:bosai:problem:forbidden-shelter"
