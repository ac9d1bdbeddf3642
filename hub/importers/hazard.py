"""Hazard-zone importer for plain GeoJSON with a field mapping (national formats: hub.importers.ksj)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from hub.hazards.models import DEPTH_RANKS, HAZARD_ZONE_KINDS, HazardZone
from hub.importers.common import ImportRejected, ImportReport, RowError, read_geojson
from hub.importers.geometry import ewkt, polygonal
from hub.importers.upsert import upsert


@dataclass(frozen=True)
class HazardFields:
    """How to read a hazard GeoJSON: fixed kind/scenario/source and the property holding the rank."""

    kind: str = "river_flood"
    rank_field: str | None = "depth_rank"
    scenario: str | None = None
    scenario_field: str | None = None
    river_field: str | None = None
    id_field: str | None = None
    source: str | None = None


def hazard_row(
    props: dict[str, Any],
    geom_ewkt: str,
    *,
    fields: HazardFields,
    key: str,
    source: str,
    file: str,
    row: int,
    errors: list[RowError],
) -> dict[str, Any] | None:
    """The hazard_zones row of one feature; records an error for a bad rank (pure)."""
    rank: int | None = None
    original: str | None = None
    if fields.rank_field:
        raw = props.get(fields.rank_field)
        original = None if raw is None else str(raw)
        try:
            rank = int(str(raw))
        except (TypeError, ValueError):
            errors.append(RowError(file, row, fields.rank_field, f"depth rank must be 1–6, got {raw!r}"))
            return None
        if rank not in DEPTH_RANKS:
            errors.append(RowError(file, row, fields.rank_field, f"depth rank must be 1–6, got {raw!r}"))
            return None
    low, high = DEPTH_RANKS[rank] if rank else (None, None)
    scenario = str(props.get(fields.scenario_field)) if fields.scenario_field else fields.scenario
    return {
        "source_key": key,
        "kind": fields.kind,
        "depth_rank": rank,
        "depth_min_m": low,
        "depth_max_m": high,
        "original_code": original,
        "scenario": scenario,
        "river_name": str(props[fields.river_field]) if fields.river_field and props.get(fields.river_field) else None,
        "source": source,
        "attributes": {k: v for k, v in props.items() if v is not None},
        "geom": geom_ewkt,
    }


def import_hazard_geojson(
    session: Session, path: Path, *, fields: HazardFields | None = None, skip_invalid: bool = False
) -> ImportReport:
    """Import hazard polygons from GeoJSON in one transaction; re-importing the file is a no-op."""
    fields = fields or HazardFields()
    if fields.kind not in HAZARD_ZONE_KINDS:
        raise ImportRejected(
            [
                RowError(
                    path.name,
                    None,
                    "kind",
                    f"unknown hazard kind {fields.kind!r}; one of {HAZARD_ZONE_KINDS}",
                )
            ]
        )
    features = read_geojson(path)
    if fields.rank_field and features:
        missing = [i for i, f in enumerate(features, 1) if fields.rank_field not in (f.get("properties") or {})]
        if len(missing) == len(features):
            raise ImportRejected([RowError(path.name, None, fields.rank_field, "field not found in any feature")])
    errors: list[RowError] = []
    warnings: list[RowError] = []
    rows: list[dict[str, Any]] = []
    source = fields.source or path.name
    for index, feature in enumerate(features, start=1):
        props = feature.get("properties") or {}
        geom = polygonal(feature.get("geometry"), file=path.name, row=index, errors=errors, warnings=warnings)
        if geom is None:
            continue
        ident = props.get(fields.id_field) if fields.id_field else feature.get("id", index)
        row = hazard_row(
            props,
            ewkt(geom),
            fields=fields,
            key=f"{source}:{fields.kind}:{fields.scenario or ''}:{ident}",
            source=source,
            file=path.name,
            row=index,
            errors=errors,
        )
        if row:
            rows.append(row)
    if errors and not skip_invalid:
        raise ImportRejected(errors)
    report = ImportReport(path.name, "hazard", rows=len(rows), skipped=errors, warnings=warnings)
    report.inserted, report.updated = upsert(session, HazardZone, rows, key=["source_key"])
    report.unchanged = report.rows - report.inserted - report.updated
    return report
