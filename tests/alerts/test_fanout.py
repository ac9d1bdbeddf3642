"""Approval → outbox job → procrastinate worker → Web Push and LINE, exactly once per recipient."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from alerts import worker
from alerts.drafting import process_pending_events
from alerts.models import Subscription
from alerts.queue import FANOUT_TASK, defer_fanout, jobs_of_alert, unfinished_jobs
from alerts.rules import default_rules
from hub.settings import Settings
from tests.alerts.conftest import GAUGE, add_danger_event, make_gauge, make_staff, push_subscription, wipe
from tests.conftest import LiveServer
from tests.fakes.line_api import FakeLineState
from tests.fakes.push_service import FakePushState

FAR = (139.82, 35.67)  # Koto, far from the Meguro river


@dataclass
class Scene:
    """What one committed fan-out scenario created."""

    alert_id: int
    approver: dict[str, str]
    inside: dict[str, str] = field(default_factory=dict)  # push name → language
    outside: list[str] = field(default_factory=list)
    gone: str = ""
    line_inside: list[str] = field(default_factory=list)
    line_outside: list[str] = field(default_factory=list)
    ids: dict[str, list[int]] = field(default_factory=dict)


def line_id() -> str:
    return "U" + uuid.uuid4().hex


def build_scene(engine: Engine, settings: Settings, fake_push: FakePushState, server: LiveServer) -> Scene:
    """Commit a gauge, subscribers inside and outside its river zone, and a drafted level-4 alert."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        station = make_gauge(session)
        staff = make_staff(session, settings, ["approver"])
        add_danger_event(session, station)
        _, drafted = process_pending_events(session, default_rules())
        [alert] = [a for a in drafted if a.level == 4]
    scene = Scene(alert.id, staff.headers, ids={"stations": [station.id], "users": [staff.user_id]})
    tag = uuid.uuid4().hex[:6]
    with httpx.Client(base_url=server.url) as http:
        for lang in ("ja", "en", "ko"):
            name = f"in-{lang}-{tag}"
            scene.inside[name] = lang
            places = [{"lat": GAUGE["lat"], "lon": GAUGE["lon"], "radius_m": 200}]
            r = http.post(
                "/api/subscriptions/webpush",
                json={"subscription": push_subscription(fake_push, name), "languages": [lang], "places": places},
            )
            assert r.status_code == 201, r.text
        scene.outside = [f"out-{tag}"]
        places = [{"lon": FAR[0], "lat": FAR[1], "radius_m": 300}]
        assert (
            http.post(
                "/api/subscriptions/webpush",
                json={"subscription": push_subscription(fake_push, scene.outside[0]), "places": places},
            ).status_code
            == 201
        )
        scene.gone = f"gone-{tag}"
        fake_push.gone.add(scene.gone)
        places = [{"lat": GAUGE["lat"], "lon": GAUGE["lon"], "radius_m": 200}]
        assert (
            http.post(
                "/api/subscriptions/webpush",
                json={"subscription": push_subscription(fake_push, scene.gone), "places": places},
            ).status_code
            == 201
        )
        assert (
            http.post(
                "/api/subscriptions/webpush",
                json={
                    "subscription": push_subscription(fake_push, f"quake-{tag}"),
                    "hazards": ["earthquake"],
                    "places": places,
                },
            ).status_code
            == 201
        )
        scene.outside.append(f"quake-{tag}")
    with Session(engine) as session, session.begin():
        scene.line_inside = [line_id(), line_id()]
        scene.line_outside = [line_id()]
        for uid in scene.line_inside:
            session.add(Subscription(channel="line", address=uid, languages=["en"], area_codes=["13109"]))
        for uid in scene.line_outside:
            session.add(Subscription(channel="line", address=uid, languages=["ja"], area_codes=["13108"]))
        session.flush()
        rows = session.execute(
            text("SELECT id FROM subscriptions WHERE address LIKE :p OR address = ANY(:u)"),
            {"p": f"%{tag}", "u": scene.line_inside + scene.line_outside},
        ).all()
        scene.ids["subscriptions"] = [int(r[0]) for r in rows]
    return scene


@pytest.fixture
def scene(engine: Engine, settings: Settings, fake_push: FakePushState, alerts_server: LiveServer) -> Iterator[Scene]:
    built = build_scene(engine, settings, fake_push, alerts_server)
    yield built
    wipe(
        engine,
        alert_ids=[built.alert_id],
        subscription_ids=built.ids["subscriptions"],
        station_ids=built.ids["stations"],
        user_ids=built.ids["users"],
    )


def run_worker_until(settings: Settings, done: Callable[[], bool], timeout: float = 60.0) -> None:
    """Run a worker in this process until the condition holds, then stop it as SIGTERM would."""

    async def main() -> None:
        task = asyncio.create_task(worker.run(settings, concurrency=2, install_signal_handlers=False))
        deadline = time.monotonic() + timeout
        try:
            while not await asyncio.to_thread(done):
                if task.done() or time.monotonic() > deadline:
                    raise AssertionError("the worker stopped or timed out before the work was done")
                await asyncio.sleep(0.1)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    asyncio.run(main())


def idle_queue(engine: Engine) -> Callable[[], bool]:
    """True once no job is waiting or running."""

    def check() -> bool:
        with engine.connect() as conn:
            return not unfinished_jobs(conn)

    return check


def test_approved_alert_reaches_each_subscriber_in_the_zone_once(
    scene: Scene,
    settings: Settings,
    engine: Engine,
    fake_push: FakePushState,
    fake_line: tuple[FakeLineState, str],
    alerts_server: LiveServer,
) -> None:
    line_state = fake_line[0]
    with httpx.Client(base_url=alerts_server.url) as http:
        r = http.post(f"/api/alerts/{scene.alert_id}/approve", headers=scene.approver)
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "approved"
    with engine.connect() as conn:  # the outbox row was committed with the approval
        assert jobs_of_alert(conn, FANOUT_TASK, scene.alert_id) == 1
    run_worker_until(settings, idle_queue(engine))

    got = Counter(r.name for r in fake_push.received if r.name in scene.inside or r.name in scene.outside)
    assert got == Counter(dict.fromkeys(scene.inside, 1))
    for received in fake_push.received:
        if received.name in scene.inside:
            assert received.payload is not None
            assert received.payload["lang"] == scene.inside[received.name]
            assert received.payload["level"] == 4
    reached = [uid for uid in line_state.recipients() if uid in scene.line_inside + scene.line_outside]
    assert sorted(reached) == sorted(scene.line_inside)
    multicast = next(m for m in line_state.multicasts if scene.line_inside[0] in m["to"])
    assert multicast["messages"][0]["text"].startswith("[Alert level 4 equivalent]")

    with engine.connect() as conn:
        status: str = conn.execute(text("SELECT status FROM alerts WHERE id = :a"), {"a": scene.alert_id}).scalar_one()
        rows = conn.execute(
            text(
                "SELECT d.channel, d.status, s.address FROM deliveries d JOIN subscriptions s "
                "ON s.id = d.subscription_id WHERE d.alert_id = :a"
            ),
            {"a": scene.alert_id},
        ).all()
        gone_active: bool = conn.execute(
            text("SELECT active FROM subscriptions WHERE address = :e"), {"e": fake_push.endpoint(scene.gone)}
        ).scalar_one()
        unstamped: int = conn.execute(  # the low-priority stamp jobs ran once the deliveries were done
            text(
                "SELECT count(*) FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id "
                "WHERE d.alert_id = :a AND d.status = 'sent' AND s.last_success_at IS DISTINCT FROM d.sent_at"
            ),
            {"a": scene.alert_id},
        ).scalar_one()
    assert status == "sent"
    with engine.connect() as conn:
        published = conn.execute(
            text("SELECT payload FROM events WHERE kind = 'alert.sent' AND (payload->>'id')::int = :a"),
            {"a": scene.alert_id},
        ).all()
    assert [row[0]["level"] for row in published] == [4]
    by_status = Counter((c, s) for c, s, _ in rows)
    assert by_status == Counter({("webpush", "sent"): 3, ("webpush", "gone"): 1, ("line", "sent"): 2})
    assert gone_active is False
    assert unstamped == 0

    # a second fan-out of the same alert (a retried job) sends nobody anything again
    before_push, before_line = len(fake_push.received), len(line_state.recipients())
    with Session(engine) as session, session.begin():
        defer_fanout(session, scene.alert_id)
    run_worker_until(settings, idle_queue(engine))
    assert (len(fake_push.received), len(line_state.recipients())) == (before_push, before_line)


def test_only_an_approver_can_approve(
    scene: Scene, engine: Engine, settings: Settings, alerts_server: LiveServer
) -> None:
    with Session(engine, expire_on_commit=False) as session, session.begin():
        coordinator = make_staff(session, settings, ["coordinator"])
    try:
        with httpx.Client(base_url=alerts_server.url) as http:
            assert http.post(f"/api/alerts/{scene.alert_id}/approve").status_code == 401
            r = http.post(f"/api/alerts/{scene.alert_id}/approve", headers=coordinator.headers)
            assert r.status_code == 403
            assert (
                http.post(f"/api/alerts/{scene.alert_id}/reject", headers=scene.approver).json()["status"] == "rejected"
            )
            assert http.post(f"/api/alerts/{scene.alert_id}/approve", headers=scene.approver).status_code == 409
    finally:
        wipe(engine, user_ids=[coordinator.user_id])
