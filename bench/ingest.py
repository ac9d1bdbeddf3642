"""Ingest benchmark: QoS 1 readings through the broker into `readings`, beside mosquitto_sub and psql \\copy."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import psycopg
from sqlalchemy.engine import make_url

from bench.hazard import fresh
from hub.db import make_engine, transaction
from hub.importers.stations import import_stations
from ingest.mqttclient import purge_session
from sensors_sim.stations import SimStation, load_master, pick
from tests.fakes.server import free_port

#: Seconds any phase may take before the bench gives up.
PHASE_TIMEOUT_S = 600.0
READY_TIMEOUT_S = 60.0
POLL_S = 0.02
SUBSCRIBER_SETTLE_S = 1.0
COLUMNS = ("station_id", "observed_at", "water_level_m", "rain_mm_10min", "battery_v", "seq")


@dataclass
class Phase:
    """Figures for one payload shape (readings per message)."""

    batch: int
    readings: int
    messages: int
    readings_per_s: float
    broker_readings_per_s: float
    copy_readings_per_s: float
    paced_readings_per_s: float
    p50_delay_ms: float
    p99_delay_ms: float
    max_delay_ms: float
    batch_window_ms: int
    ingestors: int = 1

    @property
    def vs_broker(self) -> float:
        """Share of the raw broker QoS 1 throughput."""
        return self.readings_per_s / self.broker_readings_per_s

    @property
    def vs_copy(self) -> float:
        """Share of the psql \\copy throughput."""
        return self.readings_per_s / self.copy_readings_per_s


def _conninfo(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _libpq_args(url: str) -> list[str]:
    u = make_url(url)
    return ["-h", u.host or "127.0.0.1", "-p", str(u.port or 5432), "-U", u.username or "postgres", u.database or ""]


def _lines(station: SimStation, station_id: int, count: int, batch: int, end: datetime) -> tuple[list[str], list[str]]:
    """MQTT payload lines and CSV rows of `count` calm readings one second apart, ending before `end`."""
    level = station.start - 0.3
    readings = [
        {"ts": (end - timedelta(seconds=count - i)).isoformat(), "water_level_m": level, "battery_v": 12.6, "seq": i}
        for i in range(count)
    ]
    chunks = [readings[i : i + batch] for i in range(0, count, batch)]
    lines = [json.dumps(c[0] if batch == 1 else c) for c in chunks]
    rows = [f"{station_id},{r['ts']},{level},,12.6,{r['seq']}" for r in readings]
    return lines, rows


def _mosquitto_client(program: str, host: str, port: int) -> list[str]:
    """A mosquitto_pub/_sub command line's start: the broker, MQTT v5 and QoS 1."""
    return [program, "-h", host, "-p", str(port), "-V", "mqttv5", "-q", "1"]


def _publishers(host: str, port: int, root: str, codes: list[str], stdin: list[Any]) -> list[subprocess.Popen[bytes]]:
    return [
        subprocess.Popen(
            [*_mosquitto_client("mosquitto_pub", host, port), "-l", "-t", f"{root}/{code}/readings"],
            stdin=src,
        )
        for code, src in zip(codes, stdin, strict=True)
    ]


def broker_baseline(host: str, port: int, files: dict[str, Path], messages: int) -> float:
    """Seconds from the first publish until mosquitto_sub (QoS 1) received every message."""
    root = f"bench-raw-{uuid.uuid4().hex[:8]}"
    sub = subprocess.Popen(
        [*_mosquitto_client("mosquitto_sub", host, port), "-C", str(messages), "-t", f"{root}/+/readings"],
        stdout=subprocess.DEVNULL,
    )
    time.sleep(SUBSCRIBER_SETTLE_S)
    handles = [path.open("rb") for path in files.values()]
    started = time.perf_counter()
    pubs = _publishers(host, port, root, list(files), handles)
    sub.wait(timeout=PHASE_TIMEOUT_S)
    elapsed = time.perf_counter() - started
    for proc, handle in zip(pubs, handles, strict=True):
        proc.wait(timeout=PHASE_TIMEOUT_S)
        handle.close()
    return elapsed


def copy_baseline(url: str, csv_path: Path) -> float:
    """Seconds psql takes to \\copy the same rows into `readings` (the rows are removed afterwards)."""
    started = time.perf_counter()
    subprocess.run(
        [
            "psql",
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            *_libpq_args(url),
            "-c",
            f"\\copy readings({','.join(COLUMNS)}) FROM '{csv_path}' WITH (FORMAT csv)",
        ],
        check=True,
        timeout=PHASE_TIMEOUT_S,
    )
    elapsed = time.perf_counter() - started
    _truncate(url)
    return elapsed


def _truncate(url: str) -> None:
    with psycopg.connect(_conninfo(url), autocommit=True) as conn:
        conn.execute("TRUNCATE readings, dead_letters")
        conn.execute("DELETE FROM station_events")
        conn.execute("DELETE FROM station_states")


@contextmanager
def ingestor(
    url: str, host: str, port: int, root: str, window_ms: int, profile: Path | None, processes: int = 1
) -> Any:
    """`bosai ingest` subprocesses (one share group) on the bench database, ready when /healthz says so."""
    group = f"bench-ingest-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "BOSAI_DATABASE_URL": url,
        "BOSAI_MQTT_URL": f"mqtt://{host}:{port}",
        "BOSAI_LOG_LEVEL": "WARNING",
    }
    procs: list[tuple[str, subprocess.Popen[bytes]]] = []
    spy = None
    try:
        for n in range(processes):
            health, client_id = free_port(), f"{group}-{n}"
            command = [
                sys.executable,
                "-m",
                "bosai.cli",
                "ingest",
                "--client-id",
                client_id,
                "--topic-root",
                root,
                "--health-port",
                str(health),
                "--batch-window-ms",
                str(window_ms),
                "--share-group",
                group,
            ]
            procs.append((client_id, subprocess.Popen(command, env=env)))
            _wait_ready(health, procs[-1][1])
        if profile is not None:
            pid = str(procs[0][1].pid)
            spy = subprocess.Popen(
                [_py_spy(), "record", "-r", "100", "-f", "raw", "-o", str(profile), "--pid", pid],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        yield procs
    finally:
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=60)
        for client_id, proc in procs:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
            purge_session(host, port, client_id)


def _py_spy() -> str:
    """py-spy from PATH or beside the running interpreter (the venv)."""
    return shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))


def _wait_ready(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"bosai ingest exited with {proc.returncode}")
        with suppress(OSError), urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as resp:
            if resp.status == 200:
                return
        time.sleep(0.1)
    raise RuntimeError("bosai ingest did not become healthy")


def _wait_rows(conn: psycopg.Connection[Any], expected: int) -> float:
    """Poll until the readings are committed; returns the perf_counter time they were first seen."""
    deadline = time.monotonic() + PHASE_TIMEOUT_S
    while conn.execute("SELECT count(*) FROM readings").fetchone()[0] < expected:  # type: ignore[index]
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {expected} readings")
        time.sleep(POLL_S)
    return time.perf_counter()


def throughput(url: str, host: str, port: int, root: str, files: dict[str, Path], readings: int) -> float:
    """Seconds from the first publish until every reading is committed (seen by polling every POLL_S)."""
    with psycopg.connect(_conninfo(url), autocommit=True) as conn:
        handles = [path.open("rb") for path in files.values()]
        started = time.perf_counter()
        pubs = _publishers(host, port, root, list(files), handles)
        done = _wait_rows(conn, readings)
        for proc, handle in zip(pubs, handles, strict=True):
            proc.wait(timeout=PHASE_TIMEOUT_S)
            handle.close()
    _truncate(url)
    return done - started


def paced_delays(
    url: str, host: str, port: int, root: str, stations: list[SimStation], rate: float, seconds: float, batch: int
) -> list[float]:
    """Publish at `rate` readings/s with ts = send time; delays (ms) from ts to received_at.

    The ingestor sets received_at with clock_timestamp() in the last statement before the commit.
    """
    codes = [s.code for s in stations]
    pubs = _publishers(host, port, root, codes, [subprocess.PIPE] * len(codes))
    pipes: list[IO[bytes]] = [p.stdin for p in pubs if p.stdin is not None]
    messages = max(1, int(rate * seconds / batch))
    started = time.perf_counter()
    last: dict[int, datetime] = {}
    for n in range(messages):
        time.sleep(max(0.0, n * batch / rate - (time.perf_counter() - started)))
        i = n % len(codes)
        items = []
        for k in range(batch):
            ts = max(datetime.now(UTC), last.get(i, datetime.min.replace(tzinfo=UTC)) + timedelta(microseconds=1))
            last[i] = ts
            items.append({"ts": ts.isoformat(), "water_level_m": stations[i].start - 0.3, "seq": n * batch + k})
        pipes[i].write((json.dumps(items[0] if batch == 1 else items) + "\n").encode())
        pipes[i].flush()
    for pipe, proc in zip(pipes, pubs, strict=True):
        pipe.close()
        proc.wait(timeout=PHASE_TIMEOUT_S)
    with psycopg.connect(_conninfo(url), autocommit=True) as conn:
        _wait_rows(conn, messages * batch)
        rows = conn.execute("SELECT extract(epoch FROM received_at - observed_at) * 1000 FROM readings").fetchall()
    _truncate(url)
    return sorted(float(r[0]) for r in rows)


def _percentile(values: list[float], share: float) -> float:
    return values[min(len(values) - 1, int(share * len(values)))]


def run(
    url: str,
    *,
    mqtt_host: str,
    mqtt_port: int,
    readings: int,
    stations: int,
    batches: tuple[int, ...] = (1, 100),
    window_ms: int = 200,
    paced_seconds: float = 5.0,
    data_dir: Path,
    profile_dir: Path | None = None,
    processes: int = 1,
) -> list[Phase]:
    """Run every phase for each payload shape on a fresh scratch database."""
    fresh(url)
    engine = make_engine(url)
    with transaction(engine) as session:
        import_stations(session, data_dir / "river/kriver_water_level_gauges_thresholds.csv")
    engine.dispose()
    chosen = pick(load_master(data_dir), count=stations)
    with psycopg.connect(_conninfo(url)) as conn:
        ids: dict[str, int] = dict(
            conn.execute("SELECT code, id FROM stations WHERE code = ANY(%s)", ([s.code for s in chosen],))
        )
    per_station = max(1, readings // len(chosen))
    total = per_station * len(chosen)
    phases = []
    with tempfile.TemporaryDirectory(prefix="bosai-bench-ingest-") as tmp:
        for batch in batches:
            end = datetime.now(UTC) - timedelta(minutes=1)
            files: dict[str, Path] = {}
            csv_path = Path(tmp) / f"rows-{batch}.csv"
            with csv_path.open("w") as csv_out:
                for s in chosen:
                    lines, rows = _lines(s, ids[s.code], per_station, batch, end)
                    files[s.code] = Path(tmp) / f"{s.code}-{batch}.txt"
                    files[s.code].write_text("\n".join(lines) + "\n")
                    csv_out.write("\n".join(rows) + "\n")
            messages = sum(len(p.read_text().splitlines()) for p in files.values())
            broker_s = broker_baseline(mqtt_host, mqtt_port, files, messages)
            copy_s = copy_baseline(url, csv_path)
            root = f"bench-{uuid.uuid4().hex[:8]}/sensors"
            profile = profile_dir / f"ingest-batch{batch}.txt" if profile_dir else None
            with ingestor(url, mqtt_host, mqtt_port, root, window_ms, profile, processes):
                ingest_s = throughput(url, mqtt_host, mqtt_port, root, files, total)
            rate = total / ingest_s
            paced_profile = profile_dir / f"ingest-batch{batch}-paced.txt" if profile_dir else None
            with ingestor(url, mqtt_host, mqtt_port, root, window_ms, paced_profile, processes):
                delays = paced_delays(url, mqtt_host, mqtt_port, root, chosen, rate / 2, paced_seconds, batch)
            phases.append(
                Phase(
                    batch=batch,
                    readings=total,
                    messages=messages,
                    readings_per_s=rate,
                    broker_readings_per_s=total / broker_s,
                    copy_readings_per_s=total / copy_s,
                    paced_readings_per_s=rate / 2,
                    p50_delay_ms=_percentile(delays, 0.5),
                    p99_delay_ms=_percentile(delays, 0.99),
                    max_delay_ms=delays[-1],
                    batch_window_ms=window_ms,
                    ingestors=processes,
                )
            )
    return phases


def report_lines(phases: list[Phase]) -> list[str]:
    """Human-readable figures with their baselines."""
    out = []
    for p in phases:
        out += [
            f"{p.readings} readings from {p.messages} QoS 1 messages ({p.batch} reading(s) per message):",
            f"  ingest ({p.ingestors} process(es), publisher included)  {p.readings_per_s:10,.0f} readings/s",
            f"  broker baseline mosquitto_sub {p.broker_readings_per_s:9,.0f} readings/s   ingest = {p.vs_broker:.2f}×",
            f"  psql \\copy baseline          {p.copy_readings_per_s:10,.0f} readings/s   ingest = {p.vs_copy:.2f}×",
            f"  publish→commit at {p.paced_readings_per_s:,.0f} readings/s: p50 {p.p50_delay_ms:.0f} ms, "
            f"p99 {p.p99_delay_ms:.0f} ms, max {p.max_delay_ms:.0f} ms (batch window {p.batch_window_ms} ms)",
        ]
    return out


def as_json(phases: list[Phase]) -> dict[str, Any]:
    """The figures as one JSON object."""
    return {
        "phases": [asdict(p) | {"vs_broker": round(p.vs_broker, 3), "vs_copy": round(p.vs_copy, 3)} for p in phases]
    }
