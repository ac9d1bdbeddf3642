"""Issue 20: the public map's service worker never keeps a staff answer, so logout and no network leave none.

The attack: the worker (scope /, as the map is at /) also controls /staff; it stored every /api GET, the staff's
token-bearing reads too, and answered them from its cache offline without a token (/api/audit came back).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Browser

from tests.conftest import LiveServer
from tests.console.conftest import DESKTOP, Console, ConsoleErrors, Staff

pytestmark = pytest.mark.browser

#: Generous ceiling for the worker to install and take control on a loaded machine (not a speed assertion).
WORKER_TIMEOUT_MS = 30_000
CONTROLLED = "async () => Boolean((await navigator.serviceWorker.ready).active && navigator.serviceWorker.controller)"
#: Every URL path held in any Cache Storage cache of the origin.
CACHED_PATHS = """async () => {
  const paths = [];
  for (const name of await caches.keys()) {
    for (const request of await (await caches.open(name)).keys()) paths.push(new URL(request.url).pathname);
  }
  return paths;
}"""
#: A plain GET as an attacker at the same keyboard would send it: no token.
FETCH_WITHOUT_TOKEN = """async (path) => {
  try {
    const res = await fetch(path);
    return { status: res.status, fromCache: res.headers.get("x-bosai-from-cache"), body: await res.text() };
  } catch (error) {
    return { status: 0, error: String(error) };
  }
}"""


def test_staff_reads_are_not_served_offline_by_the_map_worker(
    browser: Browser, live_server: LiveServer, staff: Callable[..., Staff]
) -> None:
    admin = staff("admin-offline", "admin")
    context = browser.new_context(viewport=DESKTOP, locale="ja-JP", timezone_id="Asia/Tokyo")
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        # Offline requests fail on purpose here: the console's error log is not this test's concern.
        console = Console(page, ConsoleErrors(page), live_server.url)
        page.goto(f"{live_server.url}/")
        page.wait_for_selector("html[data-ready]")
        page.wait_for_function(CONTROLLED, timeout=WORKER_TIMEOUT_MS, polling=200)

        console.login(admin)
        assert page.evaluate("Boolean(navigator.serviceWorker.controller)"), "the map's worker controls /staff too"
        token = page.evaluate("sessionStorage.getItem('bosai.console.token')")
        audit: dict[str, Any] = console.api("GET", "/api/audit", token)
        assert audit["status"] == 200 and audit["body"], "the staff read works online"
        me = console.api("GET", "/api/auth/me", token)
        assert me["status"] == 200

        page.click("#topbar-tools button:has-text('ログアウト')")
        page.wait_for_selector("form.login-form")
        cached = page.evaluate(CACHED_PATHS)
        assert "/api/audit" not in cached and "/api/auth/me" not in cached, cached

        context.set_offline(True)
        answer = page.evaluate(FETCH_WITHOUT_TOKEN, "/api/audit")
        assert answer["status"] != 200, f"/api/audit answered offline without a token: {answer}"

        # The public map still opens offline from the worker's caches, with its shelters.
        page.goto(f"{live_server.url}/")
        page.wait_for_selector("html[data-ready]", timeout=WORKER_TIMEOUT_MS)
        page.wait_for_selector("html[data-shelters-drawn]")
        assert page.locator(".shelter-marker, .shelter-group").count() > 0
    finally:
        context.close()
