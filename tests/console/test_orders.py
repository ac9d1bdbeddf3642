"""Console in Chromium: draft an order on the map form; four-eyes approval; the board rings for a new level-4 order."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import expect
from sqlalchemy import Engine

from hub.db import transaction
from hub.orders.models import EvacuationOrder
from tests.conftest import LiveServer
from tests.console.conftest import Console, Staff
from tests.console.helpers import call, token_for

pytestmark = pytest.mark.browser
SHINAGAWA = "13109"


def draft_in_console(console: Console) -> int:
    """Fill the new-order form (level 4, flood, Shinagawa) and save; the new order's id."""
    page = console.page
    page.check('input[name=level][value="4"]')
    page.select_option("select[name=hazard]", "flood")
    page.check(f'.area-picker input[value="{SHINAGAWA}"]')
    expect(page.locator('.targets [data-target="shelters"] b')).to_have_text(re.compile(r"^[1-9][\d,]*$"))
    page.fill("textarea[name=reason]", "目黒川・立会川の水位上昇のため")
    page.click("form.order-form button[type=submit]")
    page.wait_for_selector(".view-order")
    match = re.search(r"#/orders/(\d+)$", page.url)
    assert match, page.url
    return int(match.group(1))


def test_an_approver_cannot_approve_their_own_draft_but_another_can(
    console_factory: Callable[..., Console], staff: Callable[..., Staff], engine: Engine, live_server: LiveServer
) -> None:
    drafter = staff("approver-a", "approver")
    other = staff("approver-b", "approver")
    mine = console_factory()
    mine.errors.allow_http_errors()  # the forced approval below answers 403
    mine.login(drafter, "/orders/new")
    order_id = draft_in_console(mine)
    page = mine.page
    expect(page.locator(".view-order .chip")).to_have_text("下書き")
    expect(page.locator("[data-four-eyes]")).to_be_visible()
    expect(page.locator('button[data-action="approve"]')).to_have_count(0)
    token = page.evaluate("() => sessionStorage.getItem('bosai.console.token')")
    forced = mine.api("POST", f"/api/orders/{order_id}/approve", token)
    assert forced["status"] == 403 and forced["body"]["type"] == "urn:bosai:problem:four-eyes"

    second = console_factory()
    second.login(other, f"/orders/{order_id}")
    page = second.page
    expect(page.locator(".view-order")).to_contain_text(drafter.username)
    expect(page.locator(".view-order")).to_contain_text("目黒川・立会川の水位上昇のため")
    page.click('button[data-action="approve"]')
    expect(page.locator("dialog")).to_contain_text("承認")
    page.click("dialog .btn-primary")
    expect(page.locator(".view-head .chip")).to_have_text("承認済")
    with transaction(engine) as session:
        order = session.get(EvacuationOrder, order_id)
        assert order is not None
        assert (order.status, order.approved_by, order.drafted_by) == ("approved", other.id, drafter.id)
        assert order.area_codes == [SHINAGAWA] and order.level == 4 and order.hazard == "flood"
    expect(page.locator('button[data-action="issue"]')).to_be_visible()


def test_a_coordinator_draft_is_approved_and_the_board_rings(
    console_factory: Callable[..., Console], staff: Callable[..., Staff], engine: Engine, live_server: LiveServer
) -> None:
    coordinator = staff("coord-order", "coordinator")
    approver = staff("approver-c", "approver")
    drafting = console_factory()
    drafting.login(coordinator, "/orders/new")
    order_id = draft_in_console(drafting)
    expect(drafting.page.locator('button[data-action="approve"]')).to_have_count(0)  # not an approver
    drafting.go("/board")
    expect(drafting.page.locator(".view-board")).to_contain_text("レベル4")
    card = drafting.page.locator(f'.view-board a.card[href="#/orders/{order_id}"]')
    expect(card.locator(".card-meta")).to_have_text("品川区")  # the ward's name, not its code
    assert not drafting.page.title().startswith("(")

    token = token_for(live_server.url, approver)
    assert call(live_server.url, "POST", f"/api/orders/{order_id}/approve", token).status_code == 200
    issued = call(live_server.url, "POST", f"/api/orders/{order_id}/issue", token)
    assert issued.status_code == 200 and issued.json()["alert_id"]

    page = drafting.page
    expect(page).to_have_title(re.compile(r"^\(1\) "))  # the level-4 event badges the title
    expect(page.locator(".event-list")).to_contain_text("避難情報の発令")
    banner = page.locator("#banner")
    expect(banner).to_contain_text("警戒レベル4")
    banner.locator("button").click()  # 確認した
    expect(page).not_to_have_title(re.compile(r"^\("))
    expect(page.locator(".stat").nth(2)).to_contain_text("1")


def test_the_orders_list_keeps_its_status_filter_and_follows_live_events(
    console_factory: Callable[..., Console], staff: Callable[..., Staff], live_server: LiveServer
) -> None:
    coordinator = staff("coord-list", "coordinator")
    approver = staff("approver-list", "approver")
    console = console_factory()
    console.login(coordinator, "/orders")
    page = console.page
    page.select_option("select[name=status]", "issued")
    assert page.evaluate("() => sessionStorage.getItem('bosai.console.orderStatus')") == "issued"

    coord_token, approver_token = token_for(live_server.url, coordinator), token_for(live_server.url, approver)
    body = {"level": 3, "hazard": "flood", "area_codes": [SHINAGAWA], "reason": "一覧の再読込を確かめるため"}
    order_id = call(live_server.url, "POST", "/api/orders", coord_token, json=body).json()["id"]
    assert call(live_server.url, "POST", f"/api/orders/{order_id}/approve", approver_token).status_code == 200
    card = page.locator(f'.card-list a.card[href="#/orders/{order_id}"]')
    expect(card).to_have_count(0)  # approved, not issued: the filter leaves it out
    assert call(live_server.url, "POST", f"/api/orders/{order_id}/issue", approver_token).status_code == 200
    expect(card).to_have_count(1)  # the order.issued event reloads the list

    page.reload()
    page.wait_for_selector('#main[aria-busy="false"] .view-orders')
    expect(page.locator("select[name=status]")).to_have_value("issued")  # kept for the tab
    expect(card).to_have_count(1)
