"""Console in Chromium: open a shelter in three taps and count people; a per-shelter link stays on its shelter."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import expect
from sqlalchemy import Engine, text

from tests.conftest import LiveServer
from tests.console.conftest import PASSWORD, PHONE, Console, Staff, Touched
from tests.console.helpers import call, pick_shelters, shelter_row, token_for

pytestmark = pytest.mark.browser


def public_map_shows_open(console: Console, engine: Engine, shelter_id: int) -> None:
    """The public map (/) draws the shelter's marker as open (開設中) at the closest zoom."""
    with engine.connect() as conn:
        lat, lon = conn.execute(
            text("SELECT ST_Y(location), ST_X(location) FROM shelters WHERE id = :id"), {"id": shelter_id}
        ).one()
    page = console.page
    page.goto(f"{console.base}/")
    page.wait_for_selector("html[data-ready]")
    page.evaluate("([lat, lon]) => Bosai.map.setView([lat, lon], Bosai.map.getMaxZoom())", [lat, lon])
    marker = page.locator(f'.shelter-marker[data-shelter-id="{shelter_id}"]')
    expect(marker).to_have_attribute("aria-label", re.compile("開設中"))


def test_coordinator_opens_a_shelter_in_three_taps(
    console_factory: Callable[..., Console],
    staff: Callable[..., Staff],
    engine: Engine,
    touched: Touched,
    live_server: LiveServer,
) -> None:
    coordinator = staff("coord-open", "coordinator")
    (shelter,) = pick_shelters(engine, touched, 1, capacity=40)
    console = console_factory()
    console.login(coordinator, "/shelters")
    page = console.page
    page.fill("input[name=q]", shelter.name)
    row = page.locator(f'.shelter-row[data-id="{shelter.id}"] a')
    expect(row).to_contain_text("未開設")

    row.click()  # tap 1: the shelter
    page.click('.btn-status[data-target="open"]')  # tap 2: 開設する
    expect(page.locator("dialog")).to_contain_text(shelter.name)
    page.click("dialog .btn-primary")  # tap 3: confirm
    expect(page.locator(".status-now .chip")).to_have_text("開設中")

    public = httpx.get(f"{live_server.url}/api/shelters", params={"status": "open"}, timeout=10).json()
    opened = [f["properties"] for f in public["features"] if f["id"] == shelter.id]
    assert opened and opened[0]["status"] == "open"
    single = httpx.get(f"{live_server.url}/api/shelters/{shelter.id}", timeout=10)
    if single.status_code == 200:  # the public single-shelter read, once the hub serves it
        body = single.json()
        assert (body.get("properties") or body)["status"] == "open"
    assert shelter_row(engine, shelter.id).status_changed_by == coordinator.username
    public_map_shows_open(console_factory(PHONE), engine, shelter.id)

    for _ in range(3):
        page.click("button.btn-count >> text=+10")
    page.click("button.btn-count >> text=+1")
    expect(page.locator(".count-value")).to_have_text("31")
    expect(page.locator(".count-crowding")).to_contain_text("やや混雑")  # 31 / 40 = 77.5 %
    expect(page.locator(".pending-note")).to_have_text("")
    assert shelter_row(engine, shelter.id).occupancy == 31

    page.fill("#exact", "40")
    expect(page.locator(".exact-form .hint")).to_contain_text("満員")
    page.click(".exact-form button[type=submit]")
    expect(page.locator(".count-value")).to_have_text("40")
    expect(page.locator(".count-crowding")).to_contain_text("満員")
    assert shelter_row(engine, shelter.id).occupancy == 40
    expect(page.locator(".timeline li").first).to_contain_text("人数：31 → 40")
    expect(page.locator(".timeline")).to_contain_text("状態：未開設 → 開設中")


def test_keyboard_alone_opens_a_shelter(
    console_factory: Callable[..., Console], staff: Callable[..., Staff], engine: Engine, touched: Touched
) -> None:
    coordinator = staff("coord-keys", "coordinator")
    (shelter,) = pick_shelters(engine, touched, 1)
    console = console_factory()
    page = console.page
    console.open()
    expect(page.locator("input[name=username]")).to_be_focused()
    page.keyboard.type(coordinator.username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_selector(".view-board")
    console.go("/shelters")
    page.fill("input[name=q]", shelter.name)
    link = page.locator(f'.shelter-row[data-id="{shelter.id}"] a')
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector('#main[aria-busy="false"] .view-shelter')  # loaded: focus moves to the screen first
    button = page.locator('.btn-status[data-target="open"]')
    button.focus()
    outline = button.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline == "solid", "focus must be visible"
    page.keyboard.press("Enter")
    expect(page.locator("dialog .btn-primary")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(".status-now .chip")).to_have_text("開設中")
    assert shelter_row(engine, shelter.id).status == "open"


def test_operator_link_cannot_touch_another_shelter(
    console_factory: Callable[..., Console],
    staff: Callable[..., Staff],
    engine: Engine,
    touched: Touched,
    live_server: LiveServer,
) -> None:
    coordinator = staff("coord-link", "coordinator")
    own, other = pick_shelters(engine, touched, 2, capacity=100)
    desk = console_factory()
    desk.login(coordinator, f"/shelters/{own.id}")
    desk.page.click("button.link-issue")
    url = desk.page.locator("input.link-url").input_value()
    token = url.split("/staff/s/", 1)[1]
    expect(desk.page.locator("img.qr")).to_be_visible()

    phone = console_factory(PHONE)
    phone.errors.allow_http_errors()  # the 403s below are provoked on purpose
    phone.page.goto(f"{live_server.url}/staff/s/{token}")
    page = phone.page
    expect(page.locator("h1")).to_have_text(own.name)
    expect(page.locator("#mainnav")).to_be_hidden()
    page.click('.btn-status[data-target="open"]')
    page.click("dialog .btn-primary")
    expect(page.locator(".status-now .chip")).to_have_text("開設中")
    page.click("button.btn-count >> text=+10")
    expect(page.locator(".count-value")).to_have_text("10")

    before = shelter_row(engine, other.id)
    state = phone.api("GET", f"/api/shelters/{other.id}/state", token)
    assert state["status"] == 403
    opened = phone.api("POST", f"/api/shelters/{other.id}/status", token, {"status": "open"})
    assert opened["status"] == 403 and opened["body"]["type"] == "urn:bosai:problem:forbidden-shelter"
    counted = phone.api("PATCH", f"/api/shelters/{other.id}/occupancy", token, {"occupancy": 5})
    assert counted["status"] == 403
    assert phone.api("GET", f"/api/shelters/{other.id}/history", token)["status"] == 403
    assert phone.api("GET", "/api/orders/all", token)["status"] == 403
    after = shelter_row(engine, other.id)
    assert (after.status, after.occupancy, after.version) == (before.status, before.occupancy, before.version)
    mine = shelter_row(engine, own.id)
    assert (mine.status, mine.occupancy) == ("open", 10)
    assert mine.status_changed_by is not None and mine.status_changed_by.startswith("shelter-link:")

    # An operator account assigned to `own` sees `other` read-only in the console.
    operator = staff("operator", "operator", shelter_ids=(own.id,))
    op = console_factory(PHONE)
    op.login(operator, f"/shelters/{other.id}")
    expect(op.page.locator(".view-shelter")).to_contain_text("あなたの役割ではこの避難所を変更できません")
    expect(op.page.locator(".btn-status")).to_have_count(0)
    operator_token = token_for(live_server.url, operator)
    assert call(live_server.url, "GET", f"/api/shelters/{own.id}/state", operator_token).is_success
