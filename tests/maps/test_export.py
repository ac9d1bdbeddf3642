"""`bosai map export DIR`: a self-contained folium page of a ward's hazard and flood-history layers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from geoalchemy2.shape import from_shape
from playwright.sync_api import Browser, Route
from shapely.geometry import MultiPolygon, box
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from bosai.cli import app
from hub.hazards.models import HazardZone
from hub.settings import Settings, get_settings
from maps.export import build_map, load, self_contained_html

SHINAGAWA = "13109"
#: A SYNTHETIC rank-3 river-flood zone inside 品川区 (near 中延), only in the rolled-back test transaction.
SYNTHETIC_ZONE = box(139.705, 35.603, 139.712, 35.608)


@pytest.fixture
def zone(db: Session) -> HazardZone:
    """A synthetic hazard zone, rolled back after the test."""
    item = HazardZone(
        source_key="SYNTHETIC:maps-export",
        kind="river_flood",
        depth_rank=3,
        depth_min_m=3.0,
        depth_max_m=5.0,
        scenario="想定最大規模",
        river_name="立会川（SYNTHETIC）",
        source="SYNTHETIC test zone",
        geom=from_shape(MultiPolygon([SYNTHETIC_ZONE]), srid=4326),
    )
    db.add(item)
    db.flush()
    return item


def test_export_holds_hazard_and_history_and_loads_nothing(db: Session, zone: HazardZone) -> None:
    data = load(db, ward_code=SHINAGAWA)
    assert data.ward["name"] == "品川区"
    assert [z["properties"]["depth_rank"] for z in data.zones if z["id"] == zone.id] == [3]
    assert len(data.floods) == 19 and {f["properties"]["town_name"] for f in data.floods} >= {
        "中延二丁目",
        "二葉一丁目",
    }
    page = self_contained_html(build_map(data, lang="en"), lang="en", title="Shinagawa")
    assert '<html lang="en">' in page and "<title>Shinagawa</title>" in page
    loaded = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="([^"]+)"', page)
    assert loaded == [], f"the export must load nothing: {loaded}"
    assert "user-scalable=no" not in page, "people must be able to zoom (WCAG 1.4.4)"
    assert "L.map(" in page and "Leaflet" in page and "url(images/" not in page
    assert "#FFB7B7" in page and "3 m to 5 m" in page
    assert "River flood" in page and "Past floods" in page
    assert "30 buildings flooded above the floor, 21 below the floor." in page  # 中延二丁目 1989–2020
    assert "6-15 buildings flooded." in page  # 2025-09-11 class


def test_export_opens_in_chromium_without_network(
    db: Session, zone: HazardZone, browser: Browser, tmp_path: Path
) -> None:
    target = tmp_path / "index.html"
    target.write_text(
        self_contained_html(build_map(load(db, ward_code=SHINAGAWA), lang="ja"), lang="ja", title="品川区")
    )
    requests: list[str] = []
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def refuse(route: Route) -> None:
        if not route.request.url.startswith(("file:", "data:")):
            requests.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    page.route("**/*", refuse)
    try:
        page.goto(target.as_uri())
        page.wait_for_selector(".leaflet-control-layers")
        assert page.locator(".leaflet-overlay-pane path").count() >= 3  # ward, river, the zone
        assert "洪水（川の氾濫）" in page.inner_text(".leaflet-control-layers")
        assert "過去の浸水" in page.inner_text(".bosai-side")
        assert requests == [] and errors == []
    finally:
        page.close()


def test_cli_writes_the_page_and_refuses_an_unknown_ward(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOSAI_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    try:
        ok = CliRunner().invoke(app, ["map", "export", str(tmp_path / "site"), "--ward", SHINAGAWA, "--lang", "ko"])
        assert ok.exit_code == 0, ok.output
        page = (tmp_path / "site" / "index.html").read_text("utf-8")
        assert '<html lang="ko">' in page and "과거 침수" in page
        bad = CliRunner().invoke(app, ["map", "export", str(tmp_path / "x"), "--ward", "99999"])
        assert bad.exit_code == 1 and "no area with code '99999'" in bad.output and "13109" in bad.output
        lang = CliRunner().invoke(app, ["map", "export", str(tmp_path / "x"), "--ward", SHINAGAWA, "--lang", "fr"])
        assert lang.exit_code != 0 and "ja-easy" in lang.output
    finally:
        get_settings.cache_clear()
