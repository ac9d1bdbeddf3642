"""`bosai sim`: simulated gauges of the station master publishing over MQTT."""

from __future__ import annotations

import logging
import random
import signal
from functools import partial
from pathlib import Path
from types import FrameType

import typer

from hub.settings import get_settings
from sensors_sim.faults import FaultInjector, Faults
from sensors_sim.publisher import MqttPublisher
from sensors_sim.runner import Simulation, Track
from sensors_sim.scenarios import HYDROGRAPH, calm, load_series, replay, typhoon, typhoon_rain
from sensors_sim.stations import SimStation, load_master, pick

app = typer.Typer(help="Sensor simulator: real stations, scenarios and faults.", no_args_is_help=True)

STATIONS = typer.Option(4, "--stations", "-n", min=1, max=500, help="simulate the N stations nearest the wards")
CODES = typer.Option([], "--code", help="simulate these station codes instead (repeatable)")
SPEED = typer.Option(60.0, min=0.001, help="simulated seconds per real second")
RATE = typer.Option(None, min=0.1, help="load mode: readings/s over all stations, ignoring intervals")
COUNT = typer.Option(None, min=1, help="stop after this many readings")
FAULTS = typer.Option(
    [],
    "--fault",
    help="NAME=PROBABILITY: gap, duplicate, out_of_order, spike, stuck, "
    "malformed, reconnect; battery_drain=VOLTS_PER_HOUR (repeatable)",
)
SEED = typer.Option(0, help="random seed of the faults")
ROOT = typer.Option("sensors", help="topic root")


def _stations(count: int, codes: list[str]) -> list[SimStation]:
    try:
        return pick(load_master(get_settings().data_dir), count=count, codes=codes)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc


def _run(
    tracks: list[Track],
    *,
    speed: float,
    rate: float | None,
    count: int | None,
    faults: list[str],
    seed: int,
    root: str,
    duration_s: float | None,
) -> None:
    settings = get_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        parsed = Faults.parse(faults)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--fault") from exc
    publisher = MqttPublisher(
        [t.station.code for t in tracks],
        host=settings.mqtt_host,
        port=settings.mqtt_port,
        root=root,
        credentials=settings.mqtt_credentials,
    )
    sim = Simulation(
        tracks,
        publisher,
        FaultInjector(parsed, random.Random(seed)),
        duration_s=duration_s,
        speed=speed,
        rate=rate,
        count=count,
    )

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        sim.stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    for t in tracks:
        typer.echo(
            f"{t.station.code} {t.station.name} start={t.station.start} warn={t.station.warn} flad={t.station.flad}"
        )
    stats = sim.run()
    publisher.close()
    typer.echo(f"published {stats.readings} readings in {stats.payloads} messages")


@app.command("calm")
def calm_cmd(
    stations: int = STATIONS,
    code: list[str] = CODES,
    speed: float = typer.Option(1.0, min=0.001, help="simulated seconds per real second"),
    rate: float | None = RATE,
    count: int | None = COUNT,
    fault: list[str] = FAULTS,
    seed: int = SEED,
    topic_root: str = ROOT,
) -> None:
    """Quiet water below 観測開始水位 (crisis gauges report rarely), until stopped or --count."""
    tracks = [Track(s, calm(s)) for s in _stations(stations, code)]
    _run(tracks, speed=speed, rate=rate, count=count, faults=fault, seed=seed, root=topic_root, duration_s=None)


@app.command("typhoon")
def typhoon_cmd(
    stations: int = STATIONS,
    code: list[str] = CODES,
    speed: float = SPEED,
    rate: float | None = RATE,
    count: int | None = COUNT,
    fault: list[str] = FAULTS,
    seed: int = SEED,
    topic_root: str = ROOT,
) -> None:
    """A rise through every threshold and back, shaped on the real 2026-07-17 杣井木川 hydrograph."""
    hydrograph = load_series(get_settings().data_dir / HYDROGRAPH)
    tracks = []
    duration = 0.0
    for s in _stations(stations, code):
        level_at, duration = typhoon(s, hydrograph)
        tracks.append(Track(s, level_at, rain_at=partial(typhoon_rain, duration_s=duration)))
    _run(
        tracks,
        speed=speed,
        rate=rate,
        count=count,
        faults=fault,
        seed=seed,
        root=topic_root,
        duration_s=None if rate else duration,
    )


@app.command("replay")
def replay_cmd(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="k.river.go.jp series CSV"),
    code: list[str] = CODES,
    speed: float = SPEED,
    fault: list[str] = FAULTS,
    seed: int = SEED,
    topic_root: str = ROOT,
) -> None:
    """Replay a real series at ×speed (on its own station, or mapped onto --code stations)."""
    try:
        series = load_series(file)
    except (ValueError, KeyError) as exc:
        raise typer.BadParameter(f"{file.name}: {exc}") from exc
    targets = _stations(1, code or [series.code])
    tracks = []
    for s in targets:
        mapped = replay(series, s)
        tracks.append(Track(s, mapped.at, points=mapped.offsets_s))
    _run(
        tracks,
        speed=speed,
        rate=None,
        count=None,
        faults=fault,
        seed=seed,
        root=topic_root,
        duration_s=series.duration_s,
    )
