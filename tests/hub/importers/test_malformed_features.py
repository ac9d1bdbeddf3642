"""GeoJSON features that are not objects, or Points without coordinates: row errors, nothing written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.hazards.models import HazardZone
from hub.importers.common import ImportRejected
from hub.importers.hazard import import_hazard_geojson
from hub.importers.shelters import import_shelters
from hub.importers.vector_io import read_geojson_file
from hub.shelters.models import Shelter

SQUARE = [[[139.70, 35.60], [139.71, 35.60], [139.71, 35.61], [139.70, 35.61], [139.70, 35.60]]]
ZONE = {"type": "Feature", "properties": {"depth_rank": 2}, "geometry": {"type": "Polygon", "coordinates": SQUARE}}


def write_collection(path: Path, features: list[Any]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def count(db: Session, model: type[HazardZone] | type[Shelter]) -> int:
    return db.execute(select(func.count()).select_from(model)).scalar_one()


def shelter(source_id: str, coordinates: Any) -> dict[str, Any]:
    """A GSI-style shelter feature (factory)."""
    return {
        "type": "Feature",
        "properties": {"共通ID": source_id, "施設・場所名": f"テスト避難所{source_id}", "住所": "品川区"},
        "geometry": {"type": "Point", "coordinates": coordinates},
    }


@pytest.mark.parametrize(
    ("bad", "field", "reason"),
    [
        (7, None, "feature is not a JSON object (got int: 7)"),
        (None, None, "feature is not a JSON object (got NoneType"),
        ("Feature", None, "feature is not a JSON object (got str"),
        ([1, 2], None, "feature is not a JSON object (got list"),
        ({"type": "Feature", "properties": [1], "geometry": None}, "properties", "must be a JSON object or null"),
        ({"type": "Feature", "properties": {}, "geometry": "POINT(1 2)"}, "geometry", "must be a JSON object or null"),
    ],
)
def test_a_non_object_feature_is_a_row_error_and_the_hazard_file_is_refused(
    db: Session, tmp_path: Path, bad: Any, field: str | None, reason: str
) -> None:
    path = write_collection(tmp_path / "hazard.geojson", [ZONE, bad, ZONE])
    before = count(db, HazardZone)
    with pytest.raises(ImportRejected) as caught:
        import_hazard_geojson(db, path)
    assert [(e.file, e.row, e.field) for e in caught.value.errors] == [("hazard.geojson", 2, field)]
    assert reason in caught.value.errors[0].reason
    assert "row 2" in str(caught.value)
    assert count(db, HazardZone) == before


def test_every_bad_feature_is_named_not_just_the_first(tmp_path: Path) -> None:
    path = write_collection(tmp_path / "many.geojson", [3, ZONE, None, ZONE, 4.5])
    with pytest.raises(ImportRejected) as caught:
        read_geojson_file(path)
    assert [e.row for e in caught.value.errors] == [1, 3, 5]


@pytest.mark.parametrize(
    ("geometry", "field", "reason"),
    [
        ({"type": "Point", "coordinates": []}, "geometry.coordinates", "a Point needs [longitude, latitude], got []"),
        ({"type": "Point", "coordinates": [139.7]}, "geometry.coordinates", "a Point needs [longitude, latitude]"),
        ({"type": "Point"}, "geometry.coordinates", "got None"),
        ({"type": "Point", "coordinates": "139.7,35.6"}, "geometry.coordinates", "a Point needs"),
        ({"type": "Point", "coordinates": ["139.7", 35.6]}, "geometry.coordinates", "must be numbers"),
        ({"type": "Point", "coordinates": [[139.7, 35.6]]}, "geometry.coordinates", "a Point needs"),
        ({"type": "Polygon", "coordinates": SQUARE}, "geometry", "not a Point (type 'Polygon')"),
    ],
)
def test_a_shelter_point_without_usable_coordinates_is_a_row_error(
    db: Session, tmp_path: Path, geometry: dict[str, Any], field: str, reason: str
) -> None:
    bad = shelter("T-BAD", None) | {"geometry": geometry}
    path = write_collection(tmp_path / "shelters.geojson", [shelter("T-GOOD", [139.73, 35.61]), bad])
    before = count(db, Shelter)
    with pytest.raises(ImportRejected) as caught:
        import_shelters(db, path)
    assert [(e.file, e.row, e.field) for e in caught.value.errors] == [("shelters.geojson", 2, field)]
    assert reason in caught.value.errors[0].reason
    assert count(db, Shelter) == before


@pytest.mark.parametrize("bad", [12, None, "x"])
def test_a_non_object_shelter_feature_is_a_row_error(db: Session, tmp_path: Path, bad: Any) -> None:
    path = write_collection(tmp_path / "shelters.geojson", [bad, shelter("T-GOOD", [139.73, 35.61])])
    before = count(db, Shelter)
    with pytest.raises(ImportRejected) as caught:
        import_shelters(db, path)
    assert [(e.row, e.field) for e in caught.value.errors] == [(1, None)]
    assert "feature is not a JSON object" in caught.value.errors[0].reason
    assert count(db, Shelter) == before
