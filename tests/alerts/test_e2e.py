"""End to end: a gauge rises through caution → judgement → danger over real MQTT into the real ingestor,
the rules draft a level-4 alert for its river zone, an approver approves over HTTP, `bosai worker`
processes fan it out to the local push and LINE services; one worker is killed mid-fan-out and nothing
is lost or sent twice; the sign in the zone shows it; the CAP file validates.

The sensor simulator's typhoon scenario is not in the tree yet: the same rise is published here.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from playwright.sync_api import Browser
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from alerts.cap import validate_cap
from alerts.models import Subscription
from hub.settings import Settings
from hub.shelters.models import Shelter
from ingest.service import IngestConfig, Ingestor
from tests.alerts.conftest import CAP_XSD, GAUGE, make_gauge, make_staff, push_subscription, wipe
from tests.conftest import LiveServer
from tests.fakes.line_api import FakeLineState
from tests.fakes.push_service import FakePushState

pytestmark = pytest.mark.slow
INSIDE = 60
ACCEPT_BEFORE_KILL = 20
#: (minutes before now, metres): normal → standby → caution → evacuation judgement → danger.
TYPHOON = [(50, 0.6), (40, 1.1), (30, 1.6), (20, 2.1), (10, 2.45), (0, 2.6)]
WAIT_S = 90.0


def wait_for(what: str, check: Callable[[], Any], timeout: float = WAIT_S) -> Any:
    """Poll until check() is truthy (a state to reach, not a speed to assert)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def worker_env(settings: Settings, line_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOSAI_")}
    env.update(
        {
            "BOSAI_DATABASE_URL": settings.database_url,
            "BOSAI_VAPID_PRIVATE_KEY_FILE": str(settings.vapid_private_key_file),
            "BOSAI_PUSH_HOST_ALLOWLIST": json.dumps(settings.push_host_allowlist),
            "BOSAI_LINE_API_BASE_URL": line_url,
            "BOSAI_LINE_CHANNEL_ACCESS_TOKEN": settings.line_channel_access_token.get_secret_value()
            if settings.line_channel_access_token
            else "",
            "BOSAI_PUBLIC_URL": settings.public_url,
            "BOSAI_LOG_LEVEL": "WARNING",
        }
    )
    return env


def start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "bosai.cli", "worker", "--concurrency", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process.stderr is not None:
        process.stderr.close()


def publish_typhoon(code: str, root: str) -> None:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"e2e-pub-{uuid.uuid4().hex[:8]}")
    client.connect("127.0.0.1", 1883)
    client.loop_start()
    now = datetime.now(UTC).replace(microsecond=0)
    for minutes, level in TYPHOON:
        payload = {"ts": (now - timedelta(minutes=minutes)).isoformat(), "water_level_m": level}
        client.publish(f"{root}/{code}/readings", json.dumps(payload), qos=1).wait_for_publish(10)
    client.loop_stop()
    client.disconnect()


def test_rising_river_to_every_phone_sign_and_line_once(
    engine: Engine,
    settings: Settings,
    fake_push: FakePushState,
    fake_line: tuple[FakeLineState, str],
    alerts_server: LiveServer,
    queue: str,
    browser: Browser,
) -> None:
    line_state, line_url = fake_line
    tag = uuid.uuid4().hex[:6]
    inside = {f"e2e-in-{tag}-{i}": ("en", "ja", "ko")[i % 3] for i in range(INSIDE)}
    outside = f"e2e-out-{tag}"
    line_in, line_out = "U" + uuid.uuid4().hex, "U" + uuid.uuid4().hex
    device_id = f"e2e-sign-{tag}"
    with Session(engine, expire_on_commit=False) as session, session.begin():
        station = make_gauge(session)
        approver = make_staff(session, settings, ["approver", "coordinator"])
        origin = func.ST_SetSRID(func.ST_MakePoint(GAUGE["lon"], GAUGE["lat"]), 4326)
        shelter = session.scalars(
            select(Shelter)
            .where(Shelter.hazards.any_() == "flood")
            .order_by(Shelter.location.ST_Distance(origin))
            .limit(1)
        ).one()
        shelter_id, shelter_name, old_status = shelter.id, shelter.name, shelter.status
        shelter.status = "open"
        session.add(Subscription(channel="line", address=line_in, languages=["ja"], area_codes=["13109"]))
        session.add(Subscription(channel="line", address=line_out, languages=["ja"], area_codes=["13108"]))
    workers: list[subprocess.Popen[bytes]] = []
    env = worker_env(settings, line_url)
    alert_id: int | None = None
    try:
        with httpx.Client(base_url=alerts_server.url, timeout=30) as http:
            here = [{"lat": GAUGE["lat"], "lon": GAUGE["lon"], "radius_m": 150}]
            for name, lang in inside.items():
                body = {"subscription": push_subscription(fake_push, name), "languages": [lang], "places": here}
                assert http.post("/api/subscriptions/webpush", json=body).status_code == 201
            far = [{"lat": 35.67, "lon": 139.82, "radius_m": 300}]
            body = {"subscription": push_subscription(fake_push, outside), "places": far}
            assert http.post("/api/subscriptions/webpush", json=body).status_code == 201
            sign = http.post(
                "/api/signage/devices",
                headers=approver.headers,
                json={"device_id": device_id, "name": "駅前", "lat": GAUGE["lat"], "lon": GAUGE["lon"]},
            )
            assert sign.status_code == 201

            workers.append(start_worker(env))
            root, ingest_service = _start_ingest(settings)
            try:
                publish_typhoon(station.code, root)

                def drafted() -> int | None:
                    with engine.connect() as conn:
                        return conn.execute(
                            text(
                                "SELECT a.id FROM alerts a JOIN station_events e ON e.id = a.station_event_id "
                                "WHERE e.station_id = :s AND a.level = 4 AND a.status = 'draft'"
                            ),
                            {"s": station.id},
                        ).scalar()

                alert_id = wait_for("the level-4 draft", drafted)
            finally:
                ingest_service.stop()
            with engine.connect() as conn:
                bands = [
                    r[0]
                    for r in conn.execute(
                        text(
                            "SELECT to_state FROM station_events WHERE station_id = :s AND kind = 'level' ORDER BY id"
                        ),
                        {"s": station.id},
                    )
                ]
            assert bands[-3:] == ["caution", "evacuation", "danger"]

            dropped_before = fake_push.counts["dropped"]
            fake_push.hold_after = fake_push.counts["requests"] + ACCEPT_BEFORE_KILL
            fake_push.released.clear()
            r = http.post(f"/api/alerts/{alert_id}/approve", headers=approver.headers)
            assert r.status_code == 200, r.text

            def sent_rows() -> int:
                with engine.connect() as conn:
                    return int(
                        conn.execute(
                            text(
                                "SELECT count(*) FROM deliveries WHERE alert_id = :a AND "
                                "channel = 'webpush' AND status = 'sent'"
                            ),
                            {"a": alert_id},
                        ).scalar_one()
                    )

            wait_for("the first deliveries to be recorded", lambda: sent_rows() >= ACCEPT_BEFORE_KILL)
            assert sent_rows() == ACCEPT_BEFORE_KILL  # the rest are held in flight by the push service
            workers[0].send_signal(signal.SIGKILL)
            workers[0].wait()
            held = fake_push.counts["requests"] - (fake_push.hold_after or 0)
            assert held > 0  # the kill happened mid-fan-out, with pushes in flight
            wait_for(
                "the push service to see the dead sender's requests drop",
                lambda: fake_push.counts["dropped"] - dropped_before >= held,
            )
            fake_push.hold_after = None
            fake_push.released.set()
            workers.append(start_worker(env))
            wait_for("every in-zone delivery", lambda: sent_rows() == INSIDE, timeout=120)

            wait_for("the LINE multicast", lambda: line_in in line_state.recipients())
            with engine.connect() as conn:
                status: str = conn.execute(
                    text("SELECT status FROM alerts WHERE id = :a"), {"a": alert_id}
                ).scalar_one()
            assert status == "sent"

            got = Counter(r.name for r in fake_push.received if r.name in inside or r.name == outside)
            assert got == Counter(dict.fromkeys(inside, 1))  # nobody lost, nobody twice, nobody outside
            for received in fake_push.received:
                if received.name in inside:
                    assert received.payload is not None
                    assert received.payload["lang"] == inside[received.name]
                    assert received.payload["level"] == 4
                    assert shelter_name in received.payload["body"] or received.payload["lang"] == "en"
            assert line_state.recipients().count(line_in) == 1 and line_out not in line_state.recipients()
            progress = http.get(f"/api/alerts/{alert_id}/deliveries", headers=approver.headers)
            assert progress.status_code == 200, progress.text
            webpush = progress.json()["channels"]["webpush"]
            assert (webpush["sent"], webpush["pending"], webpush["total"]) == (INSIDE, 0, INSIDE)
            assert http.get(f"/api/alerts/{alert_id}/deliveries").status_code == 401  # staff only

            cap = http.get(f"/api/alerts/{alert_id}.cap")
            assert cap.status_code == 200 and validate_cap(cap.content, CAP_XSD) == []

            token = sign.json()["token"]
            page = browser.new_page()
            try:
                page.goto(f"{alerts_server.url}/signage/{device_id}?token={token}")
                page.wait_for_selector(f".alert[data-alert-id='{alert_id}']", timeout=15000)
            finally:
                page.close()
    finally:
        for process in workers:
            stop(process)
        fake_push.hold_after = None
        fake_push.released.set()
        with engine.begin() as conn:
            conn.execute(text("UPDATE shelters SET status = :s WHERE id = :i"), {"s": old_status, "i": shelter_id})
            ids = [
                int(r[0])
                for r in conn.execute(
                    text("SELECT id FROM subscriptions WHERE address LIKE :p OR address = ANY(:l)"),
                    {"p": f"%e2e-%-{tag}%", "l": [line_in, line_out]},
                )
            ]
            alert_ids = [
                int(r[0])
                for r in conn.execute(
                    text(
                        "SELECT a.id FROM alerts a JOIN station_events e ON e.id = a.station_event_id "
                        "WHERE e.station_id = :s"
                    ),
                    {"s": station.id},
                )
            ]
        wipe(
            engine,
            alert_ids=alert_ids,
            subscription_ids=ids,
            station_ids=[station.id],
            user_ids=[approver.user_id],
            device_ids=[device_id],
        )


def _start_ingest(settings: Settings) -> tuple[str, Ingestor]:
    root = f"e2e{uuid.uuid4().hex[:6]}"
    config = IngestConfig(
        database_url=settings.database_url,
        mqtt_host="127.0.0.1",
        mqtt_port=1883,
        topic_root=root,
        share_group=f"g{root}",
        client_id=f"ingest-{root}",
        session_expiry_s=60,
        batch_window_s=0.05,
    )
    service = Ingestor(config)
    service.start()
    # Subscribed before the gauge speaks: the broker keeps nothing for a subscription not yet made.
    wait_for("the ingestor to subscribe", lambda: service.health.ok)
    return root, service
