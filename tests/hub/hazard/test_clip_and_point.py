"""Clipping to a real ward boundary, the point query and the map's zoom bands."""

from __future__ import annotations

from pathlib import Path

import pytest
import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.areas.models import Area
from hub.hazards.queries import hazard_at, hazard_features
from hub.importers.common import ImportRejected
from tests.hub.hazard import make_fixtures as fx
from tests.hub.hazard.conftest import AREA_RTOL, area_of, load, zones

SHINAGAWA = "13109"


def _ward(db: Session, code: str) -> shapely.Geometry:
    wkb = db.scalar(select(Area.geom.ST_AsBinary()).where(Area.code == code))
    assert wkb is not None
    return shapely.from_wkb(bytes(wkb))


def test_clip_to_ward_keeps_only_what_intersects_it(db: Session, fixtures: Path) -> None:
    path = fx.write_a31_depth_geojson(fixtures, 2)
    report = load(db, path, "ksj-a31", clip_to_area=SHINAGAWA)
    assert report.outside_clip == 1  # the 江東区 box; the rank-5 zone keeps only its grid column
    ward = _ward(db, SHINAGAWA)
    rows = {r["depth_rank"]: r for r in zones(db, f"ksj-a31:{path.name}@{SHINAGAWA}")}
    assert set(rows) == {1, 2, 3, 4, 5, 6}
    for rank, row in rows.items():
        members = [g if g.is_valid else shapely.make_valid(g) for g, r in fx.grid() if r == rank]
        expected = shapely.union_all(members).intersection(ward).area
        assert row["area"] == pytest.approx(expected, rel=AREA_RTOL), rank
        assert row["shape"].difference(ward.buffer(1e-9)).is_empty
        assert row["attributes"]["clipped_to_area"] == SHINAGAWA
    assert rows[5]["area"] == pytest.approx(area_of([g for g, r in fx.grid() if r == 5 and g is not fx.OUTSIDE]))
    border = rows[4]["area"]
    assert border < area_of([g for g, r in fx.grid() if r == 4])  # the 目黒区 part was cut off
    assert border == pytest.approx(
        area_of([g for g, r in fx.grid() if r == 4 and g is not fx.BORDER]) + fx.BORDER.intersection(ward).area,
        rel=AREA_RTOL,
    )


def test_clip_to_unknown_area_is_refused(db: Session, fixtures: Path) -> None:
    with pytest.raises(ImportRejected, match="no area with code '99999'"):
        load(db, fx.write_a31_depth_geojson(fixtures, 2), "ksj-a31", clip_to_area="99999")
    assert zones(db) == []


def test_clip_with_nothing_inside_is_refused(db: Session, fixtures: Path) -> None:
    with pytest.raises(ImportRejected, match="no polygon intersects"):
        load(db, fx.write_a31_depth_geojson(fixtures, 2), "ksj-a31", clip_to_area="13103")
    assert zones(db) == []


def test_a_point_inside_two_layers_answers_both(db: Session, fixtures: Path) -> None:
    load(db, fx.write_a31_depth_geojson(fixtures, 2), "ksj-a31")
    load(db, fx.write_a49_shapefile(fixtures), "ksj-a49")
    lat, lon = fx.POINT_IN_TWO_LAYERS
    layers = hazard_at(db, lat=lat, lon=lon)
    assert [(layer["kind"], layer["depth_rank"]) for layer in layers] == [("river_flood", 3), ("storm_surge", 2)]
    flood, surge = layers
    assert flood["depth_label"] == "3m以上5m未満" and flood["scenario"] == "想定最大規模"
    assert flood["river_name"] == fx.RIVER and flood["source"].startswith("ksj-a31:")
    assert flood["kind_label"] == "洪水浸水想定区域"
    assert surge["depth_label"] == "0.5m以上3m未満" and surge["original_code"] == "0.5m以上1m未満"
    assert (surge["depth_min_m"], surge["depth_max_m"]) == (0.5, 1.0)
    assert hazard_at(db, lat=35.70, lon=139.70) == []


def test_point_query_rejects_impossible_coordinates(db: Session) -> None:
    with pytest.raises(ValueError, match="not a WGS 84 point"):
        hazard_at(db, lat=139.7, lon=35.6)


def test_map_features_use_the_zoom_band_copy(db: Session, fixtures: Path) -> None:
    load(db, fx.write_plateau_fld(fixtures), "plateau-fld")
    bbox = (139.70, 35.60, 139.73, 35.61)
    low, high = hazard_features(db, bbox=bbox, zoom=10), hazard_features(db, bbox=bbox, zoom=17)
    assert [f["properties"]["depth_rank"] for f in low] == [2, 3] == [f["properties"]["depth_rank"] for f in high]
    assert low[0]["properties"]["depth_label"] == "0.5m以上3m未満"
    points = [sum(len(ring[0]) for ring in f["geometry"]["coordinates"]) for f in high]
    assert all(len(p[0]) >= 4 for f in low for p in f["geometry"]["coordinates"])
    assert sum(points) >= sum(sum(len(r[0]) for r in f["geometry"]["coordinates"]) for f in low)
    assert hazard_features(db, bbox=(139.80, 35.65, 139.82, 35.66), zoom=12) == []
    assert [f["properties"]["kind"] for f in hazard_features(db, bbox=bbox, zoom=15, kind="storm_surge")] == []
