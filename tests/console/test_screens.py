"""Every console screen at phone and desktop size: it renders with real data, passes axe (WCAG A/AA), is saved
as docs/screenshots/console-<screen>-<size>.png, and logs no console error."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect
from sqlalchemy import Engine

from alerts.drafting import complete_order_drafts
from alerts.rules import default_rules
from hub.db import transaction
from tests.conftest import LiveServer
from tests.console.conftest import DESKTOP, PHONE, Console, Staff, Touched
from tests.console.helpers import axe_violations, call, pick_shelters, token_for
from tests.console.test_data import broken_file

pytestmark = pytest.mark.browser
SIZES = {"phone": PHONE, "desktop": DESKTOP}
MINATO, SHINAGAWA = "13103", "13109"
SETTLE_MS = 700


@dataclass(frozen=True)
class Scene:
    """What the screenshots show: an admin, a draft by someone else, an issued order with its alert, a shelter,
    and an order of the admin's that an approver sent back with a comment."""

    admin: Staff
    draft_id: int
    returned_id: int
    issued_id: int
    alert_id: int
    shelter_id: int
    link_token: str


@pytest.fixture(scope="module")
def scene(staff: Callable[..., Staff], engine: Engine, touched: Touched, live_server: LiveServer) -> Scene:
    """Shelters in every status, a pending draft, an issued order whose alert the engine has written."""
    base = live_server.url
    admin = staff("admin", "coordinator", "approver", "admin")
    coordinator = staff("coord-scene", "coordinator")
    approver = staff("approver-scene", "approver")
    coord_token, approver_token = token_for(base, coordinator), token_for(base, approver)
    shelters = pick_shelters(engine, touched, 4, capacity=120)
    for shelter, status, count in zip(shelters, ("open", "full", "opening", "open"), (86, 120, 0, 23), strict=True):
        tag = call(base, "GET", f"/api/shelters/{shelter.id}/state", coord_token).headers["etag"]
        moved = call(base, "POST", f"/api/shelters/{shelter.id}/status", coord_token, json={"status": "open"},
                     headers={"If-Match": tag})  # fmt: skip
        tag = moved.headers["etag"]
        if count:
            counted = call(base, "PATCH", f"/api/shelters/{shelter.id}/occupancy", coord_token,
                           json={"occupancy": count}, headers={"If-Match": tag})  # fmt: skip
            tag = counted.headers["etag"]
        if status != "open":
            target = "full" if status == "full" else "closed_again"
            tag = call(base, "POST", f"/api/shelters/{shelter.id}/status", coord_token, json={"status": target},
                       headers={"If-Match": tag}).headers["etag"]  # fmt: skip
            if status == "opening":
                call(base, "POST", f"/api/shelters/{shelter.id}/status", coord_token, json={"status": "opening"},
                     headers={"If-Match": tag})  # fmt: skip
    reason = "目黒川の水位が避難判断水位を超えたため"
    issued = call(base, "POST", "/api/orders", coord_token,
                  json={"level": 4, "hazard": "flood", "area_codes": [SHINAGAWA], "reason": reason}).json()  # fmt: skip
    assert call(base, "POST", f"/api/orders/{issued['id']}/approve", approver_token).status_code == 200
    alert_id = call(base, "POST", f"/api/orders/{issued['id']}/issue", approver_token).json()["alert_id"]
    with transaction(engine) as session:
        complete_order_drafts(session, default_rules())  # the alert engine writes the messages
    draft = call(base, "POST", "/api/orders", coord_token,
                 json={"level": 5, "hazard": "flood", "area_codes": [SHINAGAWA, MINATO],
                       "reason": "目黒川が氾濫危険水位を超えたため"}).json()  # fmt: skip
    returned = call(base, "POST", "/api/orders", token_for(base, admin),
                    json={"level": 3, "hazard": "inland_flood", "area_codes": [SHINAGAWA],
                          "reason": "内水氾濫のおそれ"}).json()  # fmt: skip
    comment = {"comment": "立会川流域の町丁目に絞ってください。理由に雨量の見込みも書いてください。"}
    assert (
        call(base, "POST", f"/api/orders/{returned['id']}/send-back", approver_token, json=comment).status_code == 200
    )
    link = call(base, "POST", f"/api/shelters/{shelters[0].id}/operator-link", coord_token).json()
    return Scene(admin, draft["id"], returned["id"], issued["id"], alert_id, shelters[0].id, link["token"])


SCREENS = (
    ("board", "/board", ".stat"),
    ("shelters", "/shelters", ".shelter-row"),
    ("shelter", "/shelters/{shelter}", ".count-value"),
    ("orders", "/orders", ".card"),
    ("order-new", "/orders/new", ".area-picker .check"),
    ("order", "/orders/{draft}", ".message-box"),
    ("order-returned", "/orders/{returned}", "[data-return-comment]"),
    ("order-edit", "/orders/{returned}/edit", ".area-picker .check"),
    ("order-issued", "/orders/{issued}", ".message-box"),
    ("alerts", "/alerts", ".filters"),
    ("alert", "/alerts/{alert}", ".message-box"),
    ("data", "/data", "form.upload-form"),
    ("audit", "/audit", "table"),
)


@pytest.mark.parametrize("size", list(SIZES))
def test_every_screen(
    size: str, scene: Scene, console_factory: Callable[..., Console], live_server: LiveServer
) -> None:
    console = console_factory(SIZES[size])
    page = console.page
    console.open()
    page.wait_for_selector("form.login-form")
    assert not axe_violations(console), axe_violations(console)
    console.shot(f"login-{size}")
    console.login(scene.admin)
    problems: dict[str, list[str]] = {}
    for name, route, ready in SCREENS:
        console.go(route.format(shelter=scene.shelter_id, draft=scene.draft_id, returned=scene.returned_id,
                                issued=scene.issued_id, alert=scene.alert_id))  # fmt: skip
        expect(page.locator(ready).first).to_be_visible()
        if name == "data":
            page.set_input_files("input[type=file]", files=[broken_file()])
            page.click("form.upload-form button[type=submit]")
            expect(page.locator("table.errors-table")).to_be_visible()
        if name == "alerts":
            page.select_option("select[name=status]", "")
            expect(page.locator(".card").first).to_be_visible()
        page.wait_for_timeout(SETTLE_MS)  # the live stream keeps a request open: wait for the screen to settle
        found = axe_violations(console)
        if found:
            problems[name] = found
        console.shot(f"{name}-{size}")
    link = console_factory(SIZES[size])
    link.page.goto(f"{live_server.url}/staff/s/{scene.link_token}")
    expect(link.page.locator(".count-value")).to_be_visible()
    link.shot(f"shelter-link-{size}")
    if axe_violations(link):
        problems["shelter-link"] = axe_violations(link)
    assert not problems, problems
