"""Issue 20: the console's logout button revokes the token at the hub, so a copy of it stops working."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.console.conftest import Console, Staff

pytestmark = pytest.mark.browser


def test_logout_button_revokes_the_token(console_factory: Callable[..., Console], staff: Callable[..., Staff]) -> None:
    viewer = staff("logout", "viewer")
    console = console_factory()
    console.login(viewer)
    token = console.page.evaluate("sessionStorage.getItem('bosai.console.token')")
    assert console.api("GET", "/api/auth/me", token)["status"] == 200
    console.page.click("#topbar-tools button:has-text('ログアウト')")
    console.page.wait_for_selector("form.login-form")
    assert console.page.evaluate("sessionStorage.getItem('bosai.console.token')") is None
    console.errors.allow_http_errors()  # the replayed token's 401 below is this test's point
    assert console.api("GET", "/api/auth/me", token)["status"] == 401
    # Logging in again works.
    console.login(viewer)
    assert console.page.evaluate("sessionStorage.getItem('bosai.console.token')") not in (None, token)
