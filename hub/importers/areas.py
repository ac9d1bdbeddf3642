"""Area and river importers: GeoJSON boundaries (N03 by default) and W05 river lines."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from hub.areas.models import Area
from hub.areas.wards import TOKYO_WARDS
from hub.hazards.models import River
from hub.importers.common import ImportRejected, ImportReport, RowError, read_geojson
from hub.importers.geometry import ewkt, lineal, polygonal
from hub.importers.upsert import upsert


@dataclass(frozen=True)
class AreaFields:
    """Which properties hold an area's code and names (default: 国土数値情報 N03)."""

    code: str = "N03_007"
    name: str = "N03_004"
    parent: str | None = None
    name_en: str | None = None
    kind: str = "ward"


def import_areas(
    session: Session, path: Path, *, fields: AreaFields | None = None, skip_invalid: bool = False
) -> ImportReport:
    """Import area polygons in one transaction, upserting on the area code."""
    fields = fields or AreaFields()
    if fields.kind not in {"prefecture", "ward", "town_block"}:
        raise ImportRejected([RowError(path.name, None, "kind", f"unknown area kind {fields.kind!r}")])
    errors: list[RowError] = []
    warnings: list[RowError] = []
    rows: dict[str, dict[str, Any]] = {}
    for index, feature in enumerate(read_geojson(path), start=1):
        props = feature.get("properties") or {}
        code, name = str(props.get(fields.code) or ""), str(props.get(fields.name) or "")
        if not code:
            errors.append(RowError(path.name, index, fields.code, "missing area code"))
        if not name:
            errors.append(RowError(path.name, index, fields.name, "missing area name"))
        geom = polygonal(feature.get("geometry"), file=path.name, row=index, errors=errors, warnings=warnings)
        if not (code and name and geom):
            continue
        if code in rows:
            errors.append(RowError(path.name, index, fields.code, f"duplicate area code {code!r}"))
            continue
        known = TOKYO_WARDS.get(code) if fields.kind == "ward" else None
        rows[code] = {
            "code": code,
            "kind": fields.kind,
            "name": name,
            "name_kana": known.kana if known else None,
            "name_en": (props.get(fields.name_en) if fields.name_en else None) or (known.english if known else None),
            "parent_code": str(props.get(fields.parent)) if fields.parent and props.get(fields.parent) else None,
            "geom": ewkt(geom),
            "source": path.name,
            "attributes": {k: v for k, v in props.items() if v is not None},
        }
    if errors and not skip_invalid:
        raise ImportRejected(errors)
    report = ImportReport(path.name, "areas", rows=len(rows), skipped=errors, warnings=warnings)
    report.inserted, report.updated = upsert(session, Area, list(rows.values()), key=["code"])
    report.unchanged = report.rows - report.inserted - report.updated
    return report


def import_rivers(session: Session, path: Path, *, name_field: str = "W05_004") -> ImportReport:
    """Import river centre-lines (国土数値情報 W05) in one transaction."""
    errors: list[RowError] = []
    rows: list[dict[str, Any]] = []
    for index, feature in enumerate(read_geojson(path), start=1):
        props = feature.get("properties") or {}
        geom = lineal(feature.get("geometry"), file=path.name, row=index, errors=errors)
        if geom is None:
            continue
        name = props.get(name_field)
        rows.append(
            {
                "source_id": f"{path.stem[:48]}:{props.get('W05_002', '')}:{index}",
                "name": None if name in (None, "名称不明") else str(name),
                "geom": ewkt(geom),
                "source": path.name,
                "attributes": props,
            }
        )
    if errors:
        raise ImportRejected(errors)
    report = ImportReport(path.name, "rivers", rows=len(rows))
    report.inserted, report.updated = upsert(session, River, rows, key=["source_id"])
    report.unchanged = report.rows - report.inserted - report.updated
    return report
