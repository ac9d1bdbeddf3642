"""PLATEAU udx/fld CityGML importer on schema-following synthetic files."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from hub.importers.common import ImportRejected
from tests.hub.hazard import make_fixtures as fx
from tests.hub.hazard.conftest import AREA_RTOL, area_of, load, zones


@pytest.mark.parametrize("iur", ["2.0", "3.1"])
def test_triangles_are_dissolved_into_one_polygon_per_rank(db: Session, fixtures: Path, iur: str) -> None:
    path = fx.write_plateau_fld(fixtures, iur=iur, scale="L2")
    report = load(db, path, "plateau-fld")
    assert (report.features, report.rows) == (3, 2)
    rows = {r["depth_rank"]: r for r in zones(db)}
    assert set(rows) == {2, 3}
    for rank, row in rows.items():
        cells = [c for _, r, cs in fx.FLD_BODIES if r == rank for c in cs]
        assert row["area"] == pytest.approx(area_of(cells), rel=AREA_RTOL)
        assert row["shape"].geom_type == "MultiPolygon" and len(row["shape"].geoms) == 1  # no triangle seams left
        assert row["kind"] == "river_flood" and row["scenario"] == "想定最大規模"
        assert row["river_name"] == fx.FLD_BODIES[0][0]
        assert row["attributes"]["scale"] == "L2" and row["attributes"]["admin_type_code"] == "2"
    assert rows[2]["attributes"]["feature_count"] == 2
    assert rows[2]["original_code"] == "2" and (rows[2]["depth_min_m"], rows[2]["depth_max_m"]) == (0.5, 3.0)


def test_lat_lon_axis_order_is_swapped(db: Session, fixtures: Path) -> None:
    load(db, fx.write_plateau_fld(fixtures), "plateau-fld")
    minx, miny, maxx, maxy = zones(db)[0]["shape"].bounds
    assert 139.7 < minx < maxx < 139.73 and 35.6 < miny < maxy < 35.61


def test_planned_scale_file(db: Session, fixtures: Path) -> None:
    load(db, fx.write_plateau_fld(fixtures, scale="L1"), "plateau-fld")
    assert {r["scenario"] for r in zones(db)} == {"計画規模"}


def test_missing_rank_is_refused_naming_it(db: Session, fixtures: Path) -> None:
    path = fx.write_plateau_fld(fixtures)
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("<uro:rank ", "<uro:rankOrg ").replace("</uro:rank>", "</uro:rankOrg>"), encoding="utf-8"
    )
    with pytest.raises(ImportRejected, match=r"uro:rank.*missing"):
        load(db, path, "plateau-fld")
    assert zones(db) == []


def test_not_a_fld_file_is_refused(db: Session, fixtures: Path) -> None:
    path = fx.write_a31_depth_geojson(fixtures, 2).with_suffix(".gml")
    path.write_text("<?xml version='1.0'?><FeatureCollection/>", encoding="utf-8")
    with pytest.raises(ImportRejected, match="not CityGML"):
        load(db, path, "plateau-fld")
    broken = fixtures / "broken.gml"
    broken.write_text("<core:CityModel", encoding="utf-8")
    with pytest.raises(ImportRejected, match="not well-formed"):
        load(db, broken, "plateau-fld")


def test_external_entities_are_not_resolved(db: Session, fixtures: Path) -> None:
    secret = fixtures / "secret.txt"
    secret.write_text("4", encoding="utf-8")
    path = fx.write_plateau_fld(fixtures)
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE x [<!ENTITY e SYSTEM "file://{secret}">]>',
    ).replace(">3</uro:rank>", ">&e;</uro:rank>")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ImportRejected):
        load(db, path, "plateau-fld")
    assert zones(db) == []
