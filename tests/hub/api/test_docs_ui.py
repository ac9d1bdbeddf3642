"""/docs and /redoc render in Chromium with every request that leaves 127.0.0.1 refused: no CDN behind them."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Request, Route, expect

from hub.settings import Settings
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser

#: Generous ceiling for a 1 MB bundle to render the spec on a loaded 2-core machine (not a speed assertion).
RENDER_TIMEOUT_MS = 30_000
#: Schemes that never reach a network (inline data, objects the page made itself).
LOCAL_SCHEMES = frozenset({"data", "blob"})


@pytest.fixture(scope="module")
def docs_server(settings: Settings) -> Iterator[LiveServer]:
    """The full web application over real HTTP; the documentation pages need no database."""
    from bosai.web import create_app

    server = LiveServer(create_app(settings))
    server.start()
    yield server
    server.stop()


class OfflinePage:
    """A Chromium page whose requests off 127.0.0.1 are aborted (page.route); every request and failure is kept."""

    def __init__(self, browser: Browser) -> None:
        self.context = browser.new_context()
        self.page: Page = self.context.new_page()
        self.requested: list[str] = []
        self.aborted: list[str] = []  # off-host requests that reached the network stack: they would have left
        self.refused: list[str] = []  # refused by the page's Content-Security-Policy: never sent
        self.failed: list[str] = []
        self.console: list[str] = []
        self.page.route("**/*", self._route)
        self.page.on("request", lambda request: self.requested.append(request.url))
        self.page.on("requestfailed", self._failed)
        self.page.on("pageerror", lambda error: self.failed.append(f"page error: {error}"))
        self.page.on("console", lambda m: self.console.append(m.text) if m.type in {"error", "warning"} else None)

    def _route(self, route: Route) -> None:
        if is_local(route.request.url):
            route.continue_()
        else:
            self.aborted.append(route.request.url)
            route.abort("internetdisconnected")

    def _failed(self, request: Request) -> None:
        if request.failure == "csp":
            self.refused.append(request.url)
        elif request.url not in self.aborted:
            self.failed.append(f"{request.url}: {request.failure}")

    def assert_nothing_left_localhost(self) -> None:
        """No request went past the browser to another host, and the page's policy refused nothing local."""
        assert self.aborted == [], "requests that would have left 127.0.0.1"
        assert [u for u in self.requested if not is_local(u) and u not in self.refused] == []
        assert [u for u in self.refused if is_local(u)] == [], "the page's policy refused its own files"
        assert self.failed == []
        assert [m for m in self.console if "Content Security Policy" not in m] == []


def is_local(url: str) -> bool:
    """True for 127.0.0.1 and for URLs that never reach a network (inline data, the page's own blobs)."""
    parts = urlsplit(url)
    return parts.scheme in LOCAL_SCHEMES or parts.hostname == "127.0.0.1"


@pytest.fixture
def offline(browser: Browser) -> Iterator[OfflinePage]:
    """A fresh offline page per test."""
    item = OfflinePage(browser)
    yield item
    item.context.close()


def test_swagger_ui_renders_the_operations_offline(docs_server: LiveServer, offline: OfflinePage) -> None:
    offline.page.goto(f"{docs_server.url}/docs")
    operation = offline.page.locator(".opblock-summary-path", has_text="/api/shelters/nearest")
    expect(operation.first).to_be_visible(timeout=RENDER_TIMEOUT_MS)
    expect(offline.page.locator(".swagger-ui .info .title")).to_contain_text("Bosai Hub API")
    assert any(u.endswith("/docs/assets/swagger-ui/swagger-ui-bundle.js") for u in offline.requested)
    offline.assert_nothing_left_localhost()


def test_redoc_renders_the_operations_offline(docs_server: LiveServer, offline: OfflinePage) -> None:
    offline.page.goto(f"{docs_server.url}/redoc")
    expect(offline.page.locator("h1", has_text="Bosai Hub API").first).to_be_visible(timeout=RENDER_TIMEOUT_MS)
    operation = offline.page.get_by_text("/api/shelters/nearest", exact=True)
    expect(operation.first).to_be_attached()
    assert any(u.endswith("/docs/assets/redoc/redoc.standalone.js") for u in offline.requested)
    offline.assert_nothing_left_localhost()
