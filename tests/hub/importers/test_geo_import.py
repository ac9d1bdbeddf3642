"""Area, river, hazard-zone and flood-history importers."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from shapely.geometry import shape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.areas.models import Area
from hub.hazards.models import HazardZone, InundationRecord, River
from hub.importers.areas import AreaFields, import_areas, import_rivers
from hub.importers.common import ImportRejected
from hub.importers.hazard import HazardFields, import_hazard_geojson
from hub.importers.inundation import era_date, import_inundation, normalise_town
from tests.conftest import DATA

WARDS = DATA / "boundaries" / "n03_4wards.geojson"
RIVERS = DATA / "river" / "w05_rivers_4wards_clipped.geojson"
HISTORY = DATA / "hazard" / "shinagawa_inundation_history_1989_2020_nakanobu_futaba.csv"
CLASSES = DATA / "hazard" / "shinagawa_inundation_2025-09-11_nakanobu_futaba_classes.csv"


def feature(props: dict[str, Any], coordinates: list[Any], kind: str = "Polygon") -> dict[str, Any]:
    """A GeoJSON feature (factory)."""
    return {"type": "Feature", "properties": props, "geometry": {"type": kind, "coordinates": coordinates}}


def square(x: float, y: float, size: float = 0.01) -> list[Any]:
    return [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]]


def write_collection(path: Path, features: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def test_ward_areas_match_the_source_polygons(db: Session) -> None:
    source = json.loads(WARDS.read_text(encoding="utf-8"))["features"]
    for item in source:
        code = item["properties"]["N03_007"]
        area: float = db.execute(select(func.ST_Area(Area.geom)).where(Area.code == code)).scalar_one()
        assert area == pytest.approx(shape(item["geometry"]).area, rel=1e-9)
    assert import_areas(db, WARDS).unchanged == 4


def test_wards_get_their_reading_and_english_name(db: Session) -> None:
    rows = db.execute(select(Area.code, Area.name, Area.name_kana, Area.name_en).where(Area.kind == "ward")).all()
    named = {code: (name, kana, english) for code, name, kana, english in rows}
    assert named["13109"] == ("品川区", "しながわく", "Shinagawa City")
    assert named["13108"] == ("江東区", "こうとうく", "Koto City")
    assert all(kana and english for _, kana, english in named.values())


def test_rivers_loaded_with_names(db: Session) -> None:
    names = set(db.execute(select(River.name)).scalars())
    assert {"目黒川", "隅田川", "荒川", "立合川"} <= names
    assert import_rivers(db, RIVERS).unchanged == 61


def test_town_blocks_with_a_parent(db: Session, tmp_path: Path) -> None:
    path = write_collection(
        tmp_path / "towns.geojson",
        [
            feature({"KEY_CODE": "131090150", "S_NAME": "中延二丁目", "CITY": "13109"}, square(139.71, 35.60)),
        ],
    )
    fields = AreaFields(code="KEY_CODE", name="S_NAME", parent="CITY", kind="town_block")
    assert import_areas(db, path, fields=fields).inserted == 1
    area = db.execute(select(Area).where(Area.code == "131090150")).scalar_one()
    assert (area.kind, area.parent_code, area.name) == ("town_block", "13109", "中延二丁目")


def test_bowtie_polygon_is_repaired_and_reported(db: Session, tmp_path: Path) -> None:
    bowtie = [[[139.70, 35.60], [139.72, 35.62], [139.72, 35.60], [139.70, 35.62], [139.70, 35.60]]]
    path = write_collection(tmp_path / "bowtie.geojson", [feature({"depth_rank": 2}, bowtie)])
    report = import_hazard_geojson(db, path, fields=HazardFields(kind="inland_flood", scenario="想定最大規模"))
    assert report.inserted == 1
    assert "repaired" in report.warnings[0].reason
    valid, area = db.execute(
        select(func.ST_IsValid(HazardZone.geom), func.ST_Area(HazardZone.geom)).where(HazardZone.source == path.name)
    ).one()
    assert valid and area == pytest.approx(0.0002, rel=1e-6)  # two triangles of 0.0001 deg² each


@pytest.mark.parametrize(
    ("geometry", "reason"),
    [
        ({"type": "Polygon", "coordinates": [[[139.7, 35.6], [139.8, 35.6]]]}, "unreadable geometry"),
        ({"type": "Point", "coordinates": [139.7, 35.6]}, "expected a (Multi)Polygon"),
        ({"type": "Polygon", "coordinates": square(139.7, 95.0)}, "out of lon/lat range"),
    ],
)
def test_broken_polygon_refuses_the_file(db: Session, tmp_path: Path, geometry: dict[str, Any], reason: str) -> None:
    good = feature({"depth_rank": 1}, square(139.70, 35.60))
    bad = {"type": "Feature", "properties": {"depth_rank": 3}, "geometry": geometry}
    path = write_collection(tmp_path / "broken.geojson", [good, bad])
    before = db.execute(select(func.count()).select_from(HazardZone)).scalar_one()
    with pytest.raises(ImportRejected) as caught:
        import_hazard_geojson(db, path)
    assert [(e.row, e.field) for e in caught.value.errors] == [(2, "geometry")]
    assert reason in caught.value.errors[0].reason
    assert db.execute(select(func.count()).select_from(HazardZone)).scalar_one() == before


def test_hazard_rank_out_of_scale_is_refused(db: Session, tmp_path: Path) -> None:
    path = write_collection(tmp_path / "rank.geojson", [feature({"depth_rank": 9}, square(139.7, 35.6))])
    with pytest.raises(ImportRejected, match="depth rank must be 1–6"):
        import_hazard_geojson(db, path)


def test_hazard_reimport_is_a_no_op(db: Session, tmp_path: Path) -> None:
    path = write_collection(
        tmp_path / "zones.geojson",
        [feature({"depth_rank": r}, square(139.70 + r / 100, 35.60)) for r in range(1, 7)],
    )
    assert import_hazard_geojson(db, path).inserted == 6
    again = import_hazard_geojson(db, path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 6)
    ranks = db.execute(
        select(HazardZone.depth_rank, HazardZone.depth_min_m, HazardZone.depth_max_m)
        .where(HazardZone.source == path.name)
        .order_by(HazardZone.depth_rank)
    ).all()
    assert ranks[0] == (1, 0.0, 0.5) and ranks[-1] == (6, 20.0, None)


def test_flood_history_loaded_and_normalised(db: Session) -> None:
    records = db.execute(select(InundationRecord).where(InundationRecord.ward_code == "13109")).scalars().all()
    cumulative = {r.town_name: r for r in records if r.count_class is None}
    event = {r.town_name: r for r in records if r.count_class is not None}
    assert len(cumulative) == 9 and len(event) == 10
    assert (cumulative["二葉三丁目"].below_floor, cumulative["二葉三丁目"].above_floor) == (60, 99)
    assert cumulative["中延二丁目"].period_start == date(1989, 1, 1)
    assert cumulative["中延二丁目"].period_end == date(2020, 3, 31)
    assert event["中延三丁目"].confidence == "uncertain"
    assert event["二葉一丁目"].event_date == date(2025, 9, 11)
    assert import_inundation(db, HISTORY, ward_code="13109").unchanged == 9


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("中延2丁目", "中延二丁目"),
        ("二葉１丁目", "二葉一丁目"),
        ("大井12丁目", "大井十二丁目"),
        ("中延二丁目", "中延二丁目"),
    ],
)
def test_normalise_town(raw: str, expected: str) -> None:
    assert normalise_town(raw) == expected


def test_era_dates() -> None:
    assert era_date("平成元年") == date(1989, 1, 1)
    assert era_date("令和2年3月", end=True) == date(2020, 3, 31)
    assert era_date("令和7年9月11日") == date(2025, 9, 11)
    assert era_date("2020") is None


def test_flood_history_bad_count_is_refused(db: Session, tmp_path: Path) -> None:
    path = tmp_path / "history.csv"
    text = HISTORY.read_text(encoding="utf-8").replace(",21,30,", ",二十一,30,", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ImportRejected) as caught:
        import_inundation(db, path, ward_code="13109")
    assert [(e.row, e.field) for e in caught.value.errors] == [(2, "underfloor_buildings")]
    assert (
        db.execute(
            select(func.count()).select_from(InundationRecord).where(InundationRecord.source == "history.csv")
        ).scalar_one()
        == 0
    )
