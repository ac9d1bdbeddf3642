"""axe-core (vendored from npm) finds no serious or critical WCAG 2.2 AA violation in the map's main views."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from maps.assets import STATIC_DIR
from tests.conftest import LiveServer
from tests.maps.conftest import DESKTOP, PHONE, new_map_page, settle

pytestmark = pytest.mark.browser
AXE = STATIC_DIR / "vendor" / "axe-core" / "axe.min.js"
#: axe is loaded from the hub like the page's own scripts, which the Content-Security-Policy allows.
AXE_PATH = "/static/" + AXE.relative_to(STATIC_DIR).as_posix()
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = {"serious", "critical"}
#: A place in 品川区 (near 戸越銀座) for the "Where do I go?" answer.
PLACE = (35.6155, 139.7145)


def violations(page: Page) -> list[str]:
    """Serious and critical axe violations on the page as it is now, one line per node."""
    origin = "/".join(page.url.split("/")[:3])
    page.add_script_tag(url=origin + AXE_PATH)
    result: dict[str, Any] = page.evaluate(
        "(tags) => axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })", TAGS
    )
    return [
        f"{v['id']} ({v['impact']}): {node['target']} {node.get('failureSummary', '')}"
        for v in result["violations"]
        if v["impact"] in BLOCKING
        for node in v["nodes"]
    ]


def views(page: Page) -> dict[str, list[str]]:
    """Violations in each main view: the map, layers, the text list, an answer of "Where do I go?"."""
    found = {"map": violations(page)}
    page.click(".actions [data-open-panel=layers]")
    found["layers"] = violations(page)
    page.click(".actions [data-open-panel=list]")
    found["list"] = violations(page)
    page.evaluate("([lat, lon]) => Bosai.setPoint(lat, lon, 'map')", list(PLACE))
    page.wait_for_selector("#where-result h3")
    found["where"] = violations(page)
    page.evaluate("Bosai.closePanel()")
    settle(page)
    page.locator(".shelter-marker").first.press("Enter")
    page.wait_for_selector(".leaflet-popup-content")
    page.wait_for_function("() => getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'")
    found["popup"] = violations(page)
    return found


@pytest.mark.parametrize(("size", "lang"), [(PHONE, "ja"), (DESKTOP, "en"), (PHONE, "ja-easy")])
def test_no_serious_or_critical_violation(
    browser: Browser, live_server: LiveServer, size: dict[str, int], lang: str
) -> None:
    item = new_map_page(browser, viewport=size)
    try:
        page = item.open(live_server.url, f"?lang={lang}")
        page.evaluate("Bosai.map.setView([35.6155, 139.7145], 16)")
        found = views(page)
        assert {name: lines for name, lines in found.items() if lines} == {}
    finally:
        item.context.close()


def test_page_works_at_200_percent_zoom(browser: Browser, live_server: LiveServer) -> None:
    """WCAG 1.4.4 / 1.4.10: a 683 px wide desktop at 200 % reflows to one column with nothing cut off."""
    item = new_map_page(browser, viewport={"width": DESKTOP["width"] // 2, "height": DESKTOP["height"] // 2})
    try:
        page = item.open(live_server.url)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        for selector in (".actions [data-open-panel=where]", ".actions [data-open-panel=layers]", "#lang-select"):
            box = page.locator(selector).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]  # type: ignore[index]
        page.click(".actions [data-open-panel=layers]")
        assert page.locator("#panel").is_visible()
        assert violations(page) == []
    finally:
        item.context.close()
