"""GET /api/audit: filters by actor, action, entity and time; pagination; admins only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from hub.audit import service as audit
from hub.audit.models import AuditEntry
from tests.hub.api.staff.conftest import MakeStaff

T0 = datetime(2030, 1, 1, tzinfo=UTC)


def seed(db: Session) -> list[int]:
    """Six entries by two actors, one per hour from T0 (in the future, so only these match a T0 range)."""
    ids = []
    for hour, (actor, action, entity) in enumerate(
        [
            ("kim", "shelter.status", "shelter"),
            ("kim", "shelter.occupancy", "shelter"),
            ("lee", "order.draft", "evacuation_order"),
            ("lee", "order.approve", "evacuation_order"),
            ("kim", "shelter.status", "shelter"),
            ("lee", "user.create", "user"),
        ]
    ):
        entry = audit.record(
            db,
            actor=actor,
            action=action,
            entity=entity,
            entity_id=hour,
            before=None,
            after={"n": hour},
            remote_addr=None,
        )
        db.execute(update(AuditEntry).where(AuditEntry.id == entry.id).values(at=T0 + timedelta(hours=hour)))
        ids.append(entry.id)
    db.commit()
    return ids


def query(client: TestClient, headers: dict[str, str], **params: str | int) -> dict[str, object]:
    base: dict[str, str | int] = {"from": T0.isoformat()}
    response = client.get("/api/audit", params=base | params, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def entity_ids(body: dict[str, object]) -> list[str]:
    items = body["items"]
    assert isinstance(items, list)
    return [item["entity_id"] for item in items]


def test_filters(client: TestClient, db: Session, make_staff: MakeStaff) -> None:
    seed(db)
    admin = make_staff("admin").headers
    assert entity_ids(query(client, admin)) == ["5", "4", "3", "2", "1", "0"]  # newest first
    assert entity_ids(query(client, admin, actor="kim")) == ["4", "1", "0"]
    assert entity_ids(query(client, admin, action="shelter.status")) == ["4", "0"]
    assert entity_ids(query(client, admin, action="order.")) == ["3", "2"]
    assert entity_ids(query(client, admin, entity="user")) == ["5"]
    assert entity_ids(query(client, admin, entity="shelter", entity_id="1")) == ["1"]
    window = {"from": (T0 + timedelta(hours=1)).isoformat(), "to": (T0 + timedelta(hours=3)).isoformat()}
    assert entity_ids(query(client, admin, **window)) == ["2", "1"]


def test_pagination(client: TestClient, db: Session, make_staff: MakeStaff) -> None:
    seed(db)
    admin = make_staff("admin").headers
    first = query(client, admin, limit=4)
    second = query(client, admin, limit=4, offset=4)
    assert (first["total"], second["total"]) == (6, 6)
    assert entity_ids(first) + entity_ids(second) == ["5", "4", "3", "2", "1", "0"]


def test_bad_filters_are_422(client: TestClient, make_staff: MakeStaff) -> None:
    admin = make_staff("admin").headers
    response = client.get("/api/audit", params={"from": "yesterday", "limit": 0}, headers=admin)
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"query.from", "query.limit"}
