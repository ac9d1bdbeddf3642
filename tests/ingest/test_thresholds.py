"""The station state machine: hysteresis, rate of rise with projection, staleness, status (injected times)."""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.stations.levels import Thresholds
from ingest.thresholds import (
    Policy,
    StationProfile,
    StationState,
    apply_reading,
    apply_readings,
    apply_status,
    check_stale,
)

T0 = datetime(2026, 7, 17, 10, 0, tzinfo=UTC)
FULL = StationProfile(Thresholds(standby=1.0, caution=2.0, evacuation=3.0, danger=4.0, flooding=5.0))
CRISIS = StationProfile(
    Thresholds(observation_start=16.84, danger=17.34, flooding=18.08), reporting_mode="crisis", quiet_interval_s=86400
)
#: No rate limits, so the level tables see only level events.
LEVELS_ONLY = Policy(hysteresis_m=0.05, hold=timedelta(minutes=20), rise_limits=((3600, 99.0),))


def run(
    readings: Sequence[tuple[float, float | None]],
    profile: StationProfile = FULL,
    policy: Policy = LEVELS_ONLY,
    state: StationState | None = None,
) -> tuple[StationState, list[tuple[str, str | None, str]]]:
    """Feed (minutes after T0, level) readings; returns the final state and (kind, from, to) of events."""
    state = state or StationState()
    seen = []
    for minute, level in readings:
        at = T0 + timedelta(minutes=minute)
        state, events = apply_reading(
            state, observed_at=at, water_level_m=level, received_at=at, profile=profile, policy=policy
        )
        seen += [(e.kind, e.from_state, e.to_state) for e in events]
    return state, seen


@pytest.mark.parametrize(
    ("readings", "band", "events"),
    [
        # a rise is reported at once, even through several bands
        ([(0, 0.5), (10, 2.5)], "caution", [("level", "normal", "caution")]),
        ([(0, 0.5), (10, 5.2)], "flooding", [("level", "normal", "flooding")]),
        (
            [(0, 1.2), (10, 2.1), (20, 3.1)],
            "evacuation",
            [("level", "normal", "standby"), ("level", "standby", "caution"), ("level", "caution", "evacuation")],
        ),
        # a noisy gauge at the line does not flap: inside the band (2.0 − 0.05) nothing happens
        (
            [(0, 2.01), (10, 1.98), (20, 2.02), (30, 1.96), (40, 2.0), (50, 1.97)],
            "caution",
            [("level", "normal", "caution")],
        ),
        # below threshold − band, but not for the hold time: stay
        ([(0, 2.5), (10, 1.9), (25, 1.9)], "caution", [("level", "normal", "caution")]),
        # below for 20 minutes: leave to the band the water is in (with the band applied)
        (
            [(0, 2.5), (10, 1.9), (30, 1.9)],
            "standby",
            [("level", "normal", "caution"), ("level", "caution", "standby")],
        ),
        # coming back into the dead band restarts the hold timer
        (
            [(0, 2.5), (10, 1.9), (25, 1.97), (35, 1.9), (50, 1.9), (55, 1.9)],
            "standby",
            [("level", "normal", "caution"), ("level", "caution", "standby")],
        ),
        ([(0, 2.5), (10, 1.9), (25, 1.97), (35, 1.9), (50, 1.9)], "caution", [("level", "normal", "caution")]),
        # a fall from danger straight to normal is one event after the hold
        ([(0, 4.2), (10, 0.2), (30, 0.2)], "normal", [("level", "normal", "danger"), ("level", "danger", "normal")]),
        # readings without a water level (rain only) change nothing
        ([(0, 2.5), (10, None), (40, None)], "caution", [("level", "normal", "caution")]),
    ],
)
def test_hysteresis(readings: list[tuple[float, float | None]], band: str, events: list[tuple[str, str, str]]) -> None:
    state, seen = run(readings)
    assert (state.band, seen) == (band, events)


@pytest.mark.parametrize(
    ("readings", "band"),
    [
        ([(0, 17.0)], "normal"),  # above 観測開始水位 only
        ([(0, 17.0), (10, 17.34)], "danger"),
        ([(0, 17.5), (10, 18.1)], "flooding"),
    ],
)
def test_crisis_gauge_bands(readings: list[tuple[float, float]], band: str) -> None:
    state, _ = run(readings, profile=CRISIS)
    assert state.band == band


def test_out_of_order_and_duplicate_readings_only_count_as_life() -> None:
    state, _seen = run([(0, 2.5), (30, 2.6)])
    late, events = apply_reading(
        state,
        observed_at=T0 + timedelta(minutes=10),
        water_level_m=0.1,
        received_at=T0 + timedelta(minutes=31),
        profile=FULL,
        policy=LEVELS_ONLY,
    )
    assert events == []
    assert late.band == "caution"
    assert late.water_level_m == 2.6
    assert late.last_observed_at == T0 + timedelta(minutes=30)
    assert late.last_seen_at == T0 + timedelta(minutes=31)


RATE = Policy(rise_limits=((1800, 0.3), (3600, 0.5)))


def test_rate_of_rise_raises_once_then_clears_with_projection() -> None:
    readings = [(0, 1.0), (10, 1.05), (20, 1.2), (30, 1.35)]  # +0.35 m in 30 min ≥ 0.3
    state, seen = run(readings, policy=RATE)
    assert ("rate", "steady", "rise_30min") in seen
    assert 30 * 60 in state.rising
    state2, events = apply_reading(
        StationState(), observed_at=T0, water_level_m=1.0, received_at=T0, profile=FULL, policy=RATE
    )
    for minute, level in readings[1:]:
        at = T0 + timedelta(minutes=minute)
        state2, events = apply_reading(
            state2, observed_at=at, water_level_m=level, received_at=at, profile=FULL, policy=RATE
        )
    rate_event = next(e for e in events if e.kind == "rate")
    assert rate_event.details["rise_m"] == pytest.approx(0.35)
    assert rate_event.details["rate_m_per_h"] == pytest.approx(0.7)
    # next threshold above standby is caution (2.0): (2.0 − 1.35) / 0.7 m/h ≈ 55.7 min
    assert rate_event.details["next_band"] == "caution"
    assert rate_event.details["eta_minutes"] == 56
    eta = datetime.fromisoformat(rate_event.details["eta"])
    assert abs(eta - (T0 + timedelta(minutes=30 + 0.65 / 0.7 * 60))) < timedelta(seconds=1)
    # the rise stops: it clears once the rise over the window falls below half the limit
    _, later = run([*readings, (40, 1.35), (50, 1.35), (60, 1.35), (70, 1.35)], policy=RATE)
    assert ("rate", "rise_30min", "steady") in later
    assert later.count(("rate", "steady", "rise_30min")) == 1


@pytest.mark.parametrize(
    ("readings", "fires"),
    [
        ([(0, 1.0), (30, 1.29)], False),
        ([(0, 1.0), (30, 1.3)], True),
        ([(0, 1.0), (45, 1.3)], False),  # 0.3 m but over 45 minutes: not within 30
        ([(0, 1.0), (10, 1.6), (20, 1.0), (30, 1.0)], True),  # fired at minute 10
    ],
)
def test_rate_limits_per_window(readings: list[tuple[float, float]], fires: bool) -> None:
    _, seen = run(readings, policy=Policy(rise_limits=((1800, 0.3),)))
    assert (("rate", "steady", "rise_30min") in seen) is fires


def test_per_station_rise_limits_override_the_policy() -> None:
    profile = StationProfile.from_mapping({"standby_level_m": 1.0, "attributes": {"rise_limits_m": {"1800": 0.1}}})
    _, seen = run([(0, 0.5), (20, 0.62)], profile=profile, policy=RATE)
    assert ("rate", "steady", "rise_30min") in seen


@pytest.mark.parametrize(
    ("profile", "last_level", "band", "silent_min", "stale"),
    [
        (CRISIS, 16.0, "normal", 40, False),  # a quiet crisis gauge reports once a day
        (CRISIS, 16.0, "normal", 3 * 24 * 60 + 1, True),
        (CRISIS, 16.9, "normal", 31, True),  # active (above 観測開始水位): every 10 minutes expected
        (CRISIS, 16.9, "normal", 29, False),
        (CRISIS, 17.5, "danger", 31, True),
        (StationProfile(Thresholds(), "regular", 600), 1.0, "normal", 31, True),
    ],
)
def test_staleness_depends_on_mode(
    profile: StationProfile, last_level: float, band: str, silent_min: int, stale: bool
) -> None:
    state = StationState(band=band, water_level_m=last_level, last_seen_at=T0, last_observed_at=T0)
    now = T0 + timedelta(minutes=silent_min)
    new, events = check_stale(state, now=now, profile=profile, policy=Policy(stale_factor=3))
    assert new.stale is stale
    assert [(e.from_state, e.to_state) for e in events] == ([("fresh", "stale")] if stale else [])
    _, again = check_stale(new, now=now + timedelta(hours=1), profile=profile, policy=Policy(stale_factor=3))
    if stale:
        assert again == []  # reported once


def test_a_reading_makes_a_stale_gauge_fresh() -> None:
    state = StationState(stale=True, last_seen_at=T0, last_observed_at=T0, water_level_m=0.5)
    at = T0 + timedelta(hours=2)
    new, events = apply_reading(state, observed_at=at, water_level_m=0.5, received_at=at, profile=FULL, policy=RATE)
    assert not new.stale
    assert [(e.kind, e.from_state, e.to_state) for e in events] == [("stale", "stale", "fresh")]


def test_status_events_only_on_change() -> None:
    state, events = apply_status(StationState(), status="online", at=T0)
    assert [(e.from_state, e.to_state) for e in events] == [(None, "online")]
    state, events = apply_status(state, status="online", at=T0)
    assert events == []
    state, events = apply_status(state, status="offline", at=T0)
    assert [(e.kind, e.from_state, e.to_state) for e in events] == [("status", "online", "offline")]


def test_state_survives_json() -> None:
    state, _ = run([(0, 1.0), (10, 1.5), (20, 2.3), (30, 1.9)], policy=RATE)
    state = StationState(**{**state.__dict__, "status": "online"})
    assert StationState.from_json(state.to_json()) == state
    assert StationState.from_json({}) == StationState()


@given(st.lists(st.tuples(st.integers(0, 600), st.one_of(st.none(), st.floats(0, 6, allow_nan=False))), max_size=40))
def test_a_run_of_readings_equals_one_by_one(readings: list[tuple[int, float | None]]) -> None:
    observations = [(T0 + timedelta(minutes=m), level, T0 + timedelta(minutes=m)) for m, level in readings]
    folded, folded_events = StationState(), []
    for at, level, received in observations:
        folded, new = apply_reading(
            folded, observed_at=at, water_level_m=level, received_at=received, profile=FULL, policy=RATE
        )
        folded_events += new
    assert apply_readings(StationState(), observations, profile=FULL, policy=RATE) == (folded, folded_events)
