"""“Where do I go?”: a tapped place → plain words from /api/point-info, the 3 nearest suitable shelters, lines."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import Engine, text

from hub.settings import Settings
from tests.conftest import LiveServer
from tests.fake_osrm import FakeRouterState
from tests.fake_osrm import create_app as create_router
from tests.fakes.server import ThreadedServer
from tests.maps.conftest import MapPage, settle

pytestmark = pytest.mark.browser
#: A place in 品川区 near 戸越銀座 (no hazard zone in the demo data; 品川区 has flood history).
PLACE = (35.6155, 139.7145)
#: Records what the page asks the speech synthesiser to say (the real one still speaks).
RECORD_SPEECH = """
window.__spoken = [];
if (window.speechSynthesis) {
  const speak = window.speechSynthesis.speak.bind(window.speechSynthesis);
  window.speechSynthesis.speak = (u) => { window.__spoken.push({ text: u.text, lang: u.lang }); speak(u); };
}
"""


def nearest_flood_sites(engine: Engine, lat: float, lon: float) -> list[str]:
    """Names of the 3 nearest shelters designated for floods, by geodesic distance (brute force)."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT name FROM shelters WHERE 'flood' = ANY(hazards) ORDER BY "
                "ST_Distance(location::geography, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography), id LIMIT 3"
            ),
            {"lat": lat, "lon": lon},
        )
        return [row.name for row in rows]


def tap(page: Page, lat: float, lon: float) -> None:
    """Tap the map where the place is."""
    page.evaluate("([lat, lon]) => Bosai.map.setView([lat, lon], 16)", [lat, lon])
    settle(page)
    point = page.evaluate(
        """([lat, lon]) => { const p = Bosai.map.latLngToContainerPoint([lat, lon]);
        const r = document.getElementById('map').getBoundingClientRect(); return [p.x + r.left, p.y + r.top]; }""",
        [lat, lon],
    )
    page.mouse.click(point[0], point[1])


def test_tap_a_place_and_get_the_nearest_suitable_shelters(
    phone: MapPage, live_server: LiveServer, engine: Engine
) -> None:
    page = phone.page
    page.add_init_script(RECORD_SPEECH)
    phone.open(live_server.url)
    page.click(".actions [data-open-panel=where]")
    page.select_option("#where-hazard", "flood")
    page.click("#where-pick")
    expect(page.locator("#pick-hint")).to_be_visible()
    tap(page, *PLACE)
    result = page.locator("#where-result")
    expect(result.locator("h3")).to_have_text("この場所（品川区）")
    expect(result).to_contain_text("ここは浸水想定区域に入っていません。ただし、安全という意味ではありません。")
    expect(result).to_contain_text("この区では次の町丁目で浸水の記録があります: 中延一丁目")
    expect(result).to_contain_text("現在、この場所に避難情報は出ていません。")
    expect(result).to_contain_text("現在開設している適した避難所はありません。")
    items = result.locator(".answer-shelters li button")
    expect(items).to_have_count(3)
    expected = nearest_flood_sites(engine, *PLACE)
    for index, name in enumerate(expected):
        expect(items.nth(index)).to_contain_text(f"{index + 1}. {name}: ")
        expect(items.nth(index)).to_contain_text("歩いて約")
    expect(page.locator(".leaflet-lines-pane path")).to_have_count(3)
    expect(page.locator(".you-are-here")).to_be_visible()
    speak = result.locator(".btn--speak")
    if page.evaluate("'speechSynthesis' in window"):
        speak.click()
        spoken = page.evaluate("window.__spoken")
        assert spoken[0]["lang"] == "ja-JP" and expected[0] in spoken[0]["text"]
    else:
        expect(speak).to_be_hidden()
    items.first.click()
    expect(page.locator(".leaflet-popup-content")).to_contain_text(expected[0])
    assert phone.problems.all() == []


def test_offline_answer_is_worked_out_on_the_device(phone: MapPage, live_server: LiveServer, engine: Engine) -> None:
    page = phone.open(live_server.url)
    phone.context.route("**/api/point-info*", lambda route: route.abort("internetdisconnected"))
    page.evaluate("Bosai.setHazard('flood')")
    page.evaluate("([lat, lon]) => Bosai.setPoint(lat, lon, 'map')", list(PLACE))
    result = page.locator("#where-result")
    expect(result).to_contain_text("保存済みのデータからこの端末で計算しました。")
    expect(result).to_contain_text("通信できないため、この場所の危険を確認できませんでした。")
    items = result.locator(".answer-shelters li button")
    expect(items).to_have_count(3)
    for index, name in enumerate(nearest_flood_sites(engine, *PLACE)):
        expect(items.nth(index)).to_contain_text(name)


@pytest.fixture(scope="module")
def routed_hub(engine: Engine, settings: Settings) -> Iterator[tuple[LiveServer, FakeRouterState]]:
    """The full app with a walking router (a local OSRM-compatible fake) configured."""
    from bosai.web import create_app

    state = FakeRouterState()
    with ThreadedServer(create_router(state)) as router:
        server = LiveServer(create_app(settings.model_copy(update={"walk_router_url": router.url}), engine))
        server.start()
        yield server, state
        server.stop()


def test_walking_routes_replace_the_straight_lines_when_a_router_is_configured(
    phone: MapPage, routed_hub: tuple[LiveServer, FakeRouterState]
) -> None:
    server, router = routed_hub
    page = phone.open(server.url)
    page.evaluate("Bosai.setHazard('flood')")
    page.evaluate("([lat, lon]) => Bosai.setPoint(lat, lon, 'map')", list(PLACE))
    expect(page.locator(".leaflet-lines-pane path.walk-route")).to_have_count(3)
    expect(page.locator(".leaflet-lines-pane path.straight-line")).to_have_count(0)
    expect(page.locator("#where-distance-note")).to_contain_text("実線は歩いて通る道のりです。")
    starts = {start for start, _ in router.requests}
    assert starts == {(round(PLACE[1], 6), round(PLACE[0], 6))}  # from the chosen place, in lon,lat order
    assert len({end for _, end in router.requests}) == 3  # one route to each of the 3 shelters
    assert phone.problems.all() == []


def test_place_names_come_with_english_and_readings(phone: MapPage, live_server: LiveServer) -> None:
    page = phone.open(live_server.url, "?lang=en")
    page.evaluate("([lat, lon]) => Bosai.setPoint(lat, lon, 'map')", list(PLACE))
    heading = page.locator("#where-result h3")
    expect(heading).to_contain_text("Shinagawa City / 品川区")
    page.select_option("#lang-select", "ja-easy")
    page.evaluate("([lat, lon]) => Bosai.setPoint(lat, lon, 'map')", list(PLACE))
    expect(heading).to_contain_text("品川区")
    assert "<ruby>品川区<rt>しながわく</rt></ruby>" in heading.inner_html()
    assert phone.problems.all() == []
