"""Hazard-zone pipeline shared by every format: repair, clip to an area, dissolve per rank, write in one go."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from hub.areas.models import Area
from hub.importers.common import ImportRejected, ImportReport, RowError
from hub.importers.geometry import polygonal
from hub.orm import SRID

#: Attributes that differ between the features of one dissolved zone are dropped; these name the count.
FEATURE_COUNT = "feature_count"


@dataclass(frozen=True)
class ZoneInput:
    """One parsed input feature, already normalised; features with the same group become one zone."""

    row: int
    group: tuple[Any, ...]
    kind: str
    geom: MultiPolygon
    scenario: str | None = None
    river_name: str | None = None
    depth_rank: int | None = None
    depth_min_m: float | None = None
    depth_max_m: float | None = None
    original_code: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ZoneOptions:
    """How to turn parsed features into zones: stored source name, dissolve or not, clip area."""

    source: str
    dissolve: bool = True
    clip: BaseGeometry | None = None
    clip_code: str | None = None


@dataclass
class HazardImportReport(ImportReport):
    """An import report that also counts input features and zones removed from a previous edition."""

    features: int = 0
    outside_clip: int = 0
    deleted: int = 0

    def summary(self) -> str:
        """One line for a terminal or a log."""
        parts = [f"{self.inserted} inserted", f"{self.updated} updated", f"{self.unchanged} unchanged"]
        if self.deleted:
            parts.append(f"{self.deleted} removed (not in this edition)")
        if self.outside_clip:
            parts.append(f"{self.outside_clip} features outside the clip area")
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped")
        if self.warnings:
            parts.append(f"{len(self.warnings)} warning(s)")
        return f"{self.file}: {self.features} features → {self.rows} zones: " + ", ".join(parts)


def feature_geometry(
    geometry: Any, *, file: str, row: int, errors: list[RowError], warnings: list[RowError]
) -> MultiPolygon | None:
    """A valid MultiPolygon for a feature (repaired if needed), or None with an error recorded."""
    if geometry is None:
        errors.append(RowError(file, row, "geometry", "feature has no geometry"))
        return None
    return polygonal(geometry, file=file, row=row, errors=errors, warnings=warnings)


def as_multipolygon(geom: BaseGeometry) -> MultiPolygon | None:
    """The polygonal part of any geometry as a MultiPolygon; None when nothing with area is left."""
    if geom.is_empty:
        return None
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    if isinstance(geom, MultiPolygon):
        return geom
    parts = [p for g in getattr(geom, "geoms", []) if (m := as_multipolygon(g)) for p in m.geoms]
    return MultiPolygon(parts) if parts else None


def _shared(attributes: Sequence[dict[str, Any]]) -> dict[str, Any]:
    first = dict(attributes[0])
    for other in attributes[1:]:
        first = {k: v for k, v in first.items() if other.get(k) == v}
    return first


def _merge(members: Sequence[ZoneInput], options: ZoneOptions) -> MultiPolygon | None:
    if len(members) == 1 and options.clip is None:
        return members[0].geom  # already a valid MultiPolygon
    geom: BaseGeometry = members[0].geom if len(members) == 1 else shapely.union_all([m.geom for m in members])
    if options.clip is not None:
        geom = shapely.intersection(geom, options.clip)
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    return as_multipolygon(geom)


def _key_part(value: Any) -> str:
    return "" if value is None else str(value).replace("|", "/")


def assemble(zones: Iterable[ZoneInput], options: ZoneOptions) -> tuple[list[dict[str, Any]], int]:
    """hazard_zones rows from parsed features: clip, dissolve per group (pure); also the count left outside."""
    if options.clip is not None:
        shapely.prepare(options.clip)
    groups: dict[tuple[Any, ...], list[ZoneInput]] = {}
    outside = 0
    for zone in zones:
        if options.clip is not None and not options.clip.intersects(zone.geom):
            outside += 1
            continue
        key = (zone.kind, zone.scenario, *zone.group) + (() if options.dissolve else (zone.row,))
        groups.setdefault(key, []).append(zone)
    rows: list[dict[str, Any]] = []
    for key, members in groups.items():
        geom = _merge(members, options)
        if geom is None:
            outside += len(members)
            continue
        head = members[0]
        attributes = _shared([m.attributes for m in members]) | {FEATURE_COUNT: len(members)}
        if options.clip_code:
            attributes["clipped_to_area"] = options.clip_code
        rows.append(
            {
                "source_key": "|".join([options.source, *map(_key_part, key)]),
                "kind": head.kind,
                "depth_rank": head.depth_rank,
                "depth_min_m": head.depth_min_m,
                "depth_max_m": head.depth_max_m,
                "original_code": head.original_code,
                "scenario": head.scenario,
                "river_name": head.river_name,
                "source": options.source,
                "attributes": attributes,
                "geom": shapely.to_wkb(shapely.set_srid(geom, SRID), hex=True, include_srid=True),
            }
        )
    return rows, outside


def clip_area(session: Session, code: str, *, file: str) -> BaseGeometry:
    """The boundary of an imported area (e.g. ward 13109) for clipping; refused if it is not there."""
    wkb = session.execute(select(Area.geom.ST_AsBinary()).where(Area.code == code)).scalar_one_or_none()
    if wkb is None:
        raise ImportRejected(
            [RowError(file, None, "clip-to-area", f"no area with code {code!r}; import the boundaries first")]
        )
    return shapely.from_wkb(bytes(wkb))


#: Columns written by an import, in COPY order (the simplified copies are generated by Postgres).
COLUMNS = (
    "source_key",
    "kind",
    "depth_rank",
    "depth_min_m",
    "depth_max_m",
    "original_code",
    "scenario",
    "river_name",
    "source",
    "attributes",
    "geom",
)
_STAGE = "hazard_zones_stage"
_UPSERT = f"""
INSERT INTO hazard_zones ({", ".join(COLUMNS)}) SELECT {", ".join(COLUMNS)} FROM {_STAGE}
ON CONFLICT (source_key) DO UPDATE SET {", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS[1:])}
WHERE ({", ".join(f"hazard_zones.{c}" for c in COLUMNS[1:])})
  IS DISTINCT FROM ({", ".join(f"EXCLUDED.{c}" for c in COLUMNS[1:])})
RETURNING (xmax = 0)
"""
_DELETE_STALE = f"""
DELETE FROM hazard_zones h WHERE h.source = :source
AND NOT EXISTS (SELECT 1 FROM {_STAGE} s WHERE s.source_key = h.source_key)
"""


def _copy_row(row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(json.dumps(row[c], ensure_ascii=False) if c == "attributes" else row[c] for c in COLUMNS)


def write_zones(
    session: Session, rows: list[dict[str, Any]], *, source: str, report: HazardImportReport
) -> HazardImportReport:
    """Stage the zones with COPY, upsert changed ones, remove the source's zones the file no longer has."""
    report.rows = len(rows)
    session.execute(
        text(f"CREATE TEMP TABLE {_STAGE} ON COMMIT DROP AS SELECT {', '.join(COLUMNS)} FROM hazard_zones WITH NO DATA")
    )
    driver = session.connection().connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    with driver.cursor() as cursor, cursor.copy(f"COPY {_STAGE} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(_copy_row(row))
    flags: list[bool] = list(session.execute(text(_UPSERT)).scalars())
    report.inserted = sum(1 for inserted in flags if inserted)
    report.updated = len(flags) - report.inserted
    report.unchanged = report.rows - len(flags)
    removed = session.execute(text(_DELETE_STALE), {"source": source})
    report.deleted = int(getattr(removed, "rowcount", 0) or 0)
    session.execute(text(f"DROP TABLE {_STAGE}"))
    return report


def run_import(
    session: Session,
    *,
    file: str,
    zones: list[ZoneInput],
    errors: list[RowError],
    warnings: list[RowError],
    options: ZoneOptions,
    skip_invalid: bool = False,
    features: int | None = None,
) -> HazardImportReport:
    """Refuse the file on any error (unless skip_invalid), else write its zones; nothing is written on refusal."""
    if errors and not skip_invalid:
        raise ImportRejected(errors)
    if not zones:
        raise ImportRejected(errors or [RowError(file, None, None, "no hazard polygons in the file")])
    rows, outside = assemble(zones, options)
    report = HazardImportReport(file, "hazard", skipped=errors if skip_invalid else [], warnings=warnings)
    report.features, report.outside_clip = (features if features is not None else len(zones)), outside
    if not rows:
        raise ImportRejected([RowError(file, None, "clip-to-area", "no polygon intersects the clip area")])
    return write_zones(session, rows, source=options.source, report=report)
