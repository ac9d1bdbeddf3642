"""SQL behind the open-data files: shelter rows to export, ward names, when each table last changed."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from sqlalchemy import text
from sqlalchemy.orm import Session

#: Public shelter columns for export (with the source attributes the file formats carry; no staff data).
EXPORT_SQL: Final = """
SELECT id, source, source_id, name, name_en, address, ward_code, kinds, hazards, capacity, phone, elevation_m,
       served_area, notes, attributes, ST_X(location) AS lon, ST_Y(location) AS lat
FROM shelters ORDER BY ward_code NULLS LAST, source, source_id
"""
WARDS_SQL: Final = (
    "SELECT code, COALESCE(attributes->>'N03_001', '') AS pref, name FROM areas WHERE kind = 'ward' ORDER BY code"
)
#: The newest change of each published table (NULL when the table has no time column or is empty).
UPDATED_SQL: Final = """
SELECT
  (SELECT max(updated_at) FROM shelters) AS shelters,
  GREATEST((SELECT max(updated_at) FROM stations), (SELECT max(received_at) FROM readings)) AS stations,
  (SELECT max(created_at) FROM hazard_zones) AS hazard_zones,
  (SELECT max(created_at) FROM inundation_records) AS inundation_records
"""
COUNTS_SQL: Final = """
SELECT (SELECT count(*) FROM shelters) AS shelters, (SELECT count(*) FROM stations) AS stations,
       (SELECT count(*) FROM hazard_zones) AS hazard_zones,
       (SELECT count(*) FROM inundation_records) AS inundation_records,
       (SELECT count(*) FROM areas) AS areas, (SELECT count(*) FROM rivers) AS rivers
"""


def shelters_for_export(session: Session) -> list[dict[str, Any]]:
    """Every shelter with the fields the CSV layouts need, ordered by ward and source id."""
    return [dict(row) for row in session.execute(text(EXPORT_SQL)).mappings()]


def ward_names(session: Session) -> dict[str, tuple[str, str]]:
    """Ward code → (prefecture name, ward name), e.g. ('東京都', '品川区')."""
    return {row.code: (row.pref, row.name) for row in session.execute(text(WARDS_SQL))}


def updated_at(session: Session) -> dict[str, datetime | None]:
    """Per table, when its content last changed (None: unknown)."""
    row = session.execute(text(UPDATED_SQL)).mappings().one()
    return dict(row)


def row_counts(session: Session) -> dict[str, int]:
    """Rows in each published table."""
    return {k: int(v) for k, v in session.execute(text(COUNTS_SQL)).mappings().one().items()}


def hazard_sources(session: Session) -> list[str]:
    """The distinct sources of the hazard zones (each must be attributed)."""
    return [str(s) for s in session.scalars(text("SELECT DISTINCT source FROM hazard_zones ORDER BY 1"))]
