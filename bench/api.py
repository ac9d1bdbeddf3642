"""Public API benchmark: nearest shelter, bbox list and one MVT tile under wrk load, beside pgbench on the same SQL.

The hub runs as its own uvicorn process on a scratch database (bundled data plus N synthetic shelters);
wrk loads it from a second process; pgbench runs the SQL behind each endpoint with the same concurrency
in the same run (prepared, like the hub's driver), so the ratio API ÷ pgbench shows what HTTP, Python
and JSON cost on this machine.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bench.hazard import fresh
from hub.db import drop_database_if_exists, make_engine, transaction
from hub.demo import load_demo
from hub.settings import get_settings
from hub.shelters.nearest import first_candidates
from hub.shelters.queries import list_sql, nearest_sql, shelter_where
from hub.tiles.queries import LAYERS, tile_sql
from tests.fakes.server import free_port

#: The four wards' bounding box (lon/lat), where synthetic shelters and query points lie.
BBOX: Final = (139.66, 35.57, 139.86, 35.71)
SEED: Final = 20261123
NEAREST_LIMIT: Final = 5
BBOX_SIDE_DEG: Final = 0.01  # ≈ 1 km squares
TILE: Final = (14, 14551, 6454)  # around 139.74 E, 35.63 N (Shinagawa/Minato) at zoom 14
HAZARDS: Final = ("flood", "landslide", "storm_surge", "earthquake", "tsunami", "large_fire", "inland_flood")
#: Share of pgbench's rate an endpoint must reach (issue 5); nearest and bbox are measured, without a target.
TARGETS: Final = {"tile": 0.7}
ENDPOINTS: Final = (
    ("nearest", "GET /api/shelters/nearest"),
    ("bbox", "GET /api/shelters?bbox="),
    ("tile", "GET /tiles/shelters/z/x/y.mvt"),
)
SERVER_START_S: Final = 60.0
#: Seconds of load before each endpoint's measurement, not counted: the hub's pools open their
#: connections and prepare their statements, as they have long done on a server in service.
WARMUP_S: Final = 2
TOOL_TIMEOUT_S: Final = 900
PERCENT_99: Final = 0.99
SYNTHETIC_SQL: Final = """
INSERT INTO shelters (source, source_id, name, location, kinds, hazards, capacity, occupancy, status)
SELECT 'synthetic', 'synthetic:' || n, '合成避難所 ' || n,
       ST_SetSRID(ST_MakePoint(:minx + random() * (:maxx - :minx), :miny + random() * (:maxy - :miny)), 4326),
       ARRAY['designated_emergency_site']::varchar[],
       ARRAY(SELECT h FROM unnest(CAST(:hazards AS varchar[])) h WHERE random() < 0.5)::varchar[],
       100 + (random() * 900)::int, 0, CASE WHEN random() < 0.2 THEN 'open' ELSE 'closed' END
FROM generate_series(1, :n) n
"""


@dataclass
class Measure:
    """Throughput and tail latency of one endpoint over HTTP and of its SQL in pgbench."""

    name: str
    api_rps: float
    api_p99_ms: float
    pgbench_tps: float | None
    pgbench_p99_ms: float | None
    kind: str = ""
    run: int = 1

    @property
    def ratio(self) -> float | None:
        """API requests/s ÷ pgbench transactions/s."""
        return self.api_rps / self.pgbench_tps if self.pgbench_tps else None


@dataclass
class ApiBench:
    """Figures of one run."""

    shelters: int
    synthetic: int
    duration_s: int
    connections: int
    workers: int
    measures: list[Measure]


def prepare(url: str, synthetic: int) -> int:
    """A fresh migrated database with the bundled data plus synthetic shelters; returns the shelter count."""
    fresh(url)
    engine = make_engine(url)
    try:
        load_demo(engine, get_settings().data_dir)
        with transaction(engine) as session:
            session.execute(text("SELECT setseed(:s)"), {"s": (SEED % 1000) / 1000})
            params = dict(zip(("minx", "miny", "maxx", "maxy"), BBOX, strict=True))
            session.execute(text(SYNTHETIC_SQL), params | {"n": synthetic, "hazards": list(HAZARDS)})
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE shelters"))
            return int(conn.execute(text("SELECT count(*) FROM shelters")).scalar_one())
    finally:
        engine.dispose()


def start_server(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    """The hub in its own uvicorn process(es) on the bench database, public rate limit lifted."""
    env = os.environ | {
        "BOSAI_DATABASE_URL": url,
        "BOSAI_RATE_LIMITS": '{"login": "10/minute", "public": "1000000000/second"}',
        "BOSAI_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "uvicorn", "bosai.web:serve_app", "--factory", "--port", str(port)]
    command += ["--workers", str(workers), "--log-level", "warning"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/shelters?limit=1", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("the hub did not start for the benchmark")


def _uniform(name: str, low: float, high: float, lua: bool) -> str:
    if lua:
        return f"local {name} = {low} + math.random() * {high - low}"
    return f"\\set {name} random({int(low * 1e6)}, {int(high * 1e6)}) / 1000000.0"


def wrk_script(kind: str) -> str:
    """A wrk Lua script issuing the endpoint's requests at random places (same seed every run)."""
    lines = [f"math.randomseed({SEED})", "request = function()"]
    lines += [
        "  " + _uniform("lat", BBOX[1], BBOX[3] - BBOX_SIDE_DEG, True),
        "  " + _uniform("lon", BBOX[0], BBOX[2] - BBOX_SIDE_DEG, True),
    ]
    if kind == "nearest":
        path = f'string.format("/api/shelters/nearest?lat=%.6f&lon=%.6f&hazard=flood&limit={NEAREST_LIMIT}", lat, lon)'
    elif kind == "bbox":
        side = BBOX_SIDE_DEG
        path = f'string.format("/api/shelters?bbox=%.6f,%.6f,%.6f,%.6f", lon, lat, lon + {side}, lat + {side})'
    else:
        path = '"/tiles/shelters/{}/{}/{}.mvt"'.format(*TILE)
    lines += [f'  return wrk.format("GET", {path})', "end"]
    return "\n".join(lines) + "\n"


def pgbench_script(kind: str) -> str:
    """The SQL behind the endpoint with pgbench variables for the random place."""
    head = [
        _uniform("lat", BBOX[1], BBOX[3] - BBOX_SIDE_DEG, False),
        _uniform("lon", BBOX[0], BBOX[2] - BBOX_SIDE_DEG, False),
    ]
    if kind == "nearest":
        where, _ = shelter_where(hazards=["flood"])
        sql = nearest_sql(where).replace("CAST(:hazards AS varchar[])", "CAST('{flood}' AS varchar[])")
        head += [f"\\set k {first_candidates(NEAREST_LIMIT)}", f"\\set n {NEAREST_LIMIT}"]
    elif kind == "bbox":
        where, _ = shelter_where(bbox=(0, 0, 0, 0))
        sql = list_sql(where).replace(":minx", ":lon").replace(":miny", ":lat")
        sql = sql.replace(":maxx", f"(:lon + {BBOX_SIDE_DEG})").replace(":maxy", f"(:lat + {BBOX_SIDE_DEG})")
        head += ["\\set limit 1000000", "\\set offset 0"]
    else:
        z, x, y = TILE
        sql = tile_sql(LAYERS["shelters"], z, filtered=False)
        head += [f"\\set z {z}", f"\\set x {x}", f"\\set y {y}"]
    return "\n".join(head) + "\n" + " ".join(sql.split()) + ";\n"


def run_wrk(port: int, kind: str, workdir: Path, duration_s: int, connections: int) -> tuple[float, float]:
    """Requests/s and p99 latency (ms) of wrk against one endpoint."""
    script = workdir / f"{kind}.lua"
    script.write_text(wrk_script(kind), encoding="utf-8")
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration_s}s", "--latency", "-s", str(script)]
    out = subprocess.run(
        [*command, f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True, timeout=TOOL_TIMEOUT_S
    ).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"wrk saw errors on {kind}:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    assert p99 is not None, out
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    return rps, float(p99.group(1)) * scale


def run_pgbench(url: str, kind: str, workdir: Path, duration_s: int, connections: int) -> tuple[float, float] | None:
    """Transactions/s and p99 latency (ms, from pgbench's per-transaction log) of the endpoint's SQL."""
    if shutil.which("pgbench") is None:
        return None
    target = make_url(url)
    script = workdir / f"{kind}.sql"
    script.write_text(pgbench_script(kind), encoding="utf-8")
    prefix = workdir / f"pgbench-{kind}"
    # Prepared statements, as the hub's read pool prepares each statement on its first execution.
    command = ["pgbench", "-n", "-M", "prepared", "-c", str(connections), "-j", "1", "-T", str(duration_s)]
    command += ["-f", str(script)]
    command += ["-l", "--log-prefix", str(prefix), "-h", target.host or "127.0.0.1", "-p", str(target.port or 5432)]
    command += ["-U", target.username or "postgres", target.database or ""]
    out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=TOOL_TIMEOUT_S).stdout
    found = re.search(r"tps = ([\d.]+)", out)
    latencies = sorted(
        int(line.split()[2]) for log in workdir.glob(f"{prefix.name}*") for line in log.read_text().splitlines()
    )
    p99 = latencies[min(len(latencies) - 1, math.ceil(PERCENT_99 * len(latencies)) - 1)] / 1000 if latencies else 0
    return (float(found.group(1)) if found else 0.0), p99


def run(url: str, *, synthetic: int, duration_s: int, connections: int, workers: int, runs: int = 1) -> ApiBench:
    """Prepare the data, start the hub, then `runs` times: load each endpoint with wrk, then pgbench the same SQL."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    shelters = prepare(url, synthetic)
    port = free_port()
    server = start_server(url, port, workers)
    measures = []
    try:
        with tempfile.TemporaryDirectory(prefix="bosai-bench-api-") as tmp:
            workdir = Path(tmp)
            for number in range(1, runs + 1):
                for kind, name in ENDPOINTS:
                    run_wrk(port, kind, workdir, WARMUP_S, connections)
                    rps, p99 = run_wrk(port, kind, workdir, duration_s, connections)
                    baseline = run_pgbench(url, kind, workdir, duration_s, connections)
                    tps, tps_p99 = baseline or (None, None)
                    measures.append(Measure(name, rps, p99, tps, tps_p99, kind=kind, run=number))
    finally:
        server.terminate()
        server.wait(timeout=30)
        drop_database_if_exists(url)
    return ApiBench(shelters, synthetic, duration_s, connections, workers, measures)


def report_lines(result: ApiBench) -> list[str]:
    """The figures beside their pgbench baselines, for a terminal."""
    lines = [
        f"{result.shelters:,} shelters ({result.synthetic:,} synthetic), {result.connections} connections, "
        f"{result.duration_s} s per measurement; hub in {result.workers} uvicorn worker(s), wrk in its own process, "
        "pgbench with the same connections",
    ]
    numbered = result.measures[-1].run > 1 if result.measures else False
    for m in result.measures:
        base = "n/a" if m.pgbench_tps is None else f"{m.pgbench_tps:,.0f}/s p99 {m.pgbench_p99_ms:.1f} ms"
        ratio = "n/a" if m.ratio is None else f"{m.ratio:.2f}×"
        prefix = f"run {m.run} " if numbered else ""
        lines.append(
            f"{prefix}{m.name:32} API {m.api_rps:,.0f} req/s p99 {m.api_p99_ms:.1f} ms | pgbench {base} | {ratio}"
        )
    return lines


def summary_lines(result: ApiBench) -> list[str]:
    """Per endpoint over the runs: the median ratio, its range and how many runs meet the target."""
    lines = []
    for kind, name in ENDPOINTS:
        ratios = [m.ratio for m in result.measures if m.kind == kind and m.ratio is not None]
        if not ratios:
            continue
        line = f"{name:32} ratio median {statistics.median(ratios):.2f}× (range {min(ratios):.2f}–{max(ratios):.2f})"
        if kind in TARGETS:
            met = sum(1 for ratio in ratios if ratio >= TARGETS[kind])
            line += f"; ≥ {TARGETS[kind]}× in {met} of {len(ratios)} runs"
        lines.append(line)
    runs = max((m.run for m in result.measures), default=0)
    return [f"over {runs} runs", *lines] if lines else []


def as_json(result: ApiBench) -> dict[str, Any]:
    """The figures as plain data, with the ratios."""
    data = asdict(result)
    for measure, raw in zip(result.measures, data["measures"], strict=True):
        raw["ratio"] = measure.ratio
    return data
