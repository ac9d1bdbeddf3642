"""`bosai db`: create and migrate the database."""

from __future__ import annotations

import typer

from bosai import migrate
from hub.db import create_database_if_missing
from hub.settings import get_settings

app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)


@app.command()
def upgrade(revision: str = typer.Argument("head")) -> None:
    """Create the database if missing and migrate it up."""
    url = get_settings().database_url
    if create_database_if_missing(url):
        typer.echo("database created")
    migrate.upgrade(url, revision)
    typer.echo(f"database at revision {migrate.current(url)}")
    from alerts.queue import apply_queue_schema  # the job queue's own tables (hub must not import alerts)

    applied = apply_queue_schema(url)
    typer.echo(f"job queue (procrastinate): {', '.join(applied) if applied else 'up to date'}")


@app.command()
def downgrade(
    revision: str = typer.Argument(..., help="target revision, or 'base' to drop everything"),
) -> None:
    """Migrate the database down."""
    url = get_settings().database_url
    migrate.downgrade(url, revision)
    typer.echo(f"database at revision {migrate.current(url)}")


@app.command()
def current() -> None:
    """Print the database's revision."""
    typer.echo(migrate.current(get_settings().database_url) or "base (empty)")
