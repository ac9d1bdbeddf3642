"""`bosai ingest` (the MQTT ingestor) and `bosai sim` (the sensor simulator)."""

from __future__ import annotations

import dataclasses
import gc
import logging
import signal
import threading
from datetime import timedelta
from types import FrameType

import typer

from hub.settings import get_settings
from ingest.service import IngestConfig, Ingestor
from ingest.thresholds import Policy

#: Allocations between young-generation collections (CPython's default is 700).
GC_YOUNG_THRESHOLD = 50_000


def ingest(
    client_id: str | None = typer.Option(None, help="MQTT client id; keep it fixed per host (persistent session)"),
    share_group: str = typer.Option("bosai-ingest", help="shared-subscription group of all ingestors"),
    topic_root: str = typer.Option("sensors", help="topic root: <root>/<station>/readings|status"),
    batch_size: int = typer.Option(5000, min=1, help="flush after this many messages"),
    batch_readings: int = typer.Option(5000, min=1, help="flush after this many readings"),
    batch_window_ms: int = typer.Option(200, min=1, help="flush this long after a batch's first message"),
    session_expiry_s: int = typer.Option(86_400, min=60, help="how long the broker keeps our session"),
    receive_maximum: int = typer.Option(20_000, min=1, max=65_535, help="unacknowledged messages in flight"),
    health_port: int | None = typer.Option(None, help="serve GET /healthz on this port"),
    health_host: str = typer.Option("127.0.0.1", help="address of the health endpoint"),
    hysteresis_m: float = typer.Option(0.05, min=0.0, help="a band is left only below threshold − this"),
    hold_min: float = typer.Option(20.0, min=0.0, help="… for this many minutes"),
    stale_factor: float = typer.Option(3.0, min=1.0, help="stale after this many expected intervals"),
    stale_sweep_s: float = typer.Option(60.0, min=0.5, help="how often to look for silent gauges"),
    idle_db_check_s: float = typer.Option(5.0, min=0.1, help="check the database after this long without a batch"),
) -> None:
    """Run the MQTT ingestor: store every reading once, evaluate thresholds, acknowledge after commit."""
    settings = get_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    user, password = settings.mqtt_credentials
    config = IngestConfig(
        database_url=settings.database_url,
        mqtt_host=settings.mqtt_host,
        mqtt_port=settings.mqtt_port,
        mqtt_username=user,
        mqtt_password=password,
        topic_root=topic_root,
        share_group=share_group,
        batch_size=batch_size,
        batch_readings=batch_readings,
        batch_window_s=batch_window_ms / 1000,
        session_expiry_s=session_expiry_s,
        receive_maximum=receive_maximum,
        stale_sweep_s=stale_sweep_s,
        idle_db_check_s=idle_db_check_s,
        health_host=health_host,
        health_port=health_port,
        policy=Policy(hysteresis_m=hysteresis_m, hold=timedelta(minutes=hold_min), stale_factor=stale_factor),
    )
    if client_id:
        config = dataclasses.replace(config, client_id=client_id)
    ingestor = Ingestor(config)
    # Tens of thousands of short-lived messages a second: what start-up loaded leaves the collector's
    # scans, and the young generation is collected less often (a batch in flight is thousands of objects).
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
    done = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    ingestor.start()
    done.wait()
    ingestor.stop()


def register(app: typer.Typer) -> None:
    """Add the ingest command and the sim group to the root CLI."""
    from bosai.cli_sim import app as sim_app

    app.command("ingest")(ingest)
    app.add_typer(sim_app, name="sim")
