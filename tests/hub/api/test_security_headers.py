"""Security headers on every page the hub serves (issue 20): CSP, nosniff, Referrer-Policy, HSTS over HTTPS."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page
from sqlalchemy.orm import Session

from alerts.channels.signage import hash_token
from alerts.models import SignageDevice
from hub.api.security_headers import inline_script_hashes, page_policy, policy_group, render_policy
from maps.config import tile_origins
from tests.browser import CSP_LISTENER
from tests.conftest import LiveServer
from tests.maps.conftest import READY_TIMEOUT_MS, Problems, local_only, watch

SIGN_TOKEN = "sign-token-for-the-header-test"
SIGN_PAGE = "/signage/csp-sign?token=" + SIGN_TOKEN
#: Every kind of page: the map, the console, OGC HTML, the API docs, open data, a sign, and an API answer.
PAGES = [
    "/",
    "/?lang=en",
    "/staff",
    "/staff/s/some-shelter-link-token",
    "/ogcapi?f=html",
    "/ogcapi/collections/shelters/items?f=html&limit=2",
    "/docs",
    "/docs/oauth2-redirect",
    "/redoc",
    "/opendata/",
    SIGN_PAGE,
    "/api/shelters",
    "/sw.js",
]


def directives(policy: str) -> dict[str, list[str]]:
    """The sources of each directive of a Content-Security-Policy."""
    parts = (part.split() for part in policy.split(";") if part.strip())
    return {name: sources for name, *sources in parts}


@pytest.fixture
def sign(db: Session) -> Iterator[str]:
    """A registered sign (rolled back with the test)."""
    db.add(SignageDevice(device_id="csp-sign", name="CSP sign", token_hash=hash_token(SIGN_TOKEN)))
    db.flush()
    yield "csp-sign"


@pytest.mark.parametrize("path", PAGES)
def test_every_page_sends_the_security_headers(client: TestClient, sign: str, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200, response.text
    policy = directives(response.headers["content-security-policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert [s for s in policy["script-src"] if not s.startswith("'sha256-")] == ["'self'"]
    assert policy["frame-ancestors"] == (["'self'", "https:"] if path.startswith("/signage/") else ["'none'"])
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] in {"strict-origin-when-cross-origin", "no-referrer"}
    assert "strict-transport-security" not in response.headers  # plain HTTP: HSTS would be ignored


#: An inline script (not a JSON data block) or inline style, which the policy would block.
INLINE = re.compile(r"<style|\sstyle\s*=|<script(?![^>]*\ssrc\s*=)(?![^>]*application/json)", re.IGNORECASE)
HTML_PAGES = [p for p in PAGES if p.startswith(("/?", "/staff", "/ogcapi", "/opendata", "/signage")) or p == "/"]


@pytest.mark.parametrize("path", HTML_PAGES)
def test_pages_have_no_inline_script_or_style(client: TestClient, sign: str, path: str) -> None:
    response = client.get(path)
    assert response.headers["content-type"].startswith("text/html")
    assert INLINE.findall(response.text) == []


@pytest.mark.parametrize("path", ["/", "/sw.js", "/redoc", "/signage/x", "/staff", "/api/shelters", "/static/a"])
def test_policy_groups_stand_for_their_pages(path: str) -> None:
    tiles = ["https://tiles.example"]
    assert page_policy(policy_group(path), tile_origins=tiles) == page_policy(path, tile_origins=tiles)


@pytest.mark.parametrize("path", ["/staff", "/staff/s/some-shelter-link-token", SIGN_PAGE])
def test_pages_with_a_token_in_the_url_send_no_referrer(client: TestClient, sign: str, path: str) -> None:
    assert client.get(path).headers["referrer-policy"] == "no-referrer"


def test_docs_inline_script_is_allowed_by_its_hash_only(client: TestClient) -> None:
    response = client.get("/docs", headers={"Accept-Encoding": "gzip"})
    scripts = re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL)
    assert scripts, "FastAPI's docs page boots Swagger UI inline"
    hashes = directives(response.headers["content-security-policy"])["script-src"][1:]
    assert hashes == inline_script_hashes(response.content) and len(hashes) == len(scripts)


def test_hsts_only_over_https(app: FastAPI) -> None:
    with TestClient(app, base_url="https://hub.example.org") as secure:
        assert secure.get("/").headers["strict-transport-security"] == "max-age=63072000"
    with TestClient(app, base_url="http://hub.example.org") as plain:
        assert "strict-transport-security" not in plain.get("/").headers


def test_refused_requests_carry_the_headers_too(client: TestClient) -> None:
    response = client.get("/api/shelters", params={"q": "\x00"})
    assert response.status_code == 422
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" in response.headers


@pytest.mark.parametrize("path", ["/", "/sw.js"])
def test_the_map_may_use_only_the_online_base_maps_outside(client: TestClient, path: str) -> None:
    policy = directives(client.get(path).headers["content-security-policy"])
    tiles = tile_origins()
    assert policy["img-src"] == ["'self'", "data:", "blob:", *tiles]
    assert policy["connect-src"] == ["'self'", *tiles]  # the service worker fetches tiles
    others = [sources for name, sources in policy.items() if name not in {"img-src", "connect-src"}]
    assert all(not set(tiles) & set(sources) for sources in others)


def test_other_pages_may_use_nothing_outside() -> None:
    policy = page_policy("/staff", tile_origins=["https://tile.openstreetmap.org"])
    assert "https:" not in policy and "http:" not in policy


def test_inline_script_hash_is_the_csp3_sha256_of_its_text() -> None:
    page = b'<script src="/a.js"></script><script type="module">alert(1)</script><script> </script>'
    assert inline_script_hashes(page) == ["'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"]
    assert render_policy({"a": ["x", "y"], "b": ["z"]}) == "a x y; b z"


def violations(page: Page) -> list[str]:
    """The CSP violations the page recorded."""
    found: list[str] = page.evaluate("window.__csp")
    return found


@pytest.mark.browser
def test_map_loads_with_no_csp_violation(browser: Browser, live_server: LiveServer) -> None:
    problems = Problems()
    context = browser.new_context()
    try:
        local_only(context, problems)
        context.add_init_script(CSP_LISTENER)
        page = context.new_page()
        watch(page, problems)
        page.goto(live_server.url + "/")
        page.wait_for_selector("html[data-shelters-drawn]", timeout=READY_TIMEOUT_MS)
        page.evaluate("navigator.serviceWorker.ready")
        assert violations(page) == []
        assert problems.all() == []
    finally:
        context.close()


@pytest.mark.browser
def test_docs_inline_script_is_not_blocked(browser: Browser, live_server: LiveServer) -> None:
    """The page's own inline script runs (its assets may still be missing: no CDN is reachable here)."""
    context = browser.new_context()
    try:
        local_only(context, Problems())
        context.add_init_script(CSP_LISTENER)
        page = context.new_page()
        page.goto(live_server.url + "/docs")
        page.wait_for_load_state("load")
        assert [v for v in violations(page) if " inline " in v] == []
    finally:
        context.close()
