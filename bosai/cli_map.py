"""`bosai map`: the public hazard map's static export."""

from __future__ import annotations

from pathlib import Path

import typer

from hub.db import make_engine
from hub.i18n import LANGUAGES
from hub.settings import get_settings

app = typer.Typer(help="The public hazard map: static export.", no_args_is_help=True)


@app.command("export")
def export_map(
    directory: Path = typer.Argument(..., help="directory to write index.html into (created if missing)"),
    ward: str = typer.Option(..., "--ward", help="ward (area) code, e.g. 13109"),
    lang: str = typer.Option("ja", "--lang", help=f"language: {', '.join(LANGUAGES)}"),
) -> None:
    """Write a self-contained folium HTML map of the ward's hazard and flood-history layers."""
    from maps.export import ExportError, export

    if lang not in LANGUAGES:
        raise typer.BadParameter(f"one of {', '.join(LANGUAGES)}", param_hint="--lang")
    engine = make_engine(get_settings().database_url)
    try:
        target = export(engine, directory, ward_code=ward, lang=lang)
    except ExportError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    typer.echo(f"wrote {target} ({target.stat().st_size // 1024} KiB, no external requests)")
