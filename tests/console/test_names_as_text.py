"""Issue 20: a shelter named as HTML stays text in the console's and the public map's tooltips and popups.

The attack: a shelter imported with a name like `<meta http-equiv="refresh" …>` or `<img onerror=…>` redirected a
logged-in console once its map tooltip was shown. Leaflet writes string content as HTML; every tooltip and popup
built from data must be given text or DOM nodes instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import Engine, text, update

from hub.db import transaction
from hub.shelters.models import Shelter
from tests.console.conftest import Console, Staff, Touched
from tests.console.helpers import PickedShelter, pick_shelters

pytestmark = pytest.mark.browser

#: Both payloads of the audit in one name: a meta refresh to an outside page and an image with a script handler.
HOSTILE_NAME = (
    '<meta http-equiv="refresh" content="0;url=http://example.invalid/">'
    '<img src=x onerror="window.__pwned = true">避難所'
)
#: Every Leaflet map the page creates, kept for the test (L.Map.addInitHook is Leaflet's public hook).
KEEP_MAPS = """(() => {
  let leaflet;
  Object.defineProperty(window, "L", {
    configurable: true,
    get() { return leaflet; },
    set(value) {
      leaflet = value;
      value.Map.addInitHook(function () { (window.__maps = window.__maps || []).push(this); });
    },
  });
})();"""
#: Open the tooltip (or popup) of the marker at [lat, lon] on the newest map; true when one was found.
OPEN_AT = """([lat, lon, kind]) => {
  const map = (window.__maps || []).filter((m) => document.contains(m.getContainer())).pop();
  if (!map) return false;
  let found = false;
  map.eachLayer((layer) => {
    if (found || !layer.getLatLng || !layer.getLatLng().equals([lat, lon], 1e-7)) return;
    if (kind === "tooltip" && layer.getTooltip()) { layer.openTooltip(); found = true; }
    if (kind === "popup" && layer.getPopup()) { layer.openPopup(); found = true; }
  });
  return found;
}"""
#: What the attack would leave behind: an injected element anywhere, or the handler having run.
INJECTED = """() => ({
  elements: document.querySelectorAll('meta[http-equiv], img[src="x"]').length,
  pwned: Boolean(window.__pwned),
})"""


@pytest.fixture
def hostile_shelter(engine: Engine, touched: Touched) -> Iterator[tuple[PickedShelter, float, float]]:
    """A shelter renamed to the hostile name and opened (so every map draws it); its name is put back after."""
    (shelter,) = pick_shelters(engine, touched, 1)
    with transaction(engine) as session:
        session.execute(update(Shelter).where(Shelter.id == shelter.id).values(name=HOSTILE_NAME, status="open"))
        where = session.execute(
            text("SELECT ST_Y(location) AS lat, ST_X(location) AS lon FROM shelters WHERE id = :id"), {"id": shelter.id}
        ).one()
    yield shelter, float(where.lat), float(where.lon)
    with transaction(engine) as session:
        session.execute(update(Shelter).where(Shelter.id == shelter.id).values(name=shelter.name))


def assert_untouched(page: Page, url: str) -> None:
    """The page stayed where it was and nothing of the name became markup."""
    # A meta refresh of 0 s navigates on the next task: give it that chance before looking (not a speed check).
    page.wait_for_timeout(1000)
    assert page.url == url, f"the page navigated to {page.url}"
    assert page.evaluate(INJECTED) == {"elements": 0, "pwned": False}


def test_shelter_named_as_html_stays_text_in_console_and_public_map(
    console_factory: Callable[..., Console],
    staff: Callable[..., Staff],
    hostile_shelter: tuple[PickedShelter, float, float],
) -> None:
    shelter, lat, lon = hostile_shelter
    coordinator = staff("coord-names", "coordinator")
    console = console_factory()
    page = console.page
    page.add_init_script(KEEP_MAPS)
    console.login(coordinator)

    # The board's map: the shelter's tooltip shows the name as text.
    page.wait_for_function(OPEN_AT, arg=[lat, lon, "tooltip"])
    tooltip = page.locator(".view-board .leaflet-tooltip")
    expect(tooltip).to_contain_text(HOSTILE_NAME)
    assert_untouched(page, page.url)

    # The shelters screen's map: the popup shows the name as text.
    console.go("/shelters")
    page.wait_for_function(OPEN_AT, arg=[lat, lon, "popup"])
    popup = page.locator(".view-shelters .leaflet-popup-content")
    expect(popup.locator("strong")).to_have_text(HOSTILE_NAME)
    assert_untouched(page, page.url)

    # The shelter's own screen (title and status dialog) and the public map's popup, with the console logged in.
    console.go(f"/shelters/{shelter.id}")
    expect(page.locator(".view-shelter h1")).to_have_text(HOSTILE_NAME)
    assert_untouched(page, page.url)
    page.goto(f"{console.base}/")
    page.wait_for_selector("html[data-ready]")
    page.evaluate("id => Bosai.openShelter(id)", shelter.id)
    heading = page.locator(f'.leaflet-popup-content [data-shelter-id="{shelter.id}"] h3')
    expect(heading).to_have_text(HOSTILE_NAME)
    marker = page.locator(f'.shelter-marker[data-shelter-id="{shelter.id}"]')
    expect(marker).to_have_attribute("aria-label", re.compile("^" + re.escape(f"{HOSTILE_NAME}: 開設中")))
    assert_untouched(page, f"{console.base}/")
