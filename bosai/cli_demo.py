"""`bosai demo`: load the bundled ward data and run every process of the demo."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import typer

from bosai.demo_setup import ensure_accounts, ensure_secrets
from hub.db import get_engine
from hub.demo import load_demo
from hub.settings import get_settings

app = typer.Typer(help="The bundled demo of the four wards.", no_args_is_help=True)

#: Processes of `bosai demo run`: hub, ingestor, alert worker, simulator (when installed).
DEMO_PROCESSES = (
    ("hub", ["serve"]),
    ("ingest", ["ingest"]),
    ("worker", ["worker"]),
    ("sim", ["sim", "typhoon", "--stations", "4"]),
)
#: Processes whose end ends the demo; the simulator may finish its scenario and exit 0.
SERVICES = frozenset({"hub", "ingest", "worker"})
VAR_DIR = Path("var")


@app.command()
def load() -> None:
    """Load the bundled real data of the four wards (idempotent)."""
    settings = get_settings()
    total = 0.0
    for report, seconds in load_demo(get_engine(), settings.data_dir):
        total += seconds
        typer.echo(f"{report.summary()} ({seconds:.2f} s)")
        for problem in report.skipped:
            typer.echo(f"  skipped: {problem}", err=True)
    typer.echo(f"demo data loaded in {total:.1f} s")


def _interrupt(signum: int, frame: object) -> None:
    """Treat SIGTERM like Ctrl-C, so `kill` and service managers stop every child too."""
    raise KeyboardInterrupt


def _available(command: str) -> bool:
    from bosai.cli import app as root

    return any(
        c.name == command or (c.callback and c.callback.__name__ == command) for c in root.registered_commands
    ) or any(g.name == command for g in root.registered_groups)


@app.command()
def run() -> None:
    """Run hub, ingestor, worker and simulator together until Ctrl-C."""
    exe = shutil.which("bosai") or sys.argv[0]
    signal.signal(signal.SIGTERM, _interrupt)
    env = {**ensure_secrets(VAR_DIR), **os.environ}
    credentials = ensure_accounts(get_engine(), VAR_DIR)
    procs: list[tuple[str, subprocess.Popen[bytes]]] = []
    for name, args in DEMO_PROCESSES:
        if not _available(args[0]):
            typer.echo(f"[demo] {name}: not available in this version, skipped")
            continue
        procs.append((name, subprocess.Popen([exe, *args], env=env)))
        typer.echo(f"[demo] started {name} (pid {procs[-1][1].pid})")
    settings = get_settings()
    typer.echo(f"[demo] map: {settings.public_url}/   staff console: {settings.public_url}/staff")
    typer.echo(f"[demo] API docs: {settings.public_url}/docs   demo staff accounts: {credentials} (mode 0600)")
    try:
        reported: set[str] = set()
        while all(p.poll() is None for name, p in procs if name in SERVICES):
            for name, proc in procs:
                if name not in SERVICES and proc.poll() is not None and name not in reported:
                    reported.add(name)
                    typer.echo(f"[demo] {name} finished (exit {proc.returncode}); the services keep running")
            time.sleep(0.5)
        for name, proc in procs:
            if proc.poll() is not None and name in SERVICES:
                typer.echo(f"[demo] {name} exited with {proc.returncode}", err=True)
    except KeyboardInterrupt:
        pass
    finally:
        for _, proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        for _, proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    failed = any(p.returncode not in (0, -signal.SIGINT, None) for name, p in procs if name in SERVICES)
    raise typer.Exit(1 if failed else 0)
