"""`bosai import`: load shelters, stations, areas, hazard zones and flood history from files."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Literal

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from hub.db import transaction
from hub.importers.areas import AreaFields, import_areas, import_rivers
from hub.importers.common import ImportRejected, ImportReport
from hub.importers.hazard import HazardFields
from hub.importers.hazard_files import SOURCE_FORMATS, HazardImportOptions, import_hazard_file
from hub.importers.inundation import import_inundation
from hub.importers.shelters import import_shelters
from hub.importers.stations import import_stations

app = typer.Typer(help="Import data files (each file in one transaction: all or nothing).", no_args_is_help=True)
err = Console(stderr=True)
FileArg = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="file to import")
SkipOpt = typer.Option(False, "--skip-invalid", help="import the good rows, report and skip the bad ones")


def _report(report: ImportReport) -> None:
    typer.echo(report.summary())
    for problem in report.skipped:
        err.print(f"[yellow]skipped[/yellow] {problem}")
    for warning in report.warnings:
        err.print(f"[yellow]warning[/yellow] {warning}")


def _import(load: Callable[[Session], ImportReport]) -> None:
    try:
        with transaction() as session:
            report = load(session)
    except ImportRejected as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    _report(report)


@app.command()
def shelters(
    file: Path = FileArg,
    coords: str = typer.Option("decimal", help="decimal, or dms for packed DMS coordinates (35.371269)"),
    skip_invalid: bool = SkipOpt,
) -> None:
    """Shelters: GSI CSV/GeoJSON, Tokyo open-data CSV, Takamatsu CSV (UTF-8, BOM or CP932)."""
    if coords not in ("decimal", "dms"):
        raise typer.BadParameter("decimal or dms", param_hint="--coords")
    mode: Literal["decimal", "dms"] = "dms" if coords == "dms" else "decimal"
    _import(lambda s: import_shelters(s, file, coords=mode, skip_invalid=skip_invalid))


@app.command()
def stations(file: Path = FileArg, skip_invalid: bool = SkipOpt) -> None:
    """River gauges: the 川の水位情報 master or the ward's own station CSV."""
    _import(lambda s: import_stations(s, file, skip_invalid=skip_invalid))


@app.command()
def areas(
    file: Path = FileArg,
    kind: str = typer.Option("ward", help="ward or town_block"),
    code_field: str = typer.Option("N03_007", help="property holding the area code"),
    name_field: str = typer.Option("N03_004", help="property holding the name"),
    parent_field: str | None = typer.Option(None, help="property holding the parent (ward) code"),
    skip_invalid: bool = SkipOpt,
) -> None:
    """Area boundaries (GeoJSON, N03 by default)."""
    fields = AreaFields(code=code_field, name=name_field, parent=parent_field, kind=kind)
    _import(lambda s: import_areas(s, file, fields=fields, skip_invalid=skip_invalid))


@app.command()
def rivers(file: Path = FileArg) -> None:
    """River centre-lines (国土数値情報 W05 GeoJSON)."""
    _import(lambda s: import_rivers(s, file))


@app.command()
def hazard(
    file: Path = FileArg,
    source: str = typer.Option(
        "geojson", help="format: ksj-a31, ksj-a49, ksj-a51, ksj-a33, plateau-fld or geojson (field mapping)"
    ),
    source_name: str | None = typer.Option(
        None, help="name stored as the zones' source (default: FORMAT:FILE); re-import replaces its zones"
    ),
    clip_to_area: str | None = typer.Option(None, help="keep only what lies inside this area, e.g. 13109"),
    dissolve: bool = typer.Option(True, "--dissolve/--no-dissolve", help="merge polygons of the same rank"),
    encoding: str | None = typer.Option(None, help="Shapefile attribute encoding (default: .cpg or detected)"),
    crs: str | None = typer.Option(None, help="input CRS if the file does not say, e.g. EPSG:6668"),
    kind: str = typer.Option("river_flood", help="geojson: hazard kind"),
    rank_field: str | None = typer.Option("depth_rank", help="geojson: property holding rank 1–6 or a depth class"),
    scenario: str | None = typer.Option(None, help="geojson: scenario, e.g. 想定最大規模"),
    scenario_field: str | None = typer.Option(None, help="geojson: property holding the scenario"),
    river_field: str | None = typer.Option(None, help="geojson: property holding the river name"),
    id_field: str | None = typer.Option(None, help="geojson: property identifying a zone (never merged)"),
    skip_invalid: bool = SkipOpt,
) -> None:
    """Hazard zones: 国土数値情報 A31/A49/A51/A33, PLATEAU fld CityGML, or GeoJSON/Shapefile with a mapping."""
    if source not in SOURCE_FORMATS:
        raise typer.BadParameter(f"one of {', '.join(SOURCE_FORMATS)}", param_hint="--source")
    fields = HazardFields(
        kind=kind,
        rank_field=rank_field or None,
        scenario=scenario,
        scenario_field=scenario_field,
        river_field=river_field,
        id_field=id_field,
    )
    options = HazardImportOptions(
        source_format=source,
        source_name=source_name,
        clip_to_area=clip_to_area,
        dissolve=dissolve,
        encoding=encoding,
        crs=crs,
        fields=fields,
        skip_invalid=skip_invalid,
    )
    _import(lambda s: import_hazard_file(s, file, options))


@app.command()
def inundation(
    file: Path = FileArg,
    ward_code: str | None = typer.Option(None, help="ward code of the file, e.g. 13109"),
    event_name: str | None = typer.Option(None),
    event_date: str | None = typer.Option(None, help="YYYY-MM-DD"),
) -> None:
    """Flood history (浸水実績) by town block."""
    day = date.fromisoformat(event_date) if event_date else None
    _import(lambda s: import_inundation(s, file, ward_code=ward_code, event_name=event_name, event_date=day))
