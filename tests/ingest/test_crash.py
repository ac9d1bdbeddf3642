"""Nothing lost, nothing twice: QoS 1 readings through SIGKILLed ingestors and a PostgreSQL restart.

Every server these tests stop or restart is their own: a private Mosquitto (tests/ingest/broker.py) and a
throwaway PostgreSQL cluster (tests/throwaway.py), never the machine's.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

import psycopg
import pytest
from sqlalchemy import Engine

from hub.settings import Settings
from tests.fakes.server import free_port
from tests.ingest.broker import PrivateBroker
from tests.ingest.conftest import conninfo, drop_stations, make_stations, wait_until
from tests.throwaway import ThrowawayPostgres

READINGS = 20_000
STATIONS = 10
RATE = 1_500  # readings/s: publishing lasts long enough to kill things in the middle
RECOVERY_S = 120.0


class IngestProcess:
    """`bosai ingest` as its own process with a fixed client id (persistent session)."""

    def __init__(self, settings: Settings, broker: PrivateBroker, root: str, log: Path) -> None:
        self.health_port = free_port()
        self.env = {
            **os.environ,
            "BOSAI_DATABASE_URL": settings.database_url,
            "BOSAI_MQTT_URL": f"mqtt://127.0.0.1:{broker.port}",
            "BOSAI_LOG_LEVEL": "INFO",
        }
        self.command = [
            sys.executable,
            "-m",
            "bosai.cli",
            "ingest",
            "--client-id",
            "crash-test-ingest",
            "--topic-root",
            root,
            "--health-port",
            str(self.health_port),
            "--batch-window-ms",
            "100",
        ]
        self.log = log.open("ab")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(self.command, env=self.env, stdout=self.log, stderr=self.log)

    def health(self) -> int | None:
        """HTTP status of /healthz (None while it does not answer)."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.health_port}/healthz", timeout=1) as resp:
                return int(resp.status)
        except urllib.error.HTTPError as err:
            return int(err.code)
        except OSError:
            return None

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=60)
        self.log.close()


def stored(url: str, ids: list[int]) -> tuple[int, int]:
    """(rows, distinct (station, seq)) of the test stations; (-1, -1) while the database is restarting."""
    try:
        with psycopg.connect(conninfo(url), connect_timeout=2) as conn:
            row = conn.execute(
                "SELECT count(*), count(DISTINCT (station_id, seq)) FROM readings WHERE station_id = ANY(%s)", (ids,)
            ).fetchone()
    except psycopg.OperationalError:
        return -1, -1
    assert row is not None
    return int(row[0]), int(row[1])


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[PrivateBroker]:
    b = PrivateBroker(tmp_path)
    b.start()
    yield b
    b.stop()


@pytest.mark.slow
def test_every_reading_exactly_once_through_kills_and_a_database_restart(
    settings: Settings, throwaway_postgres: ThrowawayPostgres, broker: PrivateBroker, tmp_path: Path
) -> None:
    prefix, root = "CRASH", "crash/sensors"
    database_url = throwaway_postgres.url()
    stations = make_stations(database_url, STATIONS, prefix)
    ids = [s.id for s in stations]
    ingest = IngestProcess(
        settings.model_copy(update={"database_url": database_url}), broker, root, tmp_path / "ingest.log"
    )
    publishers: list[subprocess.Popen[bytes]] = []
    try:
        ingest.start()
        wait_until(lambda: ingest.health() == 200, "the ingestor to become healthy")
        publishers = [
            subprocess.Popen(
                [
                    "mosquitto_pub",
                    "-p",
                    str(broker.port),
                    "-V",
                    "mqttv5",
                    "-q",
                    "1",
                    "-l",
                    "-t",
                    f"{root}/{s.code}/readings",
                ],
                stdin=subprocess.PIPE,
            )
            for s in stations
        ]
        pipes: list[IO[bytes]] = [p.stdin for p in publishers if p.stdin is not None]
        start = datetime.now(UTC) - timedelta(days=1)
        begun = time.monotonic()
        # 1: SIGKILL while it works; 2: stop PostgreSQL, SIGKILL the ingestor holding an uncommitted
        # batch, start PostgreSQL and the ingestor again.
        actions = {READINGS // 3: "kill", 2 * READINGS // 3: "outage"}
        for n in range(READINGS):
            if actions.get(n) == "kill":
                ingest.kill()
                time.sleep(1.0)  # the broker queues for the dead ingestor's session
                ingest.start()
                # working again before the outage (a slow start-up would otherwise never see the database up)
                wait_until(lambda: ingest.health() == 200, "the restarted ingestor to become healthy")
            elif actions.get(n) == "outage":
                for pipe in pipes:
                    pipe.flush()
                throwaway_postgres.stop()
                try:
                    wait_until(lambda: ingest.health() == 503, "the ingestor to notice the outage")
                    ingest.kill()
                finally:
                    throwaway_postgres.start()
                ingest.start()
            station, seq = n % STATIONS, n // STATIONS
            reading = {"ts": (start + timedelta(seconds=seq)).isoformat(), "water_level_m": 0.5, "seq": seq}
            pipes[station].write(json.dumps(reading).encode() + b"\n")
            if n % 100 == 99:
                for pipe in pipes:
                    pipe.flush()
                time.sleep(max(0.0, (n + 1) / RATE - (time.monotonic() - begun)))
        for pipe, proc in zip(pipes, publishers, strict=True):
            pipe.close()
            assert proc.wait(timeout=60) == 0
        wait_until(lambda: stored(database_url, ids)[0] >= READINGS, "all readings", timeout=RECOVERY_S)
        time.sleep(1.0)  # anything redelivered late must not add rows
        rows, distinct = stored(database_url, ids)
        assert (rows, distinct) == (READINGS, READINGS)
    finally:
        for proc in publishers:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        ingest.stop()  # the cluster and its stations go with the fixture
    log = (tmp_path / "ingest.log").read_text()
    assert log.count("database unavailable") == 1, log[-3000:]  # logged once per change of state


@pytest.mark.slow
def test_a_broker_restart_keeps_the_queue_and_the_ingestor_reconnects(
    settings: Settings, engine: Engine, broker: PrivateBroker, tmp_path: Path
) -> None:
    prefix, root = "BROKERRESTART", "brokerrestart/sensors"
    drop_stations(settings.database_url, prefix)
    (station,) = make_stations(settings.database_url, 1, prefix)
    ingest = IngestProcess(settings, broker, root, tmp_path / "ingest.log")
    start = datetime.now(UTC) - timedelta(days=1)

    def publish(first: int, count: int) -> None:
        lines = b"".join(
            json.dumps({"ts": (start + timedelta(seconds=s)).isoformat(), "water_level_m": 0.5, "seq": s}).encode()
            + b"\n"
            for s in range(first, first + count)
        )
        subprocess.run(
            [
                "mosquitto_pub",
                "-p",
                str(broker.port),
                "-V",
                "mqttv5",
                "-q",
                "1",
                "-l",
                "-t",
                f"{root}/{station.code}/readings",
            ],
            input=lines,
            check=True,
            timeout=60,
        )

    try:
        ingest.start()
        wait_until(lambda: ingest.health() == 200, "the ingestor to become healthy")
        ingest.stop()  # a clean stop: the session stays with the broker
        publish(0, 1000)  # queued for the stopped ingestor
        broker.restart()  # Mosquitto saves and reloads the session and its queue
        ingest = IngestProcess(settings, broker, root, tmp_path / "ingest.log")
        ingest.start()
        wait_until(lambda: stored(settings.database_url, [station.id])[0] == 1000, "the queued readings")
        broker.restart()  # with the ingestor connected
        wait_until(lambda: ingest.health() == 200, "the ingestor to reconnect")
        publish(1000, 1000)
        wait_until(lambda: stored(settings.database_url, [station.id])[0] == 2000, "readings after the restart")
        assert stored(settings.database_url, [station.id]) == (2000, 2000)
    finally:
        ingest.stop()
        drop_stations(settings.database_url, prefix)
