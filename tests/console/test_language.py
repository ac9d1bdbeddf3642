"""Console in Chromium: Japanese first, English on request, remembered across visits."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from tests.console.conftest import PASSWORD, Console, Staff

pytestmark = pytest.mark.browser


def test_japanese_first_and_english_available(
    console_factory: Callable[..., Console], staff: Callable[..., Staff]
) -> None:
    viewer = staff("viewer", "viewer")
    console = console_factory()
    page = console.page
    console.open()
    expect(page.locator("h1")).to_have_text("職員ログイン")
    assert page.evaluate("() => document.documentElement.lang") == "ja"
    page.select_option("#lang", "en")
    expect(page.locator("h1")).to_have_text("Staff sign-in")
    assert page.evaluate("() => document.documentElement.lang") == "en"
    page.fill("input[name=username]", viewer.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.login-form button[type=submit]")
    expect(page.locator("#mainnav")).to_contain_text("Situation")
    # A viewer sees the read screens only: no data upload, no audit log, no new order.
    expect(page.locator("#mainnav a")).to_have_text(["Situation", "Shelters", "Evacuation orders", "Alerts"])
    console.go("/orders")
    expect(page.locator(".view-orders")).not_to_contain_text("New evacuation order")
    page.reload()
    page.wait_for_selector(".view-orders")
    expect(page.locator("h1")).to_have_text("Evacuation orders")  # the choice and the session survive a reload
    page.select_option("#lang", "ja")
    expect(page.locator("h1")).to_have_text("避難情報")
