"""Map layers in Chromium: hazard depth ranks in the national colours, flood history by event and year, online tiles."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from geoalchemy2.shape import from_shape
from playwright.sync_api import Page, Route, expect
from shapely.geometry import MultiPolygon, Point, box
from sqlalchemy import Engine, text

from hub.areas.models import Area
from hub.db import transaction
from hub.hazards.codes import DEPTH_RANK_COLOURS, DEPTH_RANK_LABELS
from hub.hazards.models import HazardZone
from hub.stations.models import Reading, Station
from tests.conftest import LiveServer
from tests.maps.conftest import MapPage, settle

pytestmark = pytest.mark.browser
TAG = "SYNTHETIC:map-layers"
#: Six SYNTHETIC columns of depth ranks 1–6 in 品川区, west to east, and the view that shows them.
WEST, SOUTH, NORTH, WIDTH = 139.7060, 35.6040, 35.6100, 0.0020
VIEW = (35.6070, 139.7120, 15)
#: A SYNTHETIC town-block shape for 中延五丁目 (the demo data has records but no town-block polygons).
TOWN = "中延五丁目"
TOWN_BOX = (139.7135, 35.6040, 139.7175, 35.6075)
#: One transparent 1×1 PNG, served in place of an online map tile (the test has no internet).
PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


@pytest.fixture
def zones(engine: Engine) -> Iterator[None]:
    """Commit SYNTHETIC river-flood zones of every depth rank; remove them afterwards."""
    with transaction(engine) as session:
        for rank in range(1, 7):
            west = WEST + (rank - 1) * WIDTH
            session.add(
                HazardZone(
                    source_key=f"{TAG}:{rank}",
                    kind="river_flood",
                    depth_rank=rank,
                    scenario="想定最大規模",
                    river_name="立会川（SYNTHETIC）",
                    source=TAG,
                    geom=from_shape(MultiPolygon([box(west, SOUTH, west + WIDTH * 0.9, NORTH)]), srid=4326),
                )
            )
    yield
    with transaction(engine) as session:
        session.execute(text("DELETE FROM hazard_zones WHERE source = :tag"), {"tag": TAG})


def show(page: Page, lat: float, lon: float, zoom: int) -> None:
    """Move the map and wait until it has settled."""
    page.evaluate("([lat, lon, z]) => Bosai.map.setView([lat, lon], z)", [lat, lon, zoom])
    settle(page)


@pytest.mark.usefixtures("zones")
def test_hazard_zones_use_the_national_depth_rank_colours(desktop: MapPage, live_server: LiveServer) -> None:
    page = desktop.open(live_server.url)
    show(page, *VIEW)
    paths = page.locator(".leaflet-hazard-pane path")
    expect(paths).to_have_count(6)
    fills = sorted(paths.evaluate_all("(ps) => ps.map((p) => p.getAttribute('fill'))"))
    assert fills == [f"url(#hz-{rank})" for rank in range(1, 7)], "one pattern per depth rank"
    base: dict[str, str] = page.evaluate(
        "() => Object.fromEntries([1, 2, 3, 4, 5, 6].map((r) => "
        "[r, document.querySelector(`#hz-${r} rect`).getAttribute('fill')]))"
    )
    assert {int(rank): colour.upper() for rank, colour in base.items()} == DEPTH_RANK_COLOURS
    hatched = page.evaluate("[2, 3, 4, 5, 6].every((r) => document.querySelectorAll(`#hz-${r} rect`).length === 2)")
    assert hatched, "deeper ranks also differ by hatching, not by colour alone"
    page.click(".actions [data-open-panel=layers]")
    legend = page.locator("#legend-hazard li strong")
    expect(legend).to_have_text([DEPTH_RANK_LABELS[rank] for rank in range(1, 7)])
    page.uncheck("#layer-hazard")
    expect(paths).to_have_count(0)
    assert desktop.problems.all() == []


def records(engine: Engine, **where: str) -> list[dict[str, Any]]:
    """Flood-history rows of 品川区 matching simple equality filters."""
    clause = " AND ".join(f"{column} = :{column}" for column in where) or "TRUE"
    with engine.connect() as conn:
        rows = conn.execute(text(f"SELECT * FROM inundation_records WHERE {clause} ORDER BY id"), where).mappings()
        return [dict(row) for row in rows]


@pytest.fixture
def town_block(engine: Engine) -> Iterator[None]:
    """Give 中延五丁目's records a SYNTHETIC town-block shape; undo afterwards."""
    with transaction(engine) as session:
        area = Area(
            code="SYNTHETIC-131090005",
            kind="town_block",
            name=TOWN,
            parent_code="13109",
            source=TAG,
            geom=from_shape(MultiPolygon([box(*TOWN_BOX)]), srid=4326),
        )
        session.add(area)
        session.flush()
        session.execute(
            text("UPDATE inundation_records SET area_id = :a WHERE town_name = :t"), {"a": area.id, "t": TOWN}
        )
    yield
    with transaction(engine) as session:
        session.execute(text("UPDATE inundation_records SET area_id = NULL WHERE town_name = :t"), {"t": TOWN})
        session.execute(text("DELETE FROM areas WHERE source = :tag"), {"tag": TAG})


@pytest.mark.usefixtures("town_block")
def test_flood_history_by_event_and_year_with_clickable_town_blocks(
    desktop: MapPage, live_server: LiveServer, engine: Engine
) -> None:
    every = records(engine)
    recent = [r for r in every if r["event_date"] is not None]
    assert recent and len(recent) < len(every)
    page = desktop.open(live_server.url, "?lang=en")
    page.click(".actions [data-open-panel=layers]")
    if not page.is_checked("#layer-history"):
        page.check("#layer-history")
    items = page.locator("#history-list li")
    expect(items).to_have_count(len(every))
    page.select_option("#history-from", "2021")
    expect(items).to_have_count(len(recent))  # the time filter keeps only the floods from 2021 on
    page.select_option("#history-from", "")
    page.select_option("#history-event", recent[0]["event_name"])
    expect(items).to_have_count(len(recent))
    expect(items.first).to_contain_text("Flood of")
    page.select_option("#history-event", "")
    cumulative = next(r for r in every if r["town_name"] == TOWN and r["above_floor"] is not None)
    record = items.filter(has_text=TOWN).filter(has_text="above the floor")
    expect(record).to_contain_text(
        f"{cumulative['above_floor']} buildings flooded above the floor, {cumulative['below_floor']} below the floor."
    )
    page.evaluate("Bosai.closePanel()")
    show(page, (TOWN_BOX[1] + TOWN_BOX[3]) / 2, (TOWN_BOX[0] + TOWN_BOX[2]) / 2, 16)
    blocks = page.locator(".leaflet-history-pane path")
    expect(blocks).to_have_count(2)  # the cumulative record and the 2025 one share the town block
    blocks.first.click(force=True)
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text(f"Past floods: {TOWN}")
    expect(popup).to_contain_text(f"{cumulative['above_floor']} buildings flooded above the floor")
    expect(popup).to_contain_text("Flood of")
    assert desktop.problems.all() == []


def test_online_base_map_shows_its_attribution(desktop: MapPage, live_server: LiveServer) -> None:
    requested: list[str] = []

    def tile(route: Route) -> None:
        requested.append(route.request.url)
        route.fulfill(status=200, body=PNG_1X1, content_type="image/png", headers={"Access-Control-Allow-Origin": "*"})

    desktop.context.route("https://cyberjapandata.gsi.go.jp/**", tile)
    page = desktop.open(live_server.url)
    attribution = page.locator(".leaflet-control-attribution")
    expect(attribution).to_contain_text("国土地理院")
    expect(attribution).not_to_contain_text("地理院タイル")
    assert not requested, "no online tiles until the resident asks for them"
    page.click(".actions [data-open-panel=layers]")
    page.check('input[name="basemap"][value="gsi-pale"]')
    expect(attribution).to_contain_text("地理院タイル")
    page.wait_for_function("() => document.querySelectorAll('.leaflet-tile-loaded').length > 0")
    assert requested and all(
        re.match(r"https://cyberjapandata\.gsi\.go\.jp/xyz/pale/\d+/\d+/\d+\.png", u) for u in requested
    )
    page.check('input[name="basemap"][value="simple"]')
    expect(attribution).not_to_contain_text("地理院タイル")
    expect(page.locator(".leaflet-base-pane path").first).to_be_attached()
    assert desktop.problems.all() == []


#: A SYNTHETIC gauge on 立会川 whose water has risen past the evacuation judgement level (2.0 m) to 2.3 m.
GAUGE = (35.6065, 139.7205)


@pytest.fixture
def gauge(engine: Engine) -> Iterator[None]:
    """Commit the SYNTHETIC gauge and a rising day of readings; remove them afterwards."""
    now = datetime.now(UTC)
    with transaction(engine) as session:
        station = Station(
            code="SYNTHETIC-LAYERS",
            name="立会川（SYNTHETIC）",
            kind="water_level",
            river="立会川",
            location=from_shape(Point(GAUGE[1], GAUGE[0]), srid=4326),
            standby_level_m=1.0,
            caution_level_m=1.5,
            evacuation_level_m=2.0,
            danger_level_m=2.5,
            flooding_level_m=3.0,
            source=TAG,
        )
        session.add(station)
        session.flush()
        session.add_all(
            Reading(
                station_id=station.id,
                observed_at=now - timedelta(minutes=10 * n),
                water_level_m=0.8 + 1.5 / (1 + n / 12),
            )
            for n in range(144)
        )
        station_id = station.id
    yield
    with transaction(engine) as session:
        session.execute(text("DELETE FROM stations WHERE id = :id"), {"id": station_id})


@pytest.mark.usefixtures("gauge")
def test_gauge_shows_level_trend_alert_colour_and_a_hydrograph(desktop: MapPage, live_server: LiveServer) -> None:
    page = desktop.open(live_server.url, "?lang=en")
    show(page, *GAUGE, 16)
    marker = page.locator(".gauge-marker", has_text="Lv3")
    expect(marker).to_have_count(1)
    expect(marker).to_have_class(re.compile(r"\bgauge--lv3\b"))
    expect(marker).to_contain_text("↑")
    colour = marker.evaluate("(el) => getComputedStyle(el).backgroundColor")
    assert colour == "rgb(255, 40, 0)", "警戒レベル3相当 is drawn in the guideline's red"
    label = marker.get_attribute("aria-label") or ""
    assert "Evacuation judgement level (like alert level 3)" in label and "Rising" in label, "not by colour alone"
    marker.click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("Water level 2.30 m")
    expect(popup).to_contain_text("Rising")
    graph = popup.locator("svg.hg")
    expect(graph).to_be_visible()
    assert (graph.locator("polyline").get_attribute("points") or "").count(",") == 144
    expect(graph).to_have_attribute("aria-label", re.compile(r"Highest in the last 24 hours: 2\.30 m"))
    assert desktop.problems.all() == []
