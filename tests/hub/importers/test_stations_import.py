"""Station importer: the real 川の水位情報 master and the ward format."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from hub.importers.common import ImportRejected
from hub.importers.stations import import_stations
from hub.stations.models import Station
from tests.conftest import DATA

MASTER = DATA / "river" / "kriver_water_level_gauges_thresholds.csv"
WARD_HEADER = (
    "code,name,kind,river,latitude,longitude,"
    "standby_level_m,caution_level_m,evacuation_level_m,danger_level_m,flooding_level_m\n"
)


def test_real_master_maps_crisis_gauge_levels(db: Session) -> None:
    db.execute(delete(Station))
    report = import_stations(db, MASTER)
    assert report.inserted == 4053
    assert [w.row for w in report.warnings] == [3632]  # fladLevel below warnLevel: kept, reported
    rows = {r["code"]: r for r in csv.DictReader(io.StringIO(MASTER.read_text(encoding="utf-8")))}
    tokyo = db.execute(select(Station).where(Station.code == "8300000361")).scalar_one()
    source = rows["8300000361"]
    assert tokyo.reporting_mode == "crisis"
    assert tokyo.observation_start_level_m == float(source["startLevel"])
    assert tokyo.danger_level_m == float(source["warnLevel"])
    assert tokyo.flooding_level_m == float(source["fladLevel"])
    assert tokyo.standby_level_m is None and tokyo.caution_level_m is None
    assert tokyo.min_valid_m is not None and tokyo.observation_start_level_m is not None
    assert tokyo.min_valid_m < tokyo.observation_start_level_m
    lon, lat = db.execute(
        select(func.ST_X(Station.location), func.ST_Y(Station.location)).where(Station.code == "8300000361")
    ).one()
    assert (lat, lon) == (pytest.approx(float(source["latitude"])), pytest.approx(float(source["longitude"])))


def test_reimport_is_a_no_op(db: Session) -> None:
    report = import_stations(db, MASTER)  # already loaded by the demo data
    assert (report.inserted, report.updated, report.unchanged) == (0, 0, 4053)


def test_ward_format_with_all_four_levels(db: Session, tmp_path: Path) -> None:
    path = tmp_path / "ward.csv"
    path.write_text(
        WARD_HEADER + "T-001,目黒川 太鼓橋,water_level,目黒川,35.6339,139.7106,1.2,1.6,2.0,2.4,3.0\n",
        encoding="utf-8",
    )
    report = import_stations(db, path)
    assert report.inserted == 1
    station = db.execute(select(Station).where(Station.code == "T-001")).scalar_one()
    assert (station.standby_level_m, station.caution_level_m, station.evacuation_level_m) == (1.2, 1.6, 2.0)
    assert (station.danger_level_m, station.flooding_level_m, station.reporting_mode) == (2.4, 3.0, "regular")


@pytest.mark.parametrize(
    ("line", "field", "reason"),
    [
        ("T-1,目黒川,water_level,目黒川,95.0,139.7,1,2,3,4,5", "latitude", "out of range"),
        ("T-1,目黒川,snow,目黒川,35.6,139.7,1,2,3,4,5", "kind", "water_level or rain"),
        ("T-1,目黒川,water_level,目黒川,35.6,139.7,1,2,x,4,5", "evacuation_level_m", "not a number"),
        (",目黒川,water_level,目黒川,35.6,139.7,1,2,3,4,5", "code", "empty station code"),
    ],
)
def test_bad_row_is_refused_whole(db: Session, tmp_path: Path, line: str, field: str, reason: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        WARD_HEADER + "T-0,良い行,water_level,目黒川,35.6,139.7,1,2,3,4,5\n" + line + "\n", encoding="utf-8"
    )
    before = db.execute(select(func.count()).select_from(Station)).scalar_one()
    with pytest.raises(ImportRejected) as caught:
        import_stations(db, path)
    assert [(e.row, e.field) for e in caught.value.errors] == [(3, field)]
    assert reason in caught.value.errors[0].reason
    assert db.execute(select(func.count()).select_from(Station)).scalar_one() == before


def test_missing_column_is_named(tmp_path: Path, db: Session) -> None:
    path = tmp_path / "nolat.csv"
    path.write_text("code,name,kind,longitude\nT-1,x,rain,139.7\n", encoding="utf-8")
    with pytest.raises(ImportRejected, match="latitude"):
        import_stations(db, path)
