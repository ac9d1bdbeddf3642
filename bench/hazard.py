"""Hazard import and point-query benchmark, beside ogr2ogr and pgbench doing the same work in the same run."""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bosai import migrate
from hub.db import create_database_if_missing, drop_database_if_exists, make_engine, session_factory, transaction
from hub.hazards.queries import HAZARD_AT_SQL, hazard_at
from hub.importers.hazard_files import HazardImportOptions, import_hazard_file

#: The four wards' bounding box (lon/lat), where the synthetic grid and the query points lie.
BBOX = (139.66, 35.57, 139.86, 35.71)
SEED = 20260917
#: Seconds any one external baseline tool may take before the bench gives up on it.
TOOL_TIMEOUT_S = 1800
OGR_TABLE = "bench_ogr_hazard"


@dataclass
class HazardBench:
    """Measured figures of one run."""

    polygons: int
    queries: int
    import_s: float
    import_dissolved_s: float
    ogr2ogr_s: float | None
    queries_per_s: float
    pgbench_tps: float | None
    gist_used: bool
    zones_dissolved: int


def write_grid(path: Path, polygons: int, rng: random.Random) -> None:
    """A synthetic KSJ A31a 想定最大規模 layer: a grid of squares with ranks 1–6 (clearly marked synthetic)."""
    side = max(1, int(polygons**0.5) + 1)
    width, height = (BBOX[2] - BBOX[0]) / side, (BBOX[3] - BBOX[1]) / side
    with path.open("w", encoding="utf-8") as out:
        out.write('{"type":"FeatureCollection","name":"SYNTHETIC bench A31a-20","features":[\n')
        for i in range(polygons):
            x0, y0 = BBOX[0] + (i % side) * width, BBOX[1] + (i // side) * height
            ring = [[x0, y0], [x0 + width, y0], [x0 + width, y0 + height], [x0, y0 + height], [x0, y0]]
            props = {
                "A31a_201": "8303030001",
                "A31a_202": "合成川（SYNTHETIC）",
                "A31a_203": "1",
                "A31a_204": "合成河川事務所",
                "A31a_205": rng.randint(1, 6),
            }
            feature = {"type": "Feature", "properties": props, "geometry": {"type": "Polygon", "coordinates": [ring]}}
            out.write(("," if i else "") + json.dumps(feature, ensure_ascii=False) + "\n")
        out.write("]}\n")


def fresh(url: str) -> None:
    """Drop and re-create the bench database with PostGIS, then migrate it."""
    drop_database_if_exists(url)
    create_database_if_missing(url)
    migrate.upgrade(url)


def _libpq(url: str) -> list[str]:
    target = make_url(url)
    return ["-h", target.host or "127.0.0.1", "-p", str(target.port or 5432), "-U", target.username or "postgres"]


def run_ogr2ogr(url: str, path: Path) -> float | None:
    """Seconds ogr2ogr takes to load the same file into PostGIS (None if ogr2ogr is not installed)."""
    if shutil.which("ogr2ogr") is None:
        return None
    target = make_url(url)
    conn = f"PG:host={target.host} port={target.port or 5432} user={target.username} dbname={target.database}"
    command = [
        "ogr2ogr",
        "-f",
        "PostgreSQL",
        conn,
        str(path),
        "-nln",
        OGR_TABLE,
        "-overwrite",
        "-nlt",
        "MULTIPOLYGON",
        "-lco",
        "GEOMETRY_NAME=geom",
        "-lco",
        "SPATIAL_INDEX=GIST",
    ]
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, timeout=TOOL_TIMEOUT_S)
    return time.perf_counter() - started


def run_pgbench(url: str, queries: int, workdir: Path) -> float | None:
    """Transactions per second of pgbench running HAZARD_AT_SQL at random points, one client."""
    if shutil.which("pgbench") is None:
        return None
    script = workdir / "hazard_at.sql"
    lon = f"random({int(BBOX[0] * 1e6)}, {int(BBOX[2] * 1e6)}) / 1000000.0"
    lat = f"random({int(BBOX[1] * 1e6)}, {int(BBOX[3] * 1e6)}) / 1000000.0"
    script.write_text(f"\\set lon {lon}\n\\set lat {lat}\n{HAZARD_AT_SQL};\n", encoding="utf-8")
    command = [
        "pgbench",
        "-n",
        "-c",
        "1",
        "-j",
        "1",
        "-t",
        str(queries),
        "-f",
        str(script),
        *_libpq(url),
        make_url(url).database or "",
    ]
    done = subprocess.run(command, check=True, capture_output=True, text=True, timeout=TOOL_TIMEOUT_S)
    found = re.search(r"tps = ([\d.]+)", done.stdout)
    return float(found.group(1)) if found else None


def run(url: str, *, polygons: int, queries: int) -> HazardBench:
    """Build the file, import it (ours, then ogr2ogr), query points (ours, then pgbench)."""
    rng = random.Random(SEED)
    fresh(url)
    engine = make_engine(url)
    try:
        with tempfile.TemporaryDirectory(prefix="bosai-bench-") as tmp:
            workdir = Path(tmp)
            path = workdir / "A31a-20-SYNTHETIC_bench.geojson"
            write_grid(path, polygons, rng)
            started = time.perf_counter()
            with transaction(engine) as session:
                import_hazard_file(session, path, HazardImportOptions("ksj-a31", dissolve=False))
            import_s = time.perf_counter() - started
            started = time.perf_counter()
            with transaction(engine) as session:
                dissolved = import_hazard_file(
                    session, path, HazardImportOptions("ksj-a31", source_name="bench-dissolved")
                )
            import_dissolved_s = time.perf_counter() - started
            with transaction(engine) as session:  # query against the 100 000 undissolved polygons only
                session.execute(text("DELETE FROM hazard_zones WHERE source = 'bench-dissolved'"))
                session.execute(text("ANALYZE hazard_zones"))
            ogr_s = run_ogr2ogr(url, path)
            points = [(rng.uniform(BBOX[1], BBOX[3]), rng.uniform(BBOX[0], BBOX[2])) for _ in range(queries)]
            with session_factory(engine)() as session:
                plan: list[str] = list(
                    session.execute(text("EXPLAIN " + HAZARD_AT_SQL), {"lat": points[0][0], "lon": points[0][1]})
                    .scalars()
                    .all()
                )
                started = time.perf_counter()
                for lat, lon in points:
                    hazard_at(session, lat=lat, lon=lon)
                qps = queries / (time.perf_counter() - started)
            tps = run_pgbench(url, queries, workdir)
    finally:
        engine.dispose()
        drop_database_if_exists(url)
    return HazardBench(
        polygons=polygons,
        queries=queries,
        import_s=import_s,
        import_dissolved_s=import_dissolved_s,
        ogr2ogr_s=ogr_s,
        queries_per_s=qps,
        pgbench_tps=tps,
        gist_used=any("idx_hazard_zones_geom" in line for line in plan),
        zones_dissolved=dissolved.rows,
    )


def report_lines(result: HazardBench) -> list[str]:
    """The figures beside their baselines, for a terminal."""

    def rate(seconds: float | None) -> str:
        return "n/a" if not seconds else f"{seconds:.2f} s ({result.polygons / seconds:,.0f} polygons/s)"

    return [
        f"import {result.polygons:,} polygons (bosai, validate+repair, no dissolve): {rate(result.import_s)}",
        f"  baseline ogr2ogr -f PostgreSQL of the same file:           {rate(result.ogr2ogr_s)}",
        f"import with dissolve per rank → {result.zones_dissolved} zones: {rate(result.import_dissolved_s)}",
        f"point queries, hazard_at via SQLAlchemy, 1 connection:       {result.queries_per_s:,.0f} /s",
        "  baseline pgbench, same SQL, 1 client:                      "
        + ("n/a" if result.pgbench_tps is None else f"{result.pgbench_tps:,.0f} /s"),
        f"GiST index used by the point query: {'yes' if result.gist_used else 'NO'}",
    ]


def as_json(result: HazardBench) -> dict[str, Any]:
    """The figures as plain data."""
    return asdict(result)
