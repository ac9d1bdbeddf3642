"""Console in Chromium: an approver sends a draft back with a comment; the drafter sees it, revises, resubmits."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import expect
from sqlalchemy import Engine, select

from hub.audit.models import AuditEntry
from hub.db import transaction
from hub.orders.models import EvacuationOrder
from tests.console.conftest import Console, Staff
from tests.console.test_orders import SHINAGAWA, draft_in_console

pytestmark = pytest.mark.browser
MEGURO = "13110"
COMMENT = "目黒区側の浸水想定区域も対象に加えてください。"


def test_an_approver_sends_a_draft_back_with_a_comment_and_the_drafter_resubmits(
    console_factory: Callable[..., Console], staff: Callable[..., Staff], engine: Engine
) -> None:
    drafter = staff("coord-returned", "coordinator")
    approver = staff("approver-returner", "approver")
    drafting = console_factory()
    drafting.login(drafter, "/orders/new")
    order_id = draft_in_console(drafting)
    expect(drafting.page.locator('button[data-action="send_back"]')).to_have_count(0)  # not an approver

    reviewing = console_factory()
    reviewing.login(approver, f"/orders/{order_id}")
    page = reviewing.page
    page.click('button[data-action="send_back"]')
    dialog = page.locator("dialog")
    expect(dialog).to_contain_text("差し戻しますか")
    dialog.locator("textarea[name=comment]").fill("")
    dialog.locator(".btn-primary").click()  # without a comment: refused in the page, nothing sent
    expect(page.locator(".view-order .notice-error")).to_contain_text("コメントが必要")
    expect(page.locator(".view-head .chip")).to_have_text("下書き")
    page.click('button[data-action="send_back"]')
    page.keyboard.type(COMMENT)  # the open dialog puts the cursor in the comment
    expect(dialog.locator("textarea[name=comment]")).to_have_value(COMMENT)
    dialog.locator(".btn-primary").click()
    expect(page.locator(".view-head .chip")).to_have_text("差し戻し")
    expect(page.locator("[data-return-comment]")).to_contain_text(COMMENT)
    expect(page.locator('button[data-action="approve"]')).to_have_count(0)
    expect(page.locator(".view-order")).to_contain_text(f"作成者（{drafter.username} さん）の修正")
    with transaction(engine) as session:
        order = session.get(EvacuationOrder, order_id)
        assert order is not None
        assert (order.status, order.return_comment, order.returned_by) == ("returned", COMMENT, approver.id)

    page = drafting.page
    page.reload()
    page.wait_for_selector(".view-order")
    expect(page.locator(".view-head .chip")).to_have_text("差し戻し")  # the live event or the reload shows it
    expect(page.locator("[data-return-comment]")).to_contain_text(approver.username)
    expect(page.locator("[data-return-comment] blockquote")).to_have_text(COMMENT)
    page.click('a[data-action="revise"]')
    page.wait_for_selector(".view-order_edit form.order-form")
    expect(page.locator(".view-order_edit [data-return-comment]")).to_contain_text(COMMENT)
    expect(page.locator(f'.area-picker input[value="{SHINAGAWA}"]')).to_be_checked()
    expect(page.locator('input[name=level][value="4"]')).to_be_checked()
    page.check(f'.area-picker input[value="{MEGURO}"]')
    page.fill("textarea[name=reason]", "目黒川の水位上昇のため（目黒区を追加）")
    page.click("form.order-form button[type=submit]")
    page.wait_for_selector(".view-order")
    assert re.search(rf"#/orders/{order_id}$", page.url), page.url
    expect(page.locator(".view-head .chip")).to_have_text("下書き")
    expect(page.locator("[data-return-comment]")).to_contain_text("前回の差し戻しコメント")

    reviewing.page.reload()
    reviewing.page.wait_for_selector(".view-order")
    reviewing.page.click('button[data-action="approve"]')
    reviewing.page.click("dialog .btn-primary")
    expect(reviewing.page.locator(".view-head .chip")).to_have_text("承認済")
    with transaction(engine) as session:
        order = session.get(EvacuationOrder, order_id)
        assert order is not None
        assert (order.status, order.area_codes, order.approved_by) == ("approved", [SHINAGAWA, MEGURO], approver.id)
        actions = session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.entity == "evacuation_order", AuditEntry.entity_id == str(order_id))
            .order_by(AuditEntry.id)
        ).all()
    assert actions == ["order.draft", "order.send_back", "order.resubmit", "order.approve"]


def test_the_drafter_cannot_send_back_their_own_draft_nor_another_revise_it(
    console_factory: Callable[..., Console], staff: Callable[..., Staff]
) -> None:
    drafter = staff("approver-own", "approver")
    other = staff("coord-other", "coordinator")
    mine = console_factory()
    mine.login(drafter, "/orders/new")
    order_id = draft_in_console(mine)
    expect(mine.page.locator("[data-four-eyes]")).to_be_visible()
    expect(mine.page.locator('button[data-action="send_back"]')).to_have_count(0)
    expect(mine.page.locator('button[data-action="cancel"]')).to_be_visible()

    theirs = console_factory()
    theirs.login(other, f"/orders/{order_id}")
    theirs.page.evaluate("route => { location.hash = route; }", f"/orders/{order_id}/edit")
    expect(theirs.page.locator(".view-order_edit .notice-warning")).to_contain_text("差し戻し中ではない")
    expect(theirs.page.locator(".view-order_edit form")).to_have_count(0)
