"""Staff decisions over HTTP: approve enqueues the outbox job in the same transaction; update and cancel
send follow-ups that reference the original; expiry; every decision is audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.actions import expire_due
from alerts.drafting import process_pending_events
from alerts.fanout import mark_dispatched
from alerts.models import Alert, Delivery, Subscription
from alerts.queue import FANOUT_TASK, jobs_of_alert
from alerts.rules import default_rules
from hub.audit.models import AuditEntry
from hub.settings import Settings
from tests.alerts.conftest import add_danger_event, make_gauge, make_staff

NOW = datetime.now(UTC)


def draft(db: Session) -> Alert:
    station = make_gauge(db)
    add_danger_event(db, station, at=NOW)
    _, [alert] = process_pending_events(db, default_rules(), clock=lambda: NOW)
    return alert


def fanout_jobs(db: Session, alert_id: int) -> int:
    return jobs_of_alert(db, FANOUT_TASK, alert_id)


def test_approve_writes_the_outbox_job_with_the_approval(client: TestClient, db: Session, settings: Settings) -> None:
    alert = draft(db)
    staff = make_staff(db, settings, ["approver"])
    body = client.post(f"/api/alerts/{alert.id}/approve", json={"send": False}, headers=staff.headers).json()
    assert body["status"] == "approved" and fanout_jobs(db, alert.id) == 0
    assert client.post(f"/api/alerts/{alert.id}/send", headers=staff.headers).status_code == 200
    assert fanout_jobs(db, alert.id) == 1
    audit = db.scalars(select(AuditEntry).where(AuditEntry.entity_id == str(alert.id))).all()
    assert [a.action for a in audit] == ["alert.approve", "alert.send"]
    assert client.get("/api/alerts", params={"status": "approved"}, headers=staff.headers).status_code == 200
    assert client.get("/api/alerts").status_code == 401


def test_update_references_the_original_which_becomes_updated_when_sent(
    client: TestClient, db: Session, settings: Settings
) -> None:
    alert = draft(db)
    staff = make_staff(db, settings, ["approver"])
    client.post(f"/api/alerts/{alert.id}/approve", headers=staff.headers)
    mark_dispatched(db, alert.id, NOW)
    response = client.post(f"/api/alerts/{alert.id}/update", json={"level": 5}, headers=staff.headers)
    assert response.status_code == 200, response.text
    update = response.json()
    assert (update["msg_type"], update["references_id"], update["level"], update["status"]) == (
        "Update",
        alert.id,
        5,
        "approved",
    )
    assert update["messages"]["ja"]["title"].startswith("【更新】")
    assert update["messages"]["en"]["title"].startswith("[UPDATE] ")
    assert fanout_jobs(db, update["id"]) == 1
    mark_dispatched(db, update["id"], NOW)
    db.refresh(alert)
    assert alert.status == "updated"


def test_cancel_of_a_sent_alert_sends_a_cancel_message(client: TestClient, db: Session, settings: Settings) -> None:
    alert = draft(db)
    staff = make_staff(db, settings, ["approver"])
    client.post(f"/api/alerts/{alert.id}/approve", headers=staff.headers)
    mark_dispatched(db, alert.id, NOW)
    cancel = client.post(f"/api/alerts/{alert.id}/cancel", headers=staff.headers).json()
    assert (cancel["msg_type"], cancel["references_id"]) == ("Cancel", alert.id)
    assert cancel["messages"]["ja"]["title"] == "【解除】" + alert.messages["ja"]["title"]
    assert cancel["messages"]["en"]["title"] == "[CANCELLED] " + alert.messages["en"]["title"]
    mark_dispatched(db, cancel["id"], NOW)
    db.refresh(alert)
    assert alert.status == "cancelled"
    current = [a["id"] for a in client.get("/api/alerts/current").json()["alerts"]]
    assert alert.id not in current and cancel["id"] not in current


def test_cancel_of_a_draft_just_stops_it(client: TestClient, db: Session, settings: Settings) -> None:
    alert = draft(db)
    staff = make_staff(db, settings, ["approver"])
    body = client.post(f"/api/alerts/{alert.id}/cancel", headers=staff.headers).json()
    assert (body["id"], body["status"]) == (alert.id, "cancelled")
    assert client.post(f"/api/alerts/{alert.id}/update", json={}, headers=staff.headers).status_code == 409


def test_a_cancelled_approval_is_not_sent(db: Session) -> None:
    alert = draft(db)
    alert.status = "cancelled"
    db.flush()
    assert mark_dispatched(db, alert.id, NOW) is None


def test_expiry(db: Session) -> None:
    alert = draft(db)
    alert.status, alert.expires_at = "sent", NOW - timedelta(seconds=1)
    db.flush()
    assert expire_due(db, now=NOW) >= 1
    db.refresh(alert)
    assert alert.status == "expired"


def test_delivery_progress_counts_each_channel_and_status(client: TestClient, db: Session, settings: Settings) -> None:
    alert = draft(db)
    staff = make_staff(db, settings, ["viewer"])
    plan = [("webpush", "sent", 1), ("webpush", "sent", 5), ("webpush", "failed", None), ("line", "pending", None)]
    for i, (channel, status, second) in enumerate(plan):
        subscription = Subscription(channel=channel, address=f"https://push.example.test/progress/{i}")
        db.add(subscription)
        db.flush()
        sent_at = NOW.replace(microsecond=0) + timedelta(seconds=second) if second is not None else None
        db.add(
            Delivery(
                alert_id=alert.id, subscription_id=subscription.id, channel=channel, status=status, sent_at=sent_at
            )
        )
    db.flush()
    r = client.get(f"/api/alerts/{alert.id}/deliveries", headers=staff.headers)
    assert r.status_code == 200, r.text
    channels = r.json()["channels"]
    assert set(channels) == {"webpush", "line"}
    webpush, line = channels["webpush"], channels["line"]
    assert (webpush["sent"], webpush["failed"], webpush["pending"], webpush["total"]) == (2, 1, 0, 3)
    assert (line["sent"], line["pending"], line["total"], line["first_at"]) == (0, 1, 1, None)
    first = (NOW.replace(microsecond=0) + timedelta(seconds=1)).isoformat().replace("+00:00", "Z")
    assert webpush["first_at"] == first and webpush["last_at"] > webpush["first_at"]
    assert client.get(f"/api/alerts/{alert.id}/deliveries").status_code == 401
    assert client.get("/api/alerts/2147483647/deliveries", headers=staff.headers).status_code == 404
