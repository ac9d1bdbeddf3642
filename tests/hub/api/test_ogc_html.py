"""OGC API HTML pages: a poisoned shelter name stays text (issue 20, stored XSS), and no page loads a script."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser
from sqlalchemy import Engine, text

from tests.conftest import LiveServer

#: Closes pygeoapi's inline <script> and opens one of its own (no double quote: JSON would escape it), then
#: tries to break out of an attribute.
PAYLOAD = "</script><script>window.pwned = 1; document.title = 'pwned'</script>\"><img src=x onerror=window.pwned=2>"
PAGES = [
    "/ogcapi?f=html",
    "/ogcapi/conformance?f=html",
    "/ogcapi/openapi?f=html",
    "/ogcapi/openapi?f=html&ui=redoc",
    "/ogcapi/collections?f=html",
    "/ogcapi/collections/shelters?f=html",
    "/ogcapi/collections/shelters/queryables?f=html",
    "/ogcapi/collections/shelters/items?f=html&limit=5",
    "/ogcapi/collections/shelters/items/{id}?f=html",
]


@pytest.fixture
def poisoned_shelter(engine: Engine) -> Iterator[int]:
    """The first shelter renamed to the attack for the test (committed: the OGC provider reads on its own pool)."""
    with engine.begin() as conn:
        row = conn.execute(text("SELECT id, name FROM shelters ORDER BY id LIMIT 1")).mappings().one()
        shelter_id: int = row["id"]
        name: str = row["name"]
        conn.execute(text("UPDATE shelters SET name = :name WHERE id = :id"), {"name": PAYLOAD, "id": shelter_id})
    try:
        yield shelter_id
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE shelters SET name = :name WHERE id = :id"), {"name": name, "id": shelter_id})


@pytest.mark.parametrize("path", PAGES)
def test_ogc_html_page_has_no_script_and_no_third_party_resource(
    live_server: LiveServer, poisoned_shelter: int, path: str
) -> None:
    response = httpx.get(live_server.url + path.format(id=poisoned_shelter), timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "<script" not in page
    assert PAYLOAD not in page
    for host in ("unpkg.com", "cdnjs.cloudflare.com", "cdn.jsdelivr.net", "tile.openstreetmap.org"):
        assert host not in page


@pytest.mark.browser
@pytest.mark.parametrize(
    "path", ["/ogcapi/collections/shelters/items?f=html&limit=5", "/ogcapi/collections/shelters/items/{id}?f=html"]
)
def test_poisoned_shelter_name_does_not_run_on_ogc_html(
    browser: Browser, live_server: LiveServer, poisoned_shelter: int, path: str
) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(live_server.url + path.format(id=poisoned_shelter))
        page.wait_for_load_state("load")
        assert page.evaluate("window.pwned") is None
        assert page.title() != "pwned"
        assert "</script><script>" in page.locator("main").inner_text(), "the name is shown, as text"
    finally:
        context.close()
