"""Console in Chromium under the hub's Content-Security-Policy (issue 20): no screen trips it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.browser import CSP_LISTENER
from tests.console.conftest import Console, Staff

pytestmark = pytest.mark.browser


def test_console_screens_load_with_no_csp_violation(
    console_factory: Callable[..., Console], staff: Callable[..., Staff]
) -> None:
    coordinator = staff("csp", "coordinator")
    console = console_factory()
    console.page.context.add_init_script(CSP_LISTENER)
    console.login(coordinator)  # the situation board: map, gauges, live events
    console.page.wait_for_selector(".leaflet-container")
    for route in ("/shelters", "/orders", "/orders/new", "/alerts"):
        console.go(route)
        assert console.page.evaluate("window.__csp") == [], route
    policy = console.page.evaluate("fetch('/staff').then((r) => r.headers.get('content-security-policy'))")
    assert "script-src 'self';" in policy and "style-src 'self';" in policy, "the page ran under the strict policy"
