"""Console in Chromium: per-channel delivery progress of an alert, live while a fan-out has pending deliveries."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from sqlalchemy import Engine, delete, update

from alerts.models import Alert, Delivery, Subscription
from hub.db import transaction
from tests.conftest import LiveServer
from tests.console.conftest import Console, Staff
from tests.console.helpers import HTTP_TIMEOUT_S

pytestmark = pytest.mark.browser
#: (channel, status) of each delivery of the fan-out under way.
FANOUT = [("webpush", "sent"), ("webpush", "failed"), ("webpush", "pending"), ("webpush", "gone")] + [
    ("line", "pending")
] * 2
SENT_AT = datetime(2026, 9, 11, 6, 30, tzinfo=UTC)


@dataclass(frozen=True)
class Fanout:
    """A sent alert with deliveries on two channels, some still pending."""

    alert_id: int


@pytest.fixture
def fanout(engine: Engine) -> Iterator[Fanout]:
    """A committed sent alert, its subscriptions and deliveries; all deleted afterwards."""
    tag = uuid.uuid4().hex[:8]
    with transaction(engine) as session:
        alert = Alert(kind="manual", status="sent", level=4, hazard="flood", area_codes=["13109"], sent_at=SENT_AT)
        session.add(alert)
        session.flush()
        subscriptions = [
            Subscription(
                channel=channel,
                address=f"https://push.example.test/{tag}/{i}" if channel == "webpush" else f"U{tag}{i:024d}",
            )
            for i, (channel, _) in enumerate(FANOUT)
        ]
        session.add_all(subscriptions)
        session.flush()
        for i, ((channel, status), subscription) in enumerate(zip(FANOUT, subscriptions, strict=True)):
            sent_at = SENT_AT + timedelta(seconds=i) if status == "sent" else None
            session.add(
                Delivery(
                    alert_id=alert.id,
                    subscription_id=subscription.id,
                    channel=channel,
                    status=status,
                    attempts=0 if status == "pending" else 1,
                    sent_at=sent_at,
                )
            )
        made = Fanout(alert.id)
        sub_ids = [s.id for s in subscriptions]
    yield made
    with transaction(engine) as session:
        session.execute(delete(Delivery).where(Delivery.alert_id == made.alert_id))
        session.execute(delete(Subscription).where(Subscription.id.in_(sub_ids)))
        session.execute(delete(Alert).where(Alert.id == made.alert_id))


def test_delivery_counts_read_the_progress_endpoint_layouts(console_factory: Callable[..., Console]) -> None:
    console = console_factory()
    console.open()
    console.page.wait_for_selector("form.login-form")
    layouts: list[Any] = [
        {
            "alert_id": 1,
            "channels": {
                "webpush": {
                    "sent": 3,
                    "failed": 1,
                    "pending": 2,
                    "gone": 1,
                    "total": 7,
                    "first_at": "2026-09-11T06:30:00Z",
                    "last_at": "2026-09-11T06:30:04Z",
                }
            },
        },
        {
            "channels": [
                {
                    "channel": "webpush",
                    "sent": 3,
                    "failed": 1,
                    "pending": 2,
                    "gone": 1,
                    "total": 7,
                    "first_at": "2026-09-11T06:30:00Z",
                    "last_at": "2026-09-11T06:30:04Z",
                }
            ]
        },
        [
            {"channel": "webpush", "status": s, "count": n}
            for s, n in (("sent", 3), ("failed", 1), ("pending", 2), ("gone", 1))
        ],
    ]
    results = console.page.evaluate(
        """async (layouts) => {
            const { deliveryCounts } = await import("/staff/static/js/views/alert.js");
            return layouts.map((layout) => deliveryCounts(layout));
        }""",
        layouts,
    )
    counts = {"sent": 3, "failed": 1, "pending": 2, "gone": 1, "skipped": 0, "total": 7}
    times = {"first": "2026-09-11T06:30:00Z", "last": "2026-09-11T06:30:04Z"}
    assert results[0] == results[1] == {"webpush": counts | times}
    assert results[2] == {"webpush": counts | {"first": None, "last": None}}


def test_delivery_progress_per_channel_follows_the_fanout(
    console_factory: Callable[..., Console],
    staff: Callable[..., Staff],
    engine: Engine,
    fanout: Fanout,
    live_server: LiveServer,
) -> None:
    viewer = staff("viewer-progress", "viewer")
    endpoints = httpx.get(f"{live_server.url}/staff/config.json", timeout=HTTP_TIMEOUT_S).json()["endpoints"]
    console = console_factory()
    console.login(viewer, f"/alerts/{fanout.alert_id}")
    page = console.page
    panel = page.locator(".view-alert section", has_text="チャネル別の配信状況")
    if not endpoints.get("alert_deliveries"):
        # The alert engine does not serve GET /api/alerts/{id}/deliveries (yet): the panel says so, calls nothing.
        expect(panel.locator(".notice-unavailable")).to_contain_text("/deliveries")
        return
    webpush, line = panel.locator('[data-channel="webpush"]'), panel.locator('[data-channel="line"]')
    expect(webpush.locator("[data-counts]")).to_have_text("送信 1・失敗 1・未送信 1・配信先なし 1（計 4）")
    expect(line.locator("[data-counts]")).to_have_text("送信 0・失敗 0・未送信 2・配信先なし 0（計 2）")
    expect(webpush.locator(".chip")).to_have_text("配信中 75%")
    expect(webpush.locator('[role="progressbar"]')).to_have_attribute("aria-valuenow", "3")
    with transaction(engine) as session:  # the worker finishes the fan-out
        session.execute(
            update(Delivery)
            .where(Delivery.alert_id == fanout.alert_id, Delivery.status == "pending")
            .values(status="sent", attempts=1, sent_at=SENT_AT + timedelta(seconds=30))
        )
    expect(line.locator("[data-counts]")).to_have_text("送信 2・失敗 0・未送信 0・配信先なし 0（計 2）")
    expect(webpush.locator("[data-counts]")).to_have_text("送信 2・失敗 1・未送信 0・配信先なし 1（計 4）")
    expect(line.locator(".chip")).to_have_text("完了")
