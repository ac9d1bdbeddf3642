"""The four-step crowding from occupancy ÷ capacity."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.shelters.crowding import LEVELS, THRESHOLDS, crowding


@pytest.mark.parametrize(
    ("occupancy", "capacity", "key"),
    [
        (0, 10, "vacant"),
        (4, 10, "vacant"),
        (5, 10, "somewhat_crowded"),
        (7, 10, "somewhat_crowded"),
        (8, 10, "crowded"),
        (9, 10, "crowded"),
        (10, 10, "full"),
        (25, 10, "full"),
        (499, 1000, "vacant"),  # 0.499 must not round up into the next step
        (999, 1000, "crowded"),
    ],
)
def test_steps_at_the_documented_thresholds(occupancy: int, capacity: int, key: str) -> None:
    result = crowding(occupancy, capacity)
    assert result is not None and result.key == key


def test_unknown_capacity() -> None:
    assert crowding(12, None) is None
    assert crowding(12, 0) is None
    declared = crowding(12, None, full=True)
    assert declared is not None and (declared.label, declared.ratio) == ("満員", None)


def test_labels_shown_to_residents() -> None:
    assert [label for _, label, _ in LEVELS] == ["空いています", "やや混雑", "混雑", "満員"]
    with pytest.raises(ValueError, match="occupancy"):
        crowding(-1, 10)


@given(st.integers(0, 10_000), st.integers(1, 10_000), st.integers(0, 10_000))
def test_more_people_never_means_less_crowded(a: int, capacity: int, extra: int) -> None:
    low, high = crowding(a, capacity), crowding(a + extra, capacity)
    assert low is not None and high is not None
    assert low.level <= high.level
    assert low.level == sum(a / capacity >= bound for bound in THRESHOLDS)
