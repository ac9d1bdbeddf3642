"""Data uploads: preview rolls back and reports row errors; the real import commits and audits; roles."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.audit.models import AuditEntry
from hub.hazards.models import HazardZone
from hub.shelters.models import Shelter
from tests.hub.api.staff.conftest import MakeStaff, Staff

GSI_HEADER = (
    "NO,共通ID,施設・場所名,住所,洪水,崖崩れ、土石流及び地滑り,高潮,地震,津波,大規模な火事,内水氾濫,火山現象,"
    "緯度,経度,備考\n"
)


def gsi_csv(*rows: str) -> bytes:
    """A GSI shelter CSV (UTF-8 with BOM) with the given data rows."""
    return ("\ufeff" + GSI_HEADER + "".join(r + "\n" for r in rows)).encode("utf-8")


GOOD_ROW = "1,TEST-CONSOLE-1,テスト避難所,品川区1-1,1,,,1,,,,,35.61,139.73,"
SECOND_ROW = "2,TEST-CONSOLE-2,テスト避難所2,品川区1-2,,,,1,,,,,35.62,139.72,"
BAD_ROWS = (
    "3,TEST-CONSOLE-3,,品川区1-3,,,,1,,,,,35.6,139.7,",  # empty name
    "4,TEST-CONSOLE-4,緯度なし,品川区1-4,,,,1,,,,,north,139.7,",  # not a number
    "5,TEST-CONSOLE-5,範囲外,品川区1-5,,,,1,,,,,35.6,999,",  # out of range
)


@pytest.fixture
def coordinator(make_staff: MakeStaff) -> Staff:
    """A coordinator with a token."""
    return make_staff("coordinator")


def upload(
    client: TestClient, who: Staff, path: str, name: str, content: bytes, **form: str
) -> tuple[int, dict[str, Any]]:
    response = client.post(path, headers=who.headers, files={"file": (name, content, "text/csv")}, data=form)
    return response.status_code, response.json()


def shelter_count(db: Session) -> int:
    return int(db.scalar(select(func.count()).select_from(Shelter)) or 0)


def test_preview_reports_counts_and_writes_nothing(client: TestClient, coordinator: Staff, db: Session) -> None:
    before = shelter_count(db)
    status, body = upload(
        client, coordinator, "/api/imports/shelters/preview", "new.csv", gsi_csv(GOOD_ROW, SECOND_ROW)
    )
    assert status == 200, body
    assert body["committed"] is False and body["refused"] is False
    assert (body["rows"], body["inserted"], body["updated"], body["unchanged"]) == (2, 2, 0, 0)
    assert body["errors"] == []
    assert shelter_count(db) == before
    assert db.scalar(select(Shelter).where(Shelter.source_id == "TEST-CONSOLE-1")) is None


def test_preview_of_a_broken_file_lists_every_row_error(client: TestClient, coordinator: Staff, db: Session) -> None:
    before = shelter_count(db)
    status, body = upload(
        client, coordinator, "/api/imports/shelters/preview", "broken.csv", gsi_csv(GOOD_ROW, *BAD_ROWS)
    )
    assert status == 200
    assert body["refused"] is True
    assert body["rows"] == 1 and body["inserted"] == 1  # what the good rows would do with skip_invalid
    errors = body["errors"]
    assert isinstance(errors, list)
    found = {(e["row"], e["field"]) for e in errors}
    assert {(3, "施設・場所名"), (4, "緯度"), (5, "経度")} <= found
    assert all(e["file"] == "broken.csv" and e["reason"] for e in errors)
    assert shelter_count(db) == before


def test_import_of_a_broken_file_is_refused_whole(client: TestClient, coordinator: Staff, db: Session) -> None:
    before = shelter_count(db)
    response = client.post(
        "/api/imports/shelters",
        headers=coordinator.headers,
        files={"file": ("broken.csv", gsi_csv(GOOD_ROW, *BAD_ROWS), "text/csv")},
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"] == "urn:bosai:problem:import-refused"
    assert body["error_count"] == len(body["errors"]) >= 3
    assert {e["row"] for e in body["errors"]} == {3, 4, 5}
    assert shelter_count(db) == before


def test_import_commits_audits_and_is_idempotent(client: TestClient, coordinator: Staff, db: Session) -> None:
    content = gsi_csv(GOOD_ROW, SECOND_ROW)
    status, body = upload(client, coordinator, "/api/imports/shelters", "good.csv", content)
    assert status == 200, body
    assert body["committed"] is True and (body["inserted"], body["updated"]) == (2, 0)
    stored = db.scalar(select(Shelter).where(Shelter.source_id == "TEST-CONSOLE-1"))
    assert stored is not None and stored.name == "テスト避難所" and "flood" in stored.hazards
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "import.shelters").order_by(AuditEntry.id.desc()))
    assert entry is not None and entry.actor == coordinator.user.username
    assert entry.after is not None and entry.after["inserted"] == 2
    status, again = upload(client, coordinator, "/api/imports/shelters/preview", "good.csv", content)
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 2)


def test_skip_invalid_imports_the_good_rows(client: TestClient, coordinator: Staff, db: Session) -> None:
    status, body = upload(
        client, coordinator, "/api/imports/shelters", "mixed.csv", gsi_csv(GOOD_ROW, *BAD_ROWS), skip_invalid="true"
    )
    assert status == 200
    assert body["inserted"] == 1 and body["error_count"] >= 3 and body["refused"] is False
    assert db.scalar(select(Shelter).where(Shelter.source_id == "TEST-CONSOLE-1")) is not None


def test_unknown_format_and_file_type(client: TestClient, coordinator: Staff) -> None:
    status, body = upload(client, coordinator, "/api/imports/shelters/preview", "x.csv", b"a,b\n1,2\n")
    assert status == 200 and body["refused"] is True and body["rows"] == 0
    assert "unknown shelter format" in body["errors"][0]["reason"]
    status, body = upload(client, coordinator, "/api/imports/shelters/preview", "x.exe", b"MZ")
    assert status == 422 and "unsupported file type .exe" in str(body["detail"])


@pytest.mark.parametrize("roles", [("viewer",), ("operator",)])
def test_only_coordinators_and_above_may_import(client: TestClient, make_staff: MakeStaff, roles: tuple[str]) -> None:
    who = make_staff(*roles)
    status, body = upload(client, who, "/api/imports/shelters/preview", "good.csv", gsi_csv(GOOD_ROW))
    assert status == 403 and body["type"] == "urn:bosai:problem:forbidden-role"
    response = client.post("/api/imports/shelters/preview", files={"file": ("g.csv", gsi_csv(GOOD_ROW), "text/csv")})
    assert response.status_code == 401


def square(lon: float, lat: float, size: float = 0.001) -> dict[str, object]:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def hazard_geojson(*features: tuple[dict[str, object], object]) -> bytes:
    collection = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {"depth_rank": rank}, "geometry": g} for g, rank in features],
    }
    return json.dumps(collection).encode()


def test_hazard_preview_and_import(client: TestClient, coordinator: Staff, db: Session) -> None:
    content = hazard_geojson((square(139.73, 35.61), 2), (square(139.74, 35.61), 3))
    form = {"source_name": "console-test-hazard", "kind": "river_flood"}
    response = client.post(
        "/api/imports/hazard/preview",
        headers=coordinator.headers,
        files={"file": ("zones.geojson", content, "application/geo+json")},
        data=form,
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["inserted"] == 2 and body["refused"] is False
    assert db.scalar(select(func.count()).where(HazardZone.source == "console-test-hazard")) == 0
    broken = hazard_geojson((square(139.73, 35.61), 2), (square(139.74, 35.61), 9))
    response = client.post(
        "/api/imports/hazard",
        headers=coordinator.headers,
        files={"file": ("zones.geojson", broken, "application/geo+json")},
        data=form,
    )
    assert response.status_code == 422 and response.json()["errors"][0]["row"] == 2
    response = client.post(
        "/api/imports/hazard",
        headers=coordinator.headers,
        files={"file": ("zones.geojson", content, "application/geo+json")},
        data=form,
    )
    assert response.status_code == 200 and response.json()["committed"] is True
    assert db.scalar(select(func.count()).where(HazardZone.source == "console-test-hazard")) == 2


def test_hazard_zip_without_shapefile_is_refused(client: TestClient, coordinator: Staff) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("../../etc/readme.txt", "not a shapefile")
    response = client.post(
        "/api/imports/hazard/preview",
        headers=coordinator.headers,
        files={"file": ("zones.zip", buffer.getvalue(), "application/zip")},
        data={"source_format": "ksj-a31"},
    )
    assert response.status_code == 200
    assert response.json()["refused"] is True and response.json()["errors"][0]["reason"] == "no .shp file in the zip"


@pytest.mark.parametrize(
    ("path", "name", "content"),
    [
        ("/api/imports/shelters/preview", "s.geojson", b'{"type":"FeatureCollection","features":[1,2]}'),
        ("/api/imports/hazard/preview", "z.geojson", b'{"type":"FeatureCollection","features":[1,2]}'),
        ("/api/imports/hazard", "z.geojson", b'{"type":"FeatureCollection","features":[1,2]}'),
    ],
)
def test_a_malformed_file_is_refused_not_a_server_error(
    client: TestClient, coordinator: Staff, path: str, name: str, content: bytes
) -> None:
    response = client.post(path, headers=coordinator.headers, files={"file": (name, content, "application/json")})
    assert response.status_code in (200, 422)
    body = response.json()
    errors = body["errors"]
    assert errors and errors[0]["file"] == name
    assert body.get("refused", True) is True


@pytest.mark.parametrize(
    ("path", "name", "content", "row", "field", "reason"),
    [
        (
            "/api/imports/shelters/preview",
            "s.geojson",
            b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
            b'"geometry":{"type":"Point","coordinates":[]}}]}',
            1,
            "geometry.coordinates",
            "a Point needs [longitude, latitude], got []",
        ),
        (
            "/api/imports/hazard/preview",
            "z.geojson",
            b'{"type":"FeatureCollection","features":[null, 7]}',
            1,
            None,
            "feature is not a JSON object (got NoneType",
        ),
    ],
)
def test_a_malformed_feature_is_named_by_index_and_field(
    client: TestClient,
    coordinator: Staff,
    path: str,
    name: str,
    content: bytes,
    row: int,
    field: str | None,
    reason: str,
) -> None:
    response = client.post(path, headers=coordinator.headers, files={"file": (name, content, "application/json")})
    assert response.status_code == 200
    body = response.json()
    assert body["refused"] is True
    first = body["errors"][0]
    assert (first["file"], first["row"], first["field"]) == (name, row, field)
    assert reason in first["reason"]
