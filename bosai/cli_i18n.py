"""`bosai i18n`: compile hub/locales (pybabel compile) and write the browsers' JSON catalogues from it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import typer
from babel.messages.frontend import CommandLineInterface

from hub.i18n import DOMAINS, LANGUAGES, LOCALES_DIR, STAFF_LANGUAGES, Language, write_browser_json

app = typer.Typer(help="Translations: compile the gettext catalogues, write the browsers' JSON.", no_args_is_help=True)


@dataclass(frozen=True)
class BrowserCatalogue:
    """A domain the browser loads as JSON: in which languages, into which directory."""

    domain: str
    languages: tuple[Language, ...]
    directory: Path


def browser_catalogues() -> tuple[BrowserCatalogue, ...]:
    """The JSON catalogues of the map (five languages) and the staff console (ja, en)."""
    from console.router import STATIC_DIR as CONSOLE_STATIC
    from maps.i18n import BROWSER_DIR as MAP_JSON

    return (
        BrowserCatalogue("maps", LANGUAGES, MAP_JSON),
        BrowserCatalogue("console", STAFF_LANGUAGES, CONSOLE_STATIC / "i18n"),
    )


def compile_catalogues(directory: Path = LOCALES_DIR) -> None:
    """`pybabel compile` of every domain: .po → .mo beside it (Babel's own command, run in-process)."""
    argv = ["pybabel", "-q", "compile", "-d", str(directory), "-D", " ".join(DOMAINS)]
    status = CommandLineInterface().run(argv)  # type: ignore[no-untyped-call]
    if status:
        raise typer.Exit(status)


@app.command("build")
def build() -> None:
    """Compile hub/locales/*/LC_MESSAGES/*.po to .mo and write the map's and console's JSON catalogues."""
    compile_catalogues()
    for target in browser_catalogues():
        written = write_browser_json(target.domain, target.languages, target.directory)
        typer.echo(f"{target.domain}: {', '.join(str(p) for p in written)}")
