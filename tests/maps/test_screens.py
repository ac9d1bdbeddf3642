"""The map's main views during a (SYNTHETIC) storm, at phone and desktop size: each renders with no problem and
is saved as docs/screenshots/map-<view>-<size>.png.

The scenario is committed for the live server and removed afterwards: SYNTHETIC hazard zones in 品川区 (the hub's
demo data has no flood polygons), a level-4 order, three open shelters and one full, a SYNTHETIC rising gauge."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from geoalchemy2.shape import from_shape
from playwright.sync_api import Browser, Page, expect
from shapely.geometry import MultiPolygon, Point, box
from sqlalchemy import Engine, text

from hub.db import transaction
from hub.hazards.models import HazardZone
from hub.orders.models import EvacuationOrder
from hub.stations.models import Reading, Station
from tests.browser import SCREENSHOTS
from tests.conftest import LiveServer
from tests.maps.conftest import DESKTOP, PHONE, new_map_page, settle

pytestmark = pytest.mark.browser
SIZES = {"phone": PHONE, "desktop": DESKTOP}
TAG = "SYNTHETIC:map-screens"
#: 中延・二葉 (the 立会川 valley that flooded in 1999 and 2025): the view of the screenshots.
CENTRE = (35.6075, 139.7165)
ZOOM = 15
#: Columns of SYNTHETIC depth ranks 1–4 across the valley, west to east.
COLUMNS = ((139.709, 1), (139.7125, 2), (139.716, 3), (139.7195, 2), (139.723, 4))
COLUMN_WIDTH = 0.0035
#: Largest screenshot kept (bytes); they stay small enough for the repository.
MAX_PNG_BYTES = 400_000
#: Every image on the page (tiles of the base map, icons) has finished loading.
IMAGES_DONE = "() => [...document.images].every((image) => image.complete)"


@pytest.fixture
def storm(engine: Engine) -> Iterator[dict[str, int]]:
    """Commit the SYNTHETIC storm scenario; remove it and reset the shelters afterwards."""
    with engine.connect() as conn:
        ids = [
            row.id
            for row in conn.execute(
                text(
                    "SELECT id FROM shelters WHERE ward_code = '13109' AND 'flood' = ANY(hazards) "
                    "ORDER BY ST_Distance(location::geography, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography) "
                    "LIMIT 4"
                ),
                {"lat": CENTRE[0], "lon": CENTRE[1]},
            )
        ]
    now = datetime.now(UTC)
    with transaction(engine) as session:
        for index, (west, rank) in enumerate(COLUMNS):
            zone = box(west, 35.600, west + COLUMN_WIDTH, 35.614)
            session.add(
                HazardZone(
                    source_key=f"{TAG}:{index}",
                    kind="river_flood",
                    depth_rank=rank,
                    scenario="想定最大規模",
                    river_name="立会川（SYNTHETIC）",
                    source=TAG,
                    geom=from_shape(MultiPolygon([zone]), srid=4326),
                )
            )
        order = EvacuationOrder(
            level=4,
            hazard="flood",
            status="issued",
            area_codes=["13109"],
            issued_at=now,
            reason="立会川の水位が上昇しています（SYNTHETIC）",
        )
        station = Station(
            code="SYNTHETIC-MAP",
            name="立会川（SYNTHETIC）",
            kind="water_level",
            river="立会川",
            location=from_shape(Point(139.7205, 35.6065), srid=4326),
            standby_level_m=1.0,
            caution_level_m=1.5,
            evacuation_level_m=2.0,
            danger_level_m=2.5,
            flooding_level_m=3.0,
            source=TAG,
        )
        session.add_all([order, station])
        session.flush()
        session.add_all(
            Reading(
                station_id=station.id,
                observed_at=now - timedelta(minutes=10 * n),
                water_level_m=0.8 + 1.5 / (1 + n / 12),
            )
            for n in range(144)
        )
        for shelter_id, status, occupancy in zip(
            ids, ("open", "open", "open", "full"), (40, 130, 170, 200), strict=True
        ):
            session.execute(
                text(
                    "UPDATE shelters SET status = :s, capacity = 200, occupancy = :o, status_changed_at = :t "
                    "WHERE id = :id"
                ),
                {"s": status, "o": occupancy, "t": now, "id": shelter_id},
            )
        scenario = {"order": order.id, "station": station.id}
    yield scenario
    with transaction(engine) as session:
        session.execute(text("DELETE FROM hazard_zones WHERE source = :tag"), {"tag": TAG})
        session.execute(text("DELETE FROM evacuation_orders WHERE id = :id"), {"id": scenario["order"]})
        session.execute(text("DELETE FROM stations WHERE id = :id"), {"id": scenario["station"]})
        session.execute(
            text(
                "UPDATE shelters SET status = 'closed', capacity = NULL, occupancy = 0, status_changed_at = NULL "
                "WHERE id = ANY(:ids)"
            ),
            {"ids": ids},
        )


def save(page: Page, name: str) -> Path:
    """docs/screenshots/map-<name>.png, checked to be a small PNG."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    settle(page)
    page.wait_for_function(IMAGES_DONE)
    target = SCREENSHOTS / f"map-{name}.png"
    page.screenshot(path=str(target))
    data = target.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) <= MAX_PNG_BYTES, (name, len(data))
    return target


def centre(page: Page) -> None:
    """Show the flooded valley and the open shelters around it."""
    page.evaluate(
        """([lat, lon, z]) => {
          const open = [...Bosai.shelters.values()].filter((s) => s.props.status !== "closed");
          const bounds = L.latLngBounds(open.map((s) => [s.lat, s.lon])).extend([lat, lon]);
          Bosai.map.fitBounds(bounds.pad(0.1), { maxZoom: z });
        }""",
        [CENTRE[0], CENTRE[1], ZOOM],
    )
    page.wait_for_selector(".leaflet-hazard-pane path")


@pytest.mark.usefixtures("storm")
@pytest.mark.parametrize("size", SIZES)
def test_main_views(browser: Browser, live_server: LiveServer, size: str) -> None:
    item = new_map_page(browser, viewport=SIZES[size], reduced_motion="reduce")
    try:
        page = item.open(live_server.url)
        centre(page)
        expect(page.locator("#warnings")).to_contain_text("【警戒レベル4】避難指示")
        save(page, f"storm-{size}")
        page.click(".actions [data-open-panel=layers]")
        save(page, f"layers-{size}")
        page.evaluate("Bosai.closePanel()")
        centre(page)
        settle(page)
        page.locator(".shelter-marker.sh--open").first.press("Enter")
        expect(page.locator(".leaflet-popup-content")).to_contain_text("開設中")
        save(page, f"shelter-{size}")
        page.evaluate("Bosai.map.closePopup()")
        page.locator(".gauge-marker", has_text="Lv").first.click()
        expect(page.locator(".hg")).to_be_visible()
        save(page, f"gauge-{size}")
        page.evaluate("Bosai.map.closePopup()")
        page.evaluate("Bosai.setHazard('flood')")
        page.evaluate("([lat, lon]) => Bosai.setPoint(lat, lon, 'map')", [35.6085, 139.7150])
        expect(page.locator("#where-result .answer-shelters li")).to_have_count(3)
        save(page, f"where-{size}")
        page.click(".actions [data-open-panel=list]")
        save(page, f"list-{size}")
        page.select_option("#lang-select", "ja-easy")
        page.evaluate("Bosai.openPanel('where')")
        expect(page.locator("#where-result h4").first).to_contain_text("ここの")
        save(page, f"easy-{size}")
        page.select_option("#lang-select", "en")
        page.evaluate("Bosai.closePanel()")
        centre(page)
        expect(page.locator(".actions [data-open-panel=where]")).to_contain_text("Where do I go?")
        save(page, f"english-{size}")
        assert item.problems.all() == []
    finally:
        item.context.close()
