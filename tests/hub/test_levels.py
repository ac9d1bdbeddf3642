"""Level bands (警戒レベル相当), trend and staleness of a gauge: table-driven."""

from datetime import UTC, datetime, timedelta

import pytest

from hub.stations.levels import (
    Thresholds,
    alert_level,
    band_for,
    expected_interval_s,
    is_active,
    is_stale,
    next_threshold,
    trend,
)

FULL = Thresholds(standby=1.0, caution=2.0, evacuation=3.0, danger=4.0, flooding=5.0)
#: A crisis gauge of the bundled master: startLevel, warnLevel → danger, fladLevel → flooding.
CRISIS = Thresholds(observation_start=16.84, danger=17.34, flooding=18.08)
CRISIS_NO_WARN = Thresholds(observation_start=1.47, flooding=3.37)
T0 = datetime(2026, 7, 17, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("thresholds", "level", "band", "alert"),
    [
        (FULL, 0.99, "normal", None),
        (FULL, 1.0, "standby", None),
        (FULL, 1.99, "standby", None),
        (FULL, 2.0, "caution", 2),
        (FULL, 3.0, "evacuation", 3),
        (FULL, 4.5, "danger", 4),
        (FULL, 5.0, "flooding", 5),
        (FULL, 99.0, "flooding", 5),
        (CRISIS, 16.9, "normal", None),  # above 観測開始水位: reporting mode, not an alert
        (CRISIS, 17.34, "danger", 4),
        (CRISIS, 18.1, "flooding", 5),
        (CRISIS_NO_WARN, 3.0, "normal", None),
        (CRISIS_NO_WARN, 3.37, "flooding", 5),
        (Thresholds(), 1000.0, "normal", None),
        (Thresholds(caution=2.0, danger=1.5), 1.8, "danger", 4),  # out of order: the highest band reached wins
    ],
)
def test_band_and_alert_level(thresholds: Thresholds, level: float, band: str, alert: int | None) -> None:
    assert band_for(thresholds, level) == band
    assert alert_level(band) == alert


@pytest.mark.parametrize(
    ("thresholds", "band", "expected"),
    [
        (FULL, "normal", ("standby", 1.0)),
        (FULL, "evacuation", ("danger", 4.0)),
        (FULL, "flooding", None),
        (CRISIS, "normal", ("danger", 17.34)),
        (CRISIS_NO_WARN, "normal", ("flooding", 3.37)),
    ],
)
def test_next_threshold(thresholds: Thresholds, band: str, expected: tuple[str, float] | None) -> None:
    assert next_threshold(thresholds, band) == expected


def test_thresholds_from_a_station_row() -> None:
    row = {"observation_start_level_m": 16.84, "danger_level_m": 17.34, "flooding_level_m": 18.08}
    assert Thresholds.from_mapping(row) == CRISIS


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        ([1.0], None),
        ([1.0, 1.1], "rising"),
        ([1.1, 1.0], "falling"),
        ([1.0, 1.01], "steady"),
        ([5.0, 1.0, 1.0, 1.1], "rising"),  # 5.0 is older than the 30-minute window
    ],
)
def test_trend_over_the_window(levels: list[float], expected: str | None) -> None:
    samples = [(T0 + timedelta(minutes=20 * i), v) for i, v in enumerate(levels)]
    assert trend(samples) == expected


@pytest.mark.parametrize(
    ("level", "band", "rising", "active"),
    [
        (16.0, "normal", False, False),
        (16.9, "normal", False, True),
        (16.0, "normal", True, True),
        (None, "danger", False, True),
    ],
)
def test_crisis_gauge_active(level: float | None, band: str, rising: bool, active: bool) -> None:
    assert is_active(CRISIS, level=level, band=band, rising=rising) is active


@pytest.mark.parametrize(
    ("mode", "active", "interval"),
    [("crisis", False, 86400), ("crisis", True, 600), ("regular", False, 86400), ("regular", True, 86400)],
)
def test_expected_interval_depends_on_mode(mode: str, active: bool, interval: int) -> None:
    assert expected_interval_s(reporting_mode=mode, quiet_interval_s=86400, active=active) == interval


@pytest.mark.parametrize(
    ("silent_s", "interval_s", "stale"),
    [(1799, 600, False), (1801, 600, True), (3 * 3600, 86400, False), (None, 600, False)],
)
def test_stale_after_factor_intervals(silent_s: int | None, interval_s: int, stale: bool) -> None:
    last = None if silent_s is None else T0 - timedelta(seconds=silent_s)
    assert is_stale(last, now=T0, interval_s=interval_s, factor=3) is stale
