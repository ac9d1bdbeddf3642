"""Simulator scenarios, station choice and faults (pure, on the bundled real data)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from hub.stations.levels import band_for
from sensors_sim.faults import FaultInjector, Faults
from sensors_sim.scenarios import HYDROGRAPH, calm, load_series, map_level, replay, typhoon
from sensors_sim.stations import FOUR_WARDS_CENTRE, SimStation, distance_km, load_master, pick

DATA = Path(__file__).resolve().parents[2] / "data"
DRIFT = DATA / "river/kriver_series_kiryugawa_gunma_2025-11-21_suspected_sensor_drift.csv"


@pytest.fixture(scope="module")
def master() -> list[SimStation]:
    return load_master(DATA)


def test_master_stations_keep_real_codes_and_thresholds(master: list[SimStation]) -> None:
    by_code = {s.code: s for s in master}
    assert len(master) == 4053
    s = by_code["0900000067"]
    assert (s.start, s.warn, s.flad) == (16.84, 17.34, 18.08)
    assert by_code["0100000001"].thresholds.danger == 2.77


def test_pick_nearest_the_wards_or_given_codes(master: list[SimStation]) -> None:
    near = pick(master, count=4)
    distances = [distance_km(FOUR_WARDS_CENTRE, (s.lon, s.lat)) for s in near]
    assert distances == sorted(distances)
    assert all(distance_km(FOUR_WARDS_CENTRE, (s.lon, s.lat)) >= distances[-1] for s in master if s not in near)
    assert [s.code for s in pick(master, count=1, codes=["0900000067"])] == ["0900000067"]
    with pytest.raises(ValueError, match="unknown station codes: nope"):
        pick(master, count=1, codes=["nope"])


def test_calm_stays_below_the_observation_start(master: list[SimStation]) -> None:
    for s in pick(master, count=20):
        level_at = calm(s)
        assert all(level_at(t) < s.start for t in range(0, 86400, 600))


def test_typhoon_rises_through_every_threshold_and_back(master: list[SimStation]) -> None:
    hydrograph = load_series(DATA / HYDROGRAPH)
    for s in [*pick(master, count=10), next(x for x in master if x.warn is None)]:
        level_at, duration = typhoon(s, hydrograph)
        bands = [band_for(s.thresholds, level_at(t)) for t in range(0, int(duration) + 1, 600)]
        assert bands[0] == "normal"
        assert "flooding" in bands
        if s.warn is not None:
            assert "danger" in bands
        peak = bands.index("flooding")
        assert bands[peak:][-1] in ("normal", "danger") and "normal" in bands[peak:]  # back below the levels


def test_typhoon_keeps_the_real_shape_on_its_own_station(master: list[SimStation]) -> None:
    hydrograph = load_series(DATA / HYDROGRAPH)
    own = next(s for s in master if s.code == hydrograph.code)
    level_at, duration = typhoon(own, hydrograph)
    ramp = duration - hydrograph.duration_s
    for offset, level in zip(hydrograph.offsets_s, hydrograph.levels, strict=True):
        assert level_at(ramp + offset) == pytest.approx(level, abs=0.11)


def test_map_level_carries_the_anchors() -> None:
    source, target = (16.84, 17.34, 18.08), (1.0, 2.0, 4.0)
    assert [map_level(v, source, target) for v in source] == pytest.approx(list(target))


def test_replay_of_a_real_series(master: list[SimStation]) -> None:
    series = load_series(DRIFT)
    assert (series.code, len(series.levels)) == ("8300000145", 63)
    own = next(s for s in master if s.code == series.code)
    assert replay(series, own) is series
    other = next(s for s in pick(master, count=10) if s.warn is not None)
    mapped = replay(series, other)
    assert mapped.offsets_s == series.offsets_s
    assert other.warn is not None
    expected = map_level(series.levels[0], (90.95, 94.2, 94.98), (other.start, other.warn, other.flad))
    assert mapped.levels[0] == pytest.approx(expected)


def test_bad_series_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text(
        "code,name,obsTime,level_m,over,startLevel,warnLevel,fladLevel\n"
        "X,x,2026-07-17T20:00:00+09:00,1,1,1,2,3\nX,x,2026-07-17T19:00:00+09:00,1,1,1,2,3\n"
    )
    with pytest.raises(ValueError, match=r"s.csv, row 3: obsTime .* is not after"):
        load_series(path)


def reading() -> dict[str, object]:
    return {"ts": "2026-07-18T02:00:00+00:00", "water_level_m": 1.0, "battery_v": 12.6, "seq": 1}


@pytest.mark.parametrize(
    ("faults", "expected"),
    [
        (Faults(), [1]),
        (Faults(gap=1.0), [0]),
        (Faults(duplicate=1.0), [2]),
        (Faults(malformed=1.0), [2]),
    ],
)
def test_fault_counts(faults: Faults, expected: list[int]) -> None:
    injector = FaultInjector(faults, random.Random(1))
    assert [len(injector.apply("A", reading(), hours=0))] == expected


def test_out_of_order_holds_one_back() -> None:
    injector = FaultInjector(Faults(out_of_order=1.0), random.Random(1))
    first = injector.apply("A", {**reading(), "seq": 1}, hours=0)
    second = injector.apply("A", {**reading(), "seq": 2}, hours=0)
    assert first == []
    assert [json.loads(p)["seq"] for p in second] == [2, 1]


def test_spikes_stuck_values_and_battery_drain() -> None:
    spiky = FaultInjector(Faults(spike=1.0), random.Random(1))
    (payload,) = spiky.apply("A", reading(), hours=0)
    assert abs(json.loads(payload)["water_level_m"] - 1.0) == 3.0
    stuck = FaultInjector(Faults(stuck=1.0), random.Random(1))
    levels = [
        json.loads(stuck.apply("A", {**reading(), "water_level_m": 1.0 + i}, hours=0)[0])["water_level_m"]
        for i in range(5)
    ]
    assert levels == [1.0, 1.0, 1.0, 1.0, 1.0]
    drained = FaultInjector(Faults(battery_drain=0.5), random.Random(1))
    (payload,) = drained.apply("A", reading(), hours=4)
    assert json.loads(payload)["battery_v"] == 10.8


def test_fault_specs_are_checked() -> None:
    assert Faults.parse(["gap=0.1", "battery-drain=0.2"]) == Faults(gap=0.1, battery_drain=0.2)
    with pytest.raises(ValueError, match="unknown fault 'gaps'"):
        Faults.parse(["gaps=0.1"])
    with pytest.raises(ValueError, match="must be a probability"):
        Faults.parse(["gap=2"])
