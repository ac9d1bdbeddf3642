"""Shelter importer on the real bundled files and on broken copies."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from hub.importers.common import ImportRejected
from hub.importers.shelters import dms_to_decimal, import_shelters, parse_shelter_file
from hub.shelters.models import Shelter
from tests.conftest import DATA

SHELTERS = DATA / "shelters"
GSI_CSV = SHELTERS / "gsi_designated_emergency_evacuation_sites_4wards_derived.csv"
GSI_GEOJSON = SHELTERS / "gsi_designated_emergency_evacuation_sites_4wards.geojson"
TOKYO_CSV = SHELTERS / "shinagawa_shelters_and_wide_area_evac_sites.csv"
CP932_CSV = SHELTERS / "shinagawa_temporary_assembly_points_original_cp932.csv"
UTF8_CSV = SHELTERS / "shinagawa_temporary_assembly_points_utf8.csv"
DERIVED_CSV = SHELTERS / "shinagawa_temporary_assembly_points_decimal_derived.csv"
TAKAMATSU_CSV = SHELTERS / "takamatsu_evacuation_sites_derived_from_xlsx.csv"


def shelter_count(db: Session) -> int:
    return db.execute(select(func.count()).select_from(Shelter)).scalar_one()


def rewrite_csv(source: Path, target: Path, edit: object, *, encoding: str = "utf-8") -> Path:
    """Copy a CSV, letting edit(header, rows) change it."""
    text = source.read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert callable(edit)
    header, body = rows[0], rows[1:]
    edit(header, body)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *body])
    target.write_bytes(out.getvalue().encode(encoding))
    return target


@pytest.mark.parametrize(
    ("path", "coords", "expected", "kind"),
    [
        (GSI_CSV, "decimal", 111, "designated_emergency_site"),
        (GSI_GEOJSON, "decimal", 111, "designated_emergency_site"),
        (SHELTERS / "gsi_designated_shelters_4wards.geojson", "decimal", 413, "designated_shelter"),
        (TOKYO_CSV, "decimal", 62, None),
        (TAKAMATSU_CSV, "decimal", 195, "designated_emergency_site"),
    ],
)
def test_real_files_parse_completely(path: Path, coords: str, expected: int, kind: str | None) -> None:
    records, errors = parse_shelter_file(path, coords=coords)  # type: ignore[arg-type]
    assert errors == []
    assert len(records) == expected
    if kind:
        assert all(kind in r.kinds for r in records)


def test_gsi_csv_and_geojson_agree() -> None:
    from_csv = {r.source_id: r for r in parse_shelter_file(GSI_CSV)[0]}
    from_json = {r.source_id: r for r in parse_shelter_file(GSI_GEOJSON)[0]}
    assert from_csv.keys() == from_json.keys()
    for key, record in from_csv.items():
        other = from_json[key]
        assert (record.name, record.hazards, record.ward_code) == (other.name, other.hazards, other.ward_code)
        assert record.lat == pytest.approx(other.lat) and record.lon == pytest.approx(other.lon)


def test_gsi_hazard_flags_follow_the_columns() -> None:
    rows = list(csv.DictReader(io.StringIO(GSI_CSV.read_text(encoding="utf-8"))))
    by_id = {r.source_id: r for r in parse_shelter_file(GSI_CSV)[0]}
    for row in rows:
        assert ("flood" in by_id[row["共通ID"]].hazards) == (row["洪水"] == "1")
        assert ("inland_flood" in by_id[row["共通ID"]].hazards) == (row["内水氾濫"] == "1")
    assert {r.ward_code for r in by_id.values()} == {"13103", "13109", "13110"}  # Koto has none (see README)


def test_cp932_and_utf8_copies_give_the_same_records() -> None:
    cp932, cp932_errors = parse_shelter_file(CP932_CSV, coords="dms")
    utf8, _utf8_errors = parse_shelter_file(UTF8_CSV, coords="dms")
    assert [(r.name, r.lat, r.lon) for r in cp932] == [(r.name, r.lat, r.lon) for r in utf8]
    assert len(cp932) == 165
    assert [e.row for e in cp932_errors] == [53]  # 139.4372 = 43'72": impossible, reported not guessed
    assert "139.4372" in cp932_errors[0].reason


def test_dms_decoding_matches_the_derived_columns() -> None:
    derived = {r["施設名"]: r for r in csv.DictReader(io.StringIO(DERIVED_CSV.read_text(encoding="utf-8")))}
    for record in parse_shelter_file(CP932_CSV, coords="dms")[0]:
        row = derived[record.name]
        readings = {round(float(v), 6) for v in (row["lat_decimal_DERIVED"], row["lat_alt_DERIVED"]) if v}
        assert round(record.lat, 6) in readings


@pytest.mark.parametrize(
    ("packed", "degrees", "ambiguous"),
    [
        ("35.371269", 35 + 37 / 60 + 12.69 / 3600, False),
        ("35.372", 35 + 37 / 60 + 20 / 3600, True),
        ("35.378", 35 + 37 / 60 + 8 / 3600, False),  # 80" is impossible, so the unpadded reading
        ("139.44", 139 + 44 / 60, False),
    ],
)
def test_dms_to_decimal(packed: str, degrees: float, ambiguous: bool) -> None:
    value, flag = dms_to_decimal(packed)
    assert value == pytest.approx(degrees)
    assert flag is ambiguous


@pytest.mark.parametrize("packed", ["139.4372", "35.6", "abc", "35.7x"])
def test_dms_to_decimal_refuses_impossible_values(packed: str) -> None:
    with pytest.raises(ValueError, match="DMS"):
        dms_to_decimal(packed)


def test_import_twice_is_a_no_op(db: Session) -> None:
    db.execute(delete(Shelter))
    first = import_shelters(db, GSI_CSV)
    assert (first.inserted, first.updated, first.unchanged) == (111, 0, 0)
    stamps = dict(db.execute(select(Shelter.source_id, Shelter.updated_at)).all())
    second = import_shelters(db, GSI_GEOJSON)  # same data in the other format
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 111)
    assert dict(db.execute(select(Shelter.source_id, Shelter.updated_at)).all()) == stamps


def test_changed_row_is_updated_and_keeps_live_status(db: Session, tmp_path: Path) -> None:
    db.execute(delete(Shelter))
    import_shelters(db, GSI_CSV)
    first_id = parse_shelter_file(GSI_CSV)[0][0].source_id
    db.execute(update(Shelter).where(Shelter.source_id == first_id).values(status="open", occupancy=12))

    def rename(header: list[str], rows: list[list[str]]) -> None:
        rows[0][header.index("施設・場所名")] = "改名した小学校"

    report = import_shelters(db, rewrite_csv(GSI_CSV, tmp_path / "renamed.csv", rename))
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 110)
    shelter = db.execute(select(Shelter).where(Shelter.source_id == first_id)).scalar_one()
    assert (shelter.name, shelter.status, shelter.occupancy, shelter.version) == (
        "改名した小学校",
        "open",
        12,
        2,
    )


def _drop_column(name: str) -> object:
    def edit(header: list[str], rows: list[list[str]]) -> None:
        index = header.index(name)
        for row in [header, *rows]:
            del row[index]

    return edit


def _set(row: int, column: str, value: str) -> object:
    def edit(header: list[str], rows: list[list[str]]) -> None:
        rows[row][header.index(column)] = value

    return edit


def _duplicate_first_row(header: list[str], rows: list[list[str]]) -> None:
    rows.append(list(rows[0]))


@pytest.mark.parametrize(
    ("edit", "row", "field", "reason"),
    [
        (_drop_column("緯度"), 1, "緯度", "required column is missing"),
        (_set(4, "緯度", "135.7"), 6, "緯度", "latitude missing or out of range"),
        (_set(2, "経度", "東経139度"), 4, "経度", "not a number"),
        (_duplicate_first_row, 113, "id", "duplicate id"),
    ],
)
def test_broken_copy_is_refused_and_nothing_is_written(
    db: Session, tmp_path: Path, edit: object, row: int | None, field: str, reason: str
) -> None:
    before = shelter_count(db)
    broken = rewrite_csv(GSI_CSV, tmp_path / "broken.csv", edit)
    with pytest.raises(ImportRejected) as caught:
        import_shelters(db, broken)
    error = caught.value.errors[0]
    assert (error.file, error.row, error.field) == ("broken.csv", row, field)
    assert reason in error.reason
    assert reason in str(caught.value) and "nothing written" in str(caught.value)
    assert shelter_count(db) == before


def test_bad_encoding_is_refused(db: Session, tmp_path: Path) -> None:
    broken = tmp_path / "latin1.csv"
    broken.write_bytes(GSI_CSV.read_bytes()[:200] + b"\x80\xff\xfe bad bytes\n")
    before = shelter_count(db)
    with pytest.raises(ImportRejected, match="not UTF-8 or Shift_JIS"):
        import_shelters(db, broken)
    assert shelter_count(db) == before


def test_skip_invalid_keeps_good_rows_and_reports_bad_ones(db: Session, tmp_path: Path) -> None:
    db.execute(delete(Shelter))
    broken = rewrite_csv(GSI_CSV, tmp_path / "one-bad.csv", _set(0, "緯度", "999"))
    report = import_shelters(db, broken, skip_invalid=True)
    assert report.inserted == 110
    assert [(e.row, e.field) for e in report.skipped] == [(2, "緯度")]
    assert shelter_count(db) == 110


def test_unknown_format_names_the_expected_columns(tmp_path: Path) -> None:
    odd = tmp_path / "odd.csv"
    odd.write_text("foo,bar\n1,2\n", encoding="utf-8")
    with pytest.raises(ImportRejected, match="unknown shelter format"):
        parse_shelter_file(odd)
