"""One entry point for hazard files of every supported format (KSJ, PLATEAU, mapped GeoJSON/Shapefile)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from hub.hazards.codes import depth_from_value
from hub.hazards.models import HAZARD_ZONE_KINDS
from hub.importers.common import ImportRejected, RowError
from hub.importers.hazard import HazardFields
from hub.importers.ksj import KSJ_FORMATS, parse_ksj
from hub.importers.plateau import parse_plateau_fld
from hub.importers.vector_io import VectorFile, read_vector
from hub.importers.zones import HazardImportReport, ZoneInput, ZoneOptions, clip_area, feature_geometry, run_import

SOURCE_FORMATS = (*KSJ_FORMATS, "plateau-fld", "geojson")


@dataclass(frozen=True)
class HazardImportOptions:
    """How to read one hazard file and what to do with it."""

    source_format: str = "geojson"
    source_name: str | None = None
    clip_to_area: str | None = None
    dissolve: bool = True
    encoding: str | None = None
    crs: str | None = None
    fields: HazardFields | None = None
    skip_invalid: bool = False

    def source_for(self, path: Path) -> str:
        """The name stored in hazard_zones.source; a re-import of the same source replaces its zones."""
        if self.source_name:
            return self.source_name
        return f"{self.source_format}:{path.name}" + (f"@{self.clip_to_area}" if self.clip_to_area else "")


def parse_mapped(
    vector: VectorFile, fields: HazardFields, *, errors: list[RowError], warnings: list[RowError]
) -> list[ZoneInput]:
    """Zones of a plain GeoJSON/Shapefile read through a field mapping (pure)."""
    if fields.kind not in HAZARD_ZONE_KINDS:
        raise ImportRejected(
            [RowError(vector.name, None, "kind", f"unknown hazard kind {fields.kind!r}; one of {HAZARD_ZONE_KINDS}")]
        )
    for name in (fields.rank_field, fields.scenario_field, fields.river_field, fields.id_field):
        if name and name not in vector.fields:
            found = ", ".join(vector.fields[:12]) or "none"
            raise ImportRejected(
                [RowError(vector.name, None, name, f"mapped field {name} is missing (fields in the file: {found})")]
            )
    zones: list[ZoneInput] = []
    for row, props, geometry in vector.features:
        geom = feature_geometry(geometry, file=vector.name, row=row, errors=errors, warnings=warnings)
        depth = None
        if fields.rank_field:
            try:
                depth = depth_from_value(props.get(fields.rank_field))
            except ValueError as exc:
                errors.append(RowError(vector.name, row, fields.rank_field, str(exc)))
                continue
        if geom is None:
            continue
        scenario = str(props[fields.scenario_field]) if fields.scenario_field else fields.scenario
        river = props.get(fields.river_field) if fields.river_field else None
        ident = props.get(fields.id_field) if fields.id_field else None
        depth_fields: dict[str, Any] = {}
        if depth is not None:
            depth_fields = {
                "depth_rank": depth.rank,
                "depth_min_m": depth.min_m,
                "depth_max_m": depth.max_m,
                "original_code": depth.original,
            }
        zones.append(
            ZoneInput(
                row=row,
                group=(river, depth.original if depth else None, ident),
                kind=fields.kind,
                geom=geom,
                scenario=scenario,
                river_name=None if river in (None, "") else str(river),
                attributes={k: v for k, v in props.items() if v not in (None, "")},
                **depth_fields,
            )
        )
    return zones


def import_hazard_file(session: Session, path: Path, options: HazardImportOptions) -> HazardImportReport:
    """Import one hazard file in the caller's transaction: all or nothing, re-import changes nothing."""
    if options.source_format not in SOURCE_FORMATS:
        raise ImportRejected(
            [RowError(path.name, None, "source", f"unknown format {options.source_format!r}; one of {SOURCE_FORMATS}")]
        )
    errors: list[RowError] = []
    warnings: list[RowError] = []
    if options.source_format == "plateau-fld":
        zones, count = parse_plateau_fld(path, errors=errors, warnings=warnings)
    else:
        vector = read_vector(path, encoding=options.encoding, crs=options.crs)
        warnings.extend(vector.notes)
        count = len(vector.features)
        if options.source_format == "geojson":
            zones = parse_mapped(vector, options.fields or HazardFields(), errors=errors, warnings=warnings)
        else:
            zones = parse_ksj(vector, options.source_format, errors=errors, warnings=warnings)
    clip = clip_area(session, options.clip_to_area, file=path.name) if options.clip_to_area else None
    zone_options = ZoneOptions(
        source=options.source_for(path), dissolve=options.dissolve, clip=clip, clip_code=options.clip_to_area
    )
    return run_import(
        session,
        file=path.name,
        zones=zones,
        errors=errors,
        warnings=warnings,
        options=zone_options,
        skip_invalid=options.skip_invalid,
        features=count,
    )
