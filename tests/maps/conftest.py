"""Browser fixtures for the map: Chromium that may only talk to 127.0.0.1, with every problem recorded."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    Response,
    Route,
)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}
#: Generous ceiling for the page to be ready on a loaded 2-core machine (not a speed assertion).
READY_TIMEOUT_MS = 30_000


@dataclass
class Problems:
    """Everything that went wrong in a page: console errors, failed or refused requests, HTTP errors."""

    console: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    http: list[str] = field(default_factory=list)

    def all(self) -> list[str]:
        """Every problem, one line each."""
        return self.console + self.failed + self.blocked + self.http


def local_only(context: BrowserContext, problems: Problems) -> None:
    """Refuse every request that leaves 127.0.0.1 (no CDN, no tiles) and remember it."""

    def handle(route: Route) -> None:
        url = route.request.url
        if urlsplit(url).hostname == "127.0.0.1" or url.startswith("data:"):
            route.continue_()
        else:
            problems.blocked.append(f"blocked: {url}")
            route.abort()

    context.route("**/*", handle)


def watch(page: Page, problems: Problems) -> None:
    """Record console errors, page errors, failed requests and HTTP errors of a page."""

    def on_console(message: ConsoleMessage) -> None:
        if message.type in {"error", "warning"}:
            problems.console.append(f"console {message.type}: {message.text}")

    def on_failed(request: Request) -> None:
        problems.failed.append(f"failed: {request.url} {request.failure}")

    def on_response(response: Response) -> None:
        if response.status >= 400:
            problems.http.append(f"HTTP {response.status}: {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.console.append(f"page error: {error}"))
    page.on("requestfailed", on_failed)
    page.on("response", on_response)


def settle(page: Page) -> None:
    """Wait until the map has stopped moving and no redraw or fetch is in flight (a condition, not a sleep)."""
    page.wait_for_function("() => window.Bosai && Bosai.idle()", timeout=READY_TIMEOUT_MS, polling=50)


@dataclass
class MapPage:
    """A page of the map with its recorded problems."""

    page: Page
    context: BrowserContext
    problems: Problems

    def open(self, base_url: str, query: str = "") -> Page:
        """Load the map and wait until its first data is in."""
        self.page.goto(f"{base_url}/{query}")
        self.page.wait_for_selector("html[data-ready]", timeout=READY_TIMEOUT_MS)
        return self.page


def new_map_page(browser: Browser, *, viewport: dict[str, int], locale: str = "ja-JP", **options: object) -> MapPage:
    """A fresh context (no cache, no service worker yet) restricted to 127.0.0.1."""
    problems = Problems()
    context = browser.new_context(viewport=viewport, locale=locale, **options)  # type: ignore[arg-type]
    local_only(context, problems)
    page = context.new_page()
    watch(page, problems)
    return MapPage(page, context, problems)


@pytest.fixture
def phone(browser: Browser) -> Iterator[MapPage]:
    """The map on a phone-sized screen, in Japanese."""
    item = new_map_page(browser, viewport=PHONE)
    yield item
    item.context.close()


@pytest.fixture
def desktop(browser: Browser) -> Iterator[MapPage]:
    """The map on a desktop screen, in Japanese."""
    item = new_map_page(browser, viewport=DESKTOP)
    yield item
    item.context.close()
