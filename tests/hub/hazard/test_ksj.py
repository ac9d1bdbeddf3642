"""国土数値情報 importers (A31, A49, A51, A33) on schema-exact synthetic fixtures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from shapely.geometry import box
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.hazards.codes import DEPTH_RANK_LABELS
from hub.hazards.models import DEPTH_RANKS, HazardZone
from hub.importers.common import ImportRejected
from tests.hub.hazard import make_fixtures as fx
from tests.hub.hazard.conftest import AREA_RTOL, area_of, load, zones


def _by_rank(rows: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    return {r["depth_rank"]: r for r in rows}


def test_a31_max_scale_geojson_dissolves_per_rank(db: Session, fixtures: Path) -> None:
    path = fx.write_a31_depth_geojson(fixtures, 2)
    report = load(db, path, "ksj-a31")
    assert (report.features, report.rows, report.inserted) == (38, 6, 6)
    rows = zones(db, f"ksj-a31:{path.name}")
    assert {r["kind"] for r in rows} == {"river_flood"}
    assert {r["scenario"] for r in rows} == {"想定最大規模"}
    assert {r["river_name"] for r in rows} == {fx.RIVER}
    by_rank = _by_rank(rows)
    assert set(by_rank) == set(DEPTH_RANKS)
    for rank, row in by_rank.items():
        expected = area_of([g for g, r in fx.grid() if r == rank])
        assert row["area"] == pytest.approx(expected, rel=AREA_RTOL), rank
        assert row["shape"].area == pytest.approx(expected, rel=AREA_RTOL)
        assert row["valid"] is True
        assert (row["depth_min_m"], row["depth_max_m"]) == DEPTH_RANKS[rank]
        assert row["original_code"] == str(rank)
        assert row["attributes"]["A31a_205"] == rank
        assert row["attributes"]["feature_count"] == sum(1 for _, r in fx.grid() if r == rank)


def test_invalid_geometry_is_repaired_and_reported(db: Session, fixtures: Path) -> None:
    report = load(db, fx.write_a31_depth_geojson(fixtures, 2), "ksj-a31")
    assert any("row 38" in str(w) and "repaired" in str(w) for w in report.warnings)
    bowtie = _by_rank(zones(db))[6]
    assert bowtie["valid"] is True
    assert bowtie["area"] == pytest.approx(area_of([fx.BOWTIE]), rel=AREA_RTOL)
    assert bowtie["area"] > 0


def test_a31_planned_scale_shapefile_shift_jis_jgd2011(db: Session, fixtures: Path) -> None:
    path = fx.write_a31_depth_shapefile(fixtures, 1, encoding="cp932", epsg=6668, cpg=None)
    raw = path.with_suffix(".dbf").read_bytes()
    assert fx.RIVER.encode("cp932") in raw and fx.RIVER.encode("utf-8") not in raw
    report = load(db, path, "ksj-a31")
    assert report.rows == 6
    rows = zones(db)
    assert {r["scenario"] for r in rows} == {"計画規模"}
    assert {r["river_name"] for r in rows} == {fx.RIVER}
    assert {r["attributes"]["A31a_104"] for r in rows} == {"東京都（SYNTHETIC）"}
    for rank, row in _by_rank(rows).items():
        assert row["area"] == pytest.approx(area_of([g for g, r in fx.grid() if r == rank]), rel=AREA_RTOL)


@pytest.mark.parametrize(
    ("encoding", "cpg", "option"), [("cp932", "SHIFT_JIS", None), ("utf-8", "UTF-8", None), ("cp932", None, "cp932")]
)
def test_shapefile_encoding_from_cpg_or_option(
    db: Session, fixtures: Path, encoding: str, cpg: str | None, option: str | None
) -> None:
    path = fx.write_a31_depth_shapefile(fixtures, 2, encoding=encoding, cpg=cpg)
    load(db, path, "ksj-a31", encoding=option)
    assert {r["river_name"] for r in zones(db)} == {fx.RIVER}


def test_wrong_encoding_is_refused_not_garbled(db: Session, fixtures: Path) -> None:
    path = fx.write_a31_depth_shapefile(fixtures, 2, encoding="cp932", cpg="UTF-8")
    with pytest.raises(ImportRejected, match="not utf-8"):
        load(db, path, "ksj-a31")
    assert zones(db) == []


def test_unknown_encoding_or_crs_is_refused_by_name(db: Session, fixtures: Path) -> None:
    path = fx.write_a31_depth_shapefile(fixtures, 2)
    with pytest.raises(ImportRejected, match="field 'encoding': unknown encoding 'klingon'"):
        load(db, path, "ksj-a31", encoding="klingon")
    with pytest.raises(ImportRejected, match="unknown coordinate reference system"):
        load(db, path, "ksj-a31", crs="EPSG:999999")
    path.with_suffix(".shx").unlink()
    with pytest.raises(ImportRejected, match=r"shapefile part\(s\) missing: .shx"):
        load(db, path, "ksj-a31")
    assert zones(db) == []


def test_plane_rectangular_input_is_reprojected(db: Session, fixtures: Path) -> None:
    path = fx.write_a49_shapefile(fixtures, epsg=6677)
    assert "Japan_Zone_9" in path.with_suffix(".prj").read_text() or "IX" in path.with_suffix(".prj").read_text()
    report = load(db, path, "ksj-a49")
    assert report.rows == 2
    rows = {r["original_code"]: r for r in zones(db)}
    assert set(rows) == {"0.5m以上1m未満", "3m以上5m未満"}
    for label, geom in fx.A49_CLASSES:
        row = rows[label]
        assert row["kind"] == "storm_surge" and row["scenario"] == "想定最大規模"
        assert row["area"] == pytest.approx(geom.area, rel=AREA_RTOL)
        assert row["shape"].symmetric_difference(geom).area < geom.area * AREA_RTOL
        assert row["attributes"]["A49_001"] == "東京都"
    assert (rows["0.5m以上1m未満"]["depth_rank"], rows["3m以上5m未満"]["depth_rank"]) == (2, 3)
    assert (rows["0.5m以上1m未満"]["depth_min_m"], rows["0.5m以上1m未満"]["depth_max_m"]) == (0.5, 1.0)


def test_a51_classes_keep_the_published_label_and_merge_equal_classes(db: Session, fixtures: Path) -> None:
    report = load(db, fx.write_a51_geojson(fixtures), "ksj-a51")
    assert (report.features, report.rows) == (4, 3)
    rows = {r["original_code"]: r for r in zones(db)}
    assert {k: v["depth_rank"] for k, v in rows.items()} == {"0.3m未満": 1, "0.3m以上0.5m未満": 1, "1m以上3m未満": 2}
    assert rows["0.3m未満"]["area"] == pytest.approx(
        area_of([g for label, g in fx.A51_CLASSES if label == "0.3m未満"]), rel=AREA_RTOL
    )
    assert {r["kind"] for r in rows.values()} == {"inland_flood"}
    assert rows["1m以上3m未満"]["attributes"]["rank_label"] == DEPTH_RANK_LABELS[2]


def test_a31_duration_and_house_collapse_layers(db: Session, fixtures: Path) -> None:
    load(db, fx.write_a31_duration(fixtures), "ksj-a31")
    load(db, fx.write_a31_house_collapse(fixtures), "ksj-a31")
    rows = zones(db)
    duration = [r for r in rows if r["kind"] == "flood_duration"]
    assert sorted(r["original_code"] for r in duration) == ["1", "2", "3"]
    assert all(r["depth_rank"] is None for r in duration)
    assert {r["attributes"]["label"] for r in duration} == {
        "12時間未満",
        "12時間以上24時間未満",
        "24時間以上72時間未満",
    }
    (collapse,) = [r for r in rows if r["kind"] == "house_collapse"]
    assert (collapse["original_code"], collapse["attributes"]["label"]) == ("1", "氾濫流")


def test_a33_warning_and_special_warning_zones(db: Session, fixtures: Path) -> None:
    load(db, fx.write_a33_geojson(fixtures), "ksj-a33")
    rows = {r["kind"]: r for r in zones(db)}
    assert set(rows) == {"landslide", "landslide_special"}
    assert {r["scenario"] for r in rows.values()} == {"急傾斜地の崩壊"}
    assert rows["landslide_special"]["attributes"]["label"] == "土砂災害特別警戒区域"
    assert rows["landslide"]["attributes"]["name"] == "合成坂"


def test_wrong_fields_are_refused_naming_the_field_and_nothing_is_written(db: Session, fixtures: Path) -> None:
    before = db.scalar(select(func.count()).select_from(HazardZone))
    with pytest.raises(ImportRejected) as refused:
        load(db, fx.write_bad_a31(fixtures), "ksj-a31")
    assert "A31a_205" in str(refused.value)
    assert "nothing written" in str(refused.value)
    for source_format, field in (("ksj-a49", "A49_003"), ("ksj-a51", "A51_005"), ("ksj-a33", "A33_001")):
        with pytest.raises(ImportRejected, match=field):
            load(db, fx.write_a31_depth_geojson(fixtures, 2), source_format)
    assert db.scalar(select(func.count()).select_from(HazardZone)) == before


def test_one_bad_rank_refuses_the_whole_file(db: Session, fixtures: Path) -> None:
    path = fx.write_a31_depth_geojson(fixtures, 2)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["features"][4]["properties"]["A31a_205"] = 9
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ImportRejected, match=r"row 5, field 'A31a_205': depth rank must be 1–6, got 9"):
        load(db, path, "ksj-a31")
    assert zones(db) == []
    report = load(db, path, "ksj-a31", skip_invalid=True)
    assert (report.features, len(report.skipped)) == (38, 1)


def test_reimport_is_a_no_op_and_a_new_edition_replaces_the_old(db: Session, fixtures: Path) -> None:
    path = fx.write_a31_depth_geojson(fixtures, 2)
    first = load(db, path, "ksj-a31")
    before = {r["source_key"]: (r["id"], r["wkb"], r["attributes"]) for r in zones(db)}
    again = load(db, path, "ksj-a31")
    assert (again.inserted, again.updated, again.unchanged, again.deleted) == (0, 0, first.rows, 0)
    assert {r["source_key"]: (r["id"], r["wkb"], r["attributes"]) for r in zones(db)} == before
    data = json.loads(path.read_text(encoding="utf-8"))
    data["features"] = [f for f in data["features"] if f["properties"]["A31a_205"] != 6]
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    edition = load(db, path, "ksj-a31")
    assert (edition.inserted, edition.updated, edition.deleted) == (0, 0, 1)
    assert {r["depth_rank"] for r in zones(db)} == {1, 2, 3, 4, 5}


def test_no_dissolve_keeps_one_zone_per_feature(db: Session, fixtures: Path) -> None:
    report = load(db, fx.write_a31_depth_geojson(fixtures, 2), "ksj-a31", dissolve=False)
    assert report.rows == 38
    assert sum(r["area"] for r in zones(db)) == pytest.approx(area_of([g for g, _ in fx.grid()]), rel=AREA_RTOL)


def test_simplified_copies_follow_the_geometry(db: Session, fixtures: Path) -> None:
    load(db, fx.write_a31_depth_geojson(fixtures, 2), "ksj-a31")
    stats = db.execute(
        select(
            func.count(),
            func.sum(func.ST_NPoints(HazardZone.geom)),
            func.sum(func.ST_NPoints(HazardZone.geom_z11)),
            func.bool_and(func.ST_IsValid(HazardZone.geom_z14)),
        )
    ).one()
    assert stats[0] == 6 and 0 < stats[2] <= stats[1] and stats[3] is True


def test_without_clip_the_zone_outside_the_wards_is_kept(db: Session, fixtures: Path) -> None:
    load(db, fx.write_a31_depth_geojson(fixtures, 2), "ksj-a31")
    koto = _by_rank(zones(db))[5]["shape"]
    assert koto.intersects(box(*fx.OUTSIDE.bounds))
