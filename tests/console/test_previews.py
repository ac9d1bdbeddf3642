"""Approvers' previews: the alert an order would produce (rolled back) and the CAP of a draft alert."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alerts.cap import validate_cap
from alerts.models import Alert
from bosai.web import ORDER_LISTENERS
from hub.events.models import Event
from hub.orders import service as orders
from hub.orders.models import EvacuationOrder
from hub.settings import Settings
from hub.users import service as users
from hub.users.auth import hash_password, issue_access_token, signing_secret

CAP_SCHEMA = Path(__file__).resolve().parents[2] / "data" / "cap" / "cap-v1.2.xsd"
SHINAGAWA = "13109"


@pytest.fixture
def headers(db: Session, settings: Settings) -> dict[str, str]:
    """A viewer's bearer token (previews only need to read)."""
    user = users.create_user(
        db, username="preview-viewer", password="", password_hash=hash_password("x" * 12), roles=["viewer"]
    )
    db.commit()
    token = issue_access_token(
        secret=signing_secret(settings),
        user_id=user.id,
        username=user.username,
        now=datetime.now(UTC),
        ttl=timedelta(minutes=5),
    )
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def draft(db: Session) -> EvacuationOrder:
    """A level-4 flood order for Shinagawa, still a draft."""
    drafter = users.create_user(
        db, username="preview-drafter", password="", password_hash=hash_password("x" * 12), roles=["coordinator"]
    )
    order = orders.draft(
        db,
        level=4,
        hazard="flood",
        area_codes=[SHINAGAWA],
        geometry=None,
        reason="目黒川の水位上昇",
        drafter_id=drafter.id,
    )
    db.commit()
    return order


def counts(db: Session) -> tuple[int, int]:
    return (
        int(db.scalar(select(func.count()).select_from(Alert)) or 0),
        int(db.scalar(select(func.count()).select_from(Event)) or 0),
    )


def test_order_alert_preview_renders_every_language_and_stores_nothing(
    client: TestClient, db: Session, headers: dict[str, str], draft: EvacuationOrder
) -> None:
    before = counts(db)
    response = client.get(f"/api/orders/{draft.id}/alert-preview", headers=headers)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert set(body["messages"]) == {"ja", "ja-easy", "en", "zh-Hans", "ko"}
    assert all(m["title"] and m["body"] for m in body["messages"].values())
    assert "避難指示" in body["messages"]["ja"]["title"]
    assert (body["level"], body["urgency"], body["severity"]) == (4, "Immediate", "Severe")
    assert validate_cap(body["cap"].encode(), CAP_SCHEMA) == []
    assert counts(db) == before
    db.expire_all()
    stored = db.get(EvacuationOrder, draft.id)
    assert stored is not None and (stored.status, stored.issued_at, stored.version) == ("draft", None, 1)


def test_issued_orders_and_strangers_get_no_preview(
    client: TestClient, db: Session, headers: dict[str, str], draft: EvacuationOrder
) -> None:
    assert client.get(f"/api/orders/{draft.id}/alert-preview").status_code == 401
    draft.status = "issued"
    db.commit()
    response = client.get(f"/api/orders/{draft.id}/alert-preview", headers=headers)
    assert response.status_code == 409
    assert client.get("/api/orders/2147483647/alert-preview", headers=headers).status_code == 404


def test_cap_preview_of_a_draft_alert_is_valid_cap(
    client: TestClient, db: Session, headers: dict[str, str], draft: EvacuationOrder
) -> None:
    draft.status = "approved"
    _, drafted = orders.issue(db, draft, now=datetime.now(UTC), listeners=ORDER_LISTENERS)
    alert = db.get(Alert, drafted["alert_id"])
    assert alert is not None
    db.commit()
    assert client.get(f"/api/alerts/{alert.id}.cap").status_code == 404  # not published yet
    response = client.get(f"/api/alerts/{alert.id}/cap-preview", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/cap+xml")
    assert response.headers["x-bosai-preview"] == "true"
    assert str(alert.identifier) in response.text
    assert client.get(f"/api/alerts/{alert.id}/cap-preview").status_code == 401
    assert client.get("/api/alerts/2147483647/cap-preview", headers=headers).status_code == 404
