"""Hostile alert input answers 4xx problem+json and writes nothing (issue 20, 'Low: 5xx on bad input')."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alerts.models import Alert
from hub.audit.models import AuditEntry
from hub.settings import Settings
from tests.alerts.conftest import make_staff

ATTACKS: dict[str, dict[str, Any]] = {
    "nul-in-alert-title": {"messages": {"ja": {"title": "a\x00b", "body": "x"}}},
    "nul-in-alert-body": {"messages": {"ja": {"title": "t", "body": "x\x00"}}},
    "nul-in-english-text": {"messages": {"ja": {"title": "t", "body": "b"}, "en": {"title": "\x00", "body": "b"}}},
    "expires-year-9999": {"expires_at": "9999-12-31T23:59:59+09:00"},
    "expires-year-0001": {"expires_at": "0001-01-01T00:00:00+09:00"},
    "expires-without-timezone": {"expires_at": "2030-01-01T00:00:00"},
}


@pytest.mark.parametrize("name", list(ATTACKS))
def test_hostile_alert_update_is_a_4xx_problem_and_writes_nothing(
    client: TestClient, db: Session, settings: Settings, name: str
) -> None:
    alert = Alert(
        kind="evacuation_order",
        status="sent",
        level=4,
        hazard="flood",
        messages={"ja": {"title": "避難指示", "body": "避難してください"}},
        area_codes=["13109"],
        sent_at=datetime.now(UTC),
    )
    db.add(alert)
    db.flush()
    approver = make_staff(db, settings, ["approver"])
    counts = [db.scalar(select(func.count()).select_from(model)) for model in (Alert, AuditEntry)]
    response = client.post(f"/api/alerts/{alert.id}/update", json=ATTACKS[name], headers=approver.headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [db.scalar(select(func.count()).select_from(model)) for model in (Alert, AuditEntry)] == counts


def test_a_plausible_update_still_goes_out(client: TestClient, db: Session, settings: Settings) -> None:
    alert = Alert(kind="evacuation_order", status="sent", level=4, messages={"ja": {"title": "t", "body": "b"}})
    db.add(alert)
    db.flush()
    approver = make_staff(db, settings, ["approver"])
    body = {"messages": {"ja": {"title": "更新", "body": "本文"}}, "expires_at": "2030-01-01T00:00:00+09:00"}
    response = client.post(f"/api/alerts/{alert.id}/update", json=body, headers=approver.headers)
    assert response.status_code == 200, response.text
