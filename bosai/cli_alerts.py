"""`bosai worker` (alert drafting and fan-out workers) and `bosai keys vapid`."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Callable
from pathlib import Path

import typer

from hub.settings import get_settings

keys_app = typer.Typer(help="Keys the hub needs (kept outside the repository).", no_args_is_help=True)
DEFAULT_VAPID_FILE = Path("secrets/vapid_private_key.pem")


@keys_app.command("vapid")
def vapid(
    out: Path = typer.Option(
        None,
        help="where to write the private key (default BOSAI_VAPID_PRIVATE_KEY_FILE or ./secrets/vapid_private_key.pem)",
    ),
    force: bool = typer.Option(False, help="replace an existing key (every browser must subscribe again)"),
) -> None:
    """Create the Web Push VAPID key pair: private key to a 0600 file, public key printed."""
    from alerts.channels.vapid import generate_vapid_key, public_key_b64

    path = out or get_settings().vapid_private_key_file or DEFAULT_VAPID_FILE
    if path.exists() and not force:
        typer.echo(f"{path} exists; its public key (use --force to replace it):", err=True)
        typer.echo(public_key_b64(path))
        return
    public = generate_vapid_key(path)
    typer.echo(f"private key written to {path} (set BOSAI_VAPID_PRIVATE_KEY_FILE={path.resolve()})", err=True)
    typer.echo(public)


def worker(
    concurrency: int = typer.Option(4, min=1, help="jobs run at once by this process"),
    once: bool = typer.Option(False, "--once", help="work until the queue is empty, then exit"),
) -> None:
    """Run an alert worker: drafts from station events, fans approved alerts out (run several)."""
    from alerts.worker import run

    settings = get_settings()
    logging.basicConfig(level=settings.log_level)
    gc.freeze()  # what start-up loaded leaves the collector's scans (a fan-out allocates a lot)
    with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
        runner.run(run(settings, concurrency=concurrency, wait=not once))


def event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop where it is installed (as for uvicorn), else asyncio's own.

    A fan-out is thousands of small HTTP requests a second: uvloop's C transports and scheduling leave
    more of the worker's CPU to the RFC 8291 encryption (`python -m bench fanout`: about +25 % deliveries/s).
    """
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop has no Windows build
        return None
    return uvloop.new_event_loop
