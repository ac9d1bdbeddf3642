"""`python -m bench NAME`: benchmarks, each printed beside a baseline measured in the same run.

Run from a checkout (bench/ and the fakes it starts live in the repository, not in the installed package).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import typer
from sqlalchemy.engine import make_url

from hub.settings import get_settings

T = TypeVar("T")
app = typer.Typer(
    help="Benchmarks (each with a baseline measured in the same run).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _bench_url(database: str | None, suffix: str) -> str:
    url = make_url(get_settings().database_url)
    return url.set(database=database or f"{url.database}_bench_{suffix}").render_as_string(hide_password=False)


def _echo_result(
    result: T, as_json: bool, to_json: Callable[[T], Any], report_lines: Callable[[T], Iterable[str]]
) -> None:
    """Print a benchmark's result as indented JSON, or as its report lines."""
    if as_json:
        typer.echo(json.dumps(to_json(result), indent=2))
        return
    for line in report_lines(result):
        typer.echo(line)


@app.command()
def hazard(
    polygons: int = typer.Option(100_000, min=1, help="polygons in the synthetic A31 file"),
    queries: int = typer.Option(2_000, min=1, help="random point queries"),
    database: str | None = typer.Option(
        None, help="scratch database (dropped and re-created; default <db>_bench_hazard)"
    ),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Hazard import time and point queries/s, beside ogr2ogr and pgbench."""
    from bench.hazard import as_json as to_json
    from bench.hazard import report_lines, run

    result = run(_bench_url(database, "hazard"), polygons=polygons, queries=queries)
    _echo_result(result, as_json, to_json, report_lines)


@app.command()
def fanout(
    subscribers: int = typer.Option(100_000, min=1, help="Web Push subscribers inside the alert's area"),
    workers: int = typer.Option(1, min=1, help="`bosai worker` processes"),
    concurrency: int = typer.Option(4, min=1, help="jobs per worker process"),
    decrypt_every: int = typer.Option(50, min=1, help="the fake push service decrypts one message in N"),
    database: str | None = typer.Option(
        None, help="scratch database (dropped and re-created; default <db>_bench_fanout)"
    ),
    runs: int = typer.Option(1, min=1, max=50, help="repeat the fan-out; report each run and the median"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Web Push fan-out: deliveries/s, first and last delivery, beside the crypto floor and wrk."""
    from bench.fanout import as_json as to_json
    from bench.fanout import report_lines, run, summary_lines

    results = []
    for _ in range(runs):
        result = run(
            _bench_url(database, "fanout"),
            subscribers=subscribers,
            workers=workers,
            concurrency=concurrency,
            decrypt_every=decrypt_every,
        )
        results.append(result)
        if not as_json:
            for line in report_lines(result):
                typer.echo(line)
    if as_json:
        body = to_json(results[0]) if runs == 1 else {"runs": [to_json(r) for r in results]}
        typer.echo(json.dumps(body, indent=2))
    elif runs > 1:
        for line in summary_lines(results):
            typer.echo(line)


@app.command("ingest")
def ingest_bench(
    readings: int = typer.Option(20_000, min=100, help="readings per payload shape"),
    stations: int = typer.Option(10, min=1, max=500, help="simulated stations (nearest the wards)"),
    batch: list[int] = typer.Option([1, 100], help="readings per message (repeatable)"),
    window_ms: int = typer.Option(200, min=1, help="the ingestor's batch window"),
    paced_seconds: float = typer.Option(5.0, min=0.5, help="length of the paced run that measures delays"),
    profile_dir: Path | None = typer.Option(None, help="write py-spy profiles (collapsed stacks) of the ingestor here"),
    ingestors: int = typer.Option(1, min=1, max=8, help="ingestor processes sharing the subscription"),
    database: str | None = typer.Option(
        None, help="scratch database (dropped and re-created; default <db>_bench_ingest)"
    ),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Readings/s through broker and ingestor, p50/p99 publish→commit, beside mosquitto_sub and psql \\copy."""
    from bench.ingest import as_json as to_json
    from bench.ingest import report_lines, run

    settings = get_settings()
    if profile_dir is not None:
        profile_dir.mkdir(parents=True, exist_ok=True)
    phases = run(
        _bench_url(database, "ingest"),
        mqtt_host=settings.mqtt_host,
        mqtt_port=settings.mqtt_port,
        readings=readings,
        stations=stations,
        batches=tuple(batch),
        window_ms=window_ms,
        paced_seconds=paced_seconds,
        data_dir=settings.data_dir,
        profile_dir=profile_dir,
        processes=ingestors,
    )
    _echo_result(phases, as_json, to_json, report_lines)


@app.command("map")
def map_bench(
    runs: int = typer.Option(3, min=1, help="loads per condition (the median is printed)"),
    database: str | None = typer.Option(None, help="database with the hub's data (default: BOSAI_DATABASE_URL)"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Map first view in Chromium: time to the first shelters and bytes, at 1.6 Mbps / 150 ms and unthrottled."""
    from bench.map import as_json as to_json
    from bench.map import report_lines, run

    settings = get_settings()
    if database:
        url = make_url(settings.database_url).set(database=database).render_as_string(hide_password=False)
        settings = settings.model_copy(update={"database_url": url})
    result = run(settings, runs=runs)
    _echo_result(result, as_json, to_json, report_lines)


@app.command("api")
def api_bench(
    synthetic: int = typer.Option(100_000, min=0, help="synthetic shelters added to the bundled data"),
    duration: int = typer.Option(10, min=1, help="seconds of load per endpoint (wrk and pgbench each)"),
    connections: int = typer.Option(8, min=1, help="concurrent connections of wrk and pgbench"),
    workers: int = typer.Option(2, min=1, help="uvicorn worker processes of the hub"),
    database: str | None = typer.Option(None, help="scratch database (dropped and re-created; default <db>_bench_api)"),
    runs: int = typer.Option(1, min=1, help="measure every endpoint this many times, then print medians"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Nearest shelter, bbox list and one MVT tile under wrk load, beside pgbench on the same SQL."""
    from bench.api import as_json as to_json
    from bench.api import report_lines, run, summary_lines

    result = run(
        _bench_url(database, "api"),
        synthetic=synthetic,
        duration_s=duration,
        connections=connections,
        workers=workers,
        runs=runs,
    )
    _echo_result(result, as_json, to_json, report_lines)
    if runs > 1 and not as_json:
        for line in summary_lines(result):
            typer.echo(line)


if __name__ == "__main__":
    app(prog_name="python -m bench")
