"""The `bosai` command line (Typer)."""

from __future__ import annotations

import json
import logging

import typer
import uvicorn
from rich.console import Console

from bosai import (
    cli_alerts,
    cli_db,
    cli_demo,
    cli_hazard,
    cli_i18n,
    cli_import,
    cli_ingest,
    cli_map,
    cli_user,
)
from hub.settings import get_settings

app = typer.Typer(
    help="Bosai Hub: disaster information hub for Japanese municipalities.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(cli_db.app, name="db")
app.add_typer(cli_import.app, name="import")
app.add_typer(cli_demo.app, name="demo")
app.add_typer(cli_hazard.app, name="hazard")
app.add_typer(cli_user.app, name="user")
app.add_typer(cli_map.app, name="map")
app.add_typer(cli_i18n.app, name="i18n")
app.add_typer(cli_alerts.keys_app, name="keys")
app.command("worker")(cli_alerts.worker)
cli_ingest.register(app)
console = Console()


@app.command()
def config(as_json: bool = typer.Option(False, "--json", help="print JSON")) -> None:
    """Print the effective settings, secrets masked."""
    values = get_settings().masked()
    if as_json:
        typer.echo(json.dumps(values, ensure_ascii=False, indent=2, default=str))
        return
    for name, value in values.items():
        console.print(f"[bold]BOSAI_{name.upper()}[/bold] = {value}")


@app.command()
def serve(
    host: str | None = typer.Option(None, help="bind address (default BOSAI_HTTP_HOST)"),
    port: int | None = typer.Option(None, help="port (default BOSAI_HTTP_PORT)"),
    workers: int = typer.Option(1, help="worker processes"),
) -> None:
    """Run the web application (API, map, console)."""
    settings = get_settings()
    logging.basicConfig(level=settings.log_level)
    uvicorn.run(
        "bosai.web:serve_app",
        factory=True,
        host=host or settings.http_host,
        port=port or settings.http_port,
        workers=workers,
        proxy_headers=False,  # the app believes forwarded headers from BOSAI_TRUSTED_PROXIES only
        log_level=settings.log_level.lower(),
    )


if __name__ == "__main__":
    app()
