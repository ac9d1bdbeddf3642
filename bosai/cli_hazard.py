"""`bosai hazard`: what the imported hazard layers say about a place."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.console import Console

from hub.db import session_factory
from hub.hazards.queries import hazard_at

app = typer.Typer(help="Hazard zones (imported with `bosai import hazard`).", no_args_is_help=True)
console = Console()


def _depth(layer: dict[str, Any]) -> str:
    if layer["depth_label"]:
        original = layer["original_label"] or layer["original_code"]
        shown = original and original != str(layer["depth_rank"])
        return str(layer["depth_label"]) + (f" (published: {original})" if shown else "")
    return str(layer["original_label"] or layer["original_code"] or "—")


@app.command()
def at(
    lat: float = typer.Argument(..., min=-90.0, max=90.0, help="latitude (WGS 84)"),
    lon: float = typer.Argument(..., min=-180.0, max=180.0, help="longitude (WGS 84)"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Every hazard layer covering a point, with depth rank, scenario, river and source."""
    with session_factory()() as session:
        layers = hazard_at(session, lat=lat, lon=lon)
    if as_json:
        typer.echo(json.dumps({"lat": lat, "lon": lon, "layers": layers}, ensure_ascii=False, indent=2))
        return
    if not layers:
        console.print(f"No imported hazard zone covers {lat}, {lon}.")
        return
    typer.echo(f"Hazard layers at {lat}, {lon}:")
    for layer in layers:
        typer.echo(f"- {layer['kind_label']}: {_depth(layer)}")
        details = [("scenario", layer["scenario"]), ("river", layer["river_name"]), ("source", layer["source"])]
        typer.echo("  " + ", ".join(f"{name} {value}" for name, value in details if value))
