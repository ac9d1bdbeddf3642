"""Hazard test helpers: fixture files generated per test, zones read back with their areas."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import text
from sqlalchemy.orm import Session

from hub.importers.hazard_files import HazardImportOptions, import_hazard_file
from hub.importers.zones import HazardImportReport

#: Relative tolerance of area comparisons (degrees² after a JGD2011 plane-rectangular round trip).
AREA_RTOL = 1e-6


@pytest.fixture
def fixtures(tmp_path: Path) -> Path:
    """A directory for the synthetic fixture files of one test."""
    directory = tmp_path / "fixtures"
    directory.mkdir()
    return directory


def load(db: Session, path: Path, source_format: str, **options: Any) -> HazardImportReport:
    """Import one file in the test's rolled-back transaction."""
    return import_hazard_file(db, path, HazardImportOptions(source_format=source_format, **options))


def zones(db: Session, source: str | None = None) -> list[dict[str, Any]]:
    """Every hazard zone (of one source), with its area in degrees² and its geometry as Shapely."""
    rows = db.execute(
        text(
            "SELECT *, ST_Area(geom) AS area, ST_AsBinary(geom) AS wkb, ST_IsValid(geom) AS valid "
            "FROM hazard_zones WHERE (CAST(:source AS text) IS NULL OR source = :source) ORDER BY source_key"
        ),
        {"source": source},
    ).mappings()
    return [dict(r) | {"shape": shapely.from_wkb(bytes(r["wkb"]))} for r in rows]


def area_of(geometries: list[BaseGeometry]) -> float:
    """Area of the union of geometries, invalid ones repaired the same way the importer does."""
    fixed = [g if g.is_valid else shapely.make_valid(g) for g in geometries]
    return float(shapely.union_all(fixed).area)
