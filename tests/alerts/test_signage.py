"""Signage in Chromium: alerts for the sign's place appear over SSE, languages rotate, QR to the nearest open
shelter, 'no connection since HH:MM' when the hub is gone; staff see which signs are offline."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from playwright.sync_api import Browser
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from alerts.channels import notify_signs
from alerts.drafting import process_pending_events
from alerts.rules import default_rules
from hub.settings import Settings
from hub.shelters.models import Shelter
from tests.alerts.conftest import GAUGE, add_danger_event, make_gauge, make_staff, wipe
from tests.browser import CSP_LISTENER
from tests.conftest import LiveServer


@pytest.fixture
def staff_headers(engine: Engine, settings: Settings) -> Iterator[dict[str, str]]:
    with Session(engine, expire_on_commit=False) as session, session.begin():
        staff = make_staff(session, settings, ["coordinator"])
    yield staff.headers
    wipe(engine, user_ids=[staff.user_id])


def register(http: httpx.Client, headers: dict[str, str], device_id: str, **extra: object) -> dict[str, str]:
    body = {
        "device_id": device_id,
        "name": "大井町駅前",
        "lat": GAUGE["lat"],
        "lon": GAUGE["lon"],
        "languages": ["ja", "en"],
        **extra,
    }
    response = http.post("/api/signage/devices", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_sign_shows_alerts_rotates_and_reports_lost_connection(
    browser: Browser, alerts_server: LiveServer, engine: Engine, staff_headers: dict[str, str]
) -> None:
    device_id, silent_id = f"sign-{uuid.uuid4().hex[:8]}", f"silent-{uuid.uuid4().hex[:8]}"
    with Session(engine, expire_on_commit=False) as session, session.begin():
        station = make_gauge(session)
        origin = func.ST_SetSRID(func.ST_MakePoint(GAUGE["lon"], GAUGE["lat"]), 4326)
        shelter = session.scalars(
            select(Shelter)
            .where(Shelter.hazards.any_() == "flood")
            .order_by(Shelter.location.ST_Distance(origin))
            .limit(1)
        ).one()
        shelter_id, old_status = shelter.id, shelter.status
        shelter.status = "open"
    alert_ids: list[int] = []
    try:
        with httpx.Client(base_url=alerts_server.url) as http:
            sign = register(http, staff_headers, device_id)
            register(http, staff_headers, silent_id)
            assert http.get(f"/signage/{device_id}", params={"token": "x" * 20}).status_code == 404
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.add_init_script(CSP_LISTENER)
            path = sign["url"].split("hub.example.org", 1)[1]
            page.goto(f"{alerts_server.url}{path}&rotate_ms=700&stale_ms=2500")
            page.wait_for_selector("#calm h1", timeout=15000)
            assert page.locator("#side svg").count() == 1  # QR code of the nearest open shelter
            assert page.evaluate("window.__csp") == [], "the page's script and styles pass the CSP"
            state = http.get(f"/signage/{device_id}/state", params={"token": sign["token"]}).json()
            assert state["shelter"]["url"].endswith(f"/map?shelter={shelter_id}")

            with Session(engine, expire_on_commit=False) as session, session.begin():
                add_danger_event(session, station)
                _, [alert] = process_pending_events(session, default_rules())
                alert.status, alert.sent_at = "sent", datetime.now(UTC)
                notify_signs(session, alert.id)  # as dispatch does: signs are woken, they do not poll
                alert_ids.append(alert.id)
                ja_title, en_title = alert.messages["ja"]["title"], alert.messages["en"]["title"]
            box = page.wait_for_selector(f".alert[data-alert-id='{alert_ids[0]}']", timeout=15000)
            assert box is not None
            page.wait_for_function(
                "t => document.querySelector('.alert h1')?.textContent === t", arg=ja_title, timeout=15000
            )
            page.wait_for_function(
                "t => document.querySelector('.alert h1')?.textContent === t", arg=en_title, timeout=15000
            )
            assert "level-4" in (box.get_attribute("class") or "")
            page.screenshot(path="/tmp/signage-alert.png")

            listed = http.get("/api/signage/devices", headers=staff_headers).json()["devices"]
            status = {d["device_id"]: d["offline"] for d in listed}
            assert status[device_id] is False and status[silent_id] is True
            offline = http.get("/api/signage/devices", params={"offline": "true"}, headers=staff_headers).json()
            assert silent_id in [d["device_id"] for d in offline["devices"]]
            assert device_id not in [d["device_id"] for d in offline["devices"]]

            page.context.set_offline(True)
            banner = page.wait_for_selector("#offline", state="visible", timeout=20000)
            assert banner is not None
            assert "no connection since" in banner.inner_text() and ":" in banner.inner_text()
            page.screenshot(path="/tmp/signage-offline.png")
            page.close()
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE shelters SET status = :s WHERE id = :i"), {"s": old_status, "i": shelter_id})
        wipe(engine, alert_ids=alert_ids, station_ids=[station.id], device_ids=[device_id, silent_id])


def test_unknown_sign_or_wrong_token_is_404(alerts_server: LiveServer) -> None:
    with httpx.Client(base_url=alerts_server.url) as http:
        assert http.get("/signage/nope/state", params={"token": "y" * 20}).status_code == 404


def test_only_coordinators_and_admins_register_signs(
    alerts_server: LiveServer, engine: Engine, settings: Settings
) -> None:
    with Session(engine, expire_on_commit=False) as session, session.begin():
        viewer = make_staff(session, settings, ["viewer"])
    try:
        with httpx.Client(base_url=alerts_server.url) as http:
            body = {"device_id": "x-denied", "name": "n"}
            assert http.post("/api/signage/devices", json=body).status_code == 401
            assert http.post("/api/signage/devices", json=body, headers=viewer.headers).status_code == 403
    finally:
        wipe(engine, user_ids=[viewer.user_id])
