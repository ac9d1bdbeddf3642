"""Depth classes of the national datasets normalised to the one rank scale (pure)."""

from __future__ import annotations

import pytest

from hub.hazards.codes import depth_from_label, depth_from_rank, depth_from_value


@pytest.mark.parametrize(
    ("label", "rank", "low", "high"),
    [
        ("0.3m未満", 1, 0.0, 0.3),
        ("0.3m以上0.5m未満", 1, 0.3, 0.5),
        ("0.5m以上1m未満", 2, 0.5, 1.0),
        ("1m以上3m未満", 2, 1.0, 3.0),
        ("2m以上5m未満", 3, 2.0, 5.0),  # straddles a boundary: the deeper rank
        ("3.0～5.0m", 3, 3.0, 5.0),
        ("５ｍ以上１０ｍ未満", 4, 5.0, 10.0),
        ("10m以上20m未満", 5, 10.0, 20.0),
        ("20m以上", 6, 20.0, None),
    ],
)
def test_published_labels(label: str, rank: int, low: float, high: float | None) -> None:
    depth = depth_from_label(label)
    assert (depth.rank, depth.min_m, depth.max_m, depth.original) == (rank, low, high, label)


@pytest.mark.parametrize("bad", ["", "浸水なし", "5m以上3m未満", "0", "7", "2.5", None, "-1"])
def test_non_depths_are_refused(bad: object) -> None:
    with pytest.raises(ValueError):
        depth_from_value(bad)


def test_rank_codes() -> None:
    assert depth_from_rank(3).label == "3m以上5m未満"
    assert depth_from_value("２").rank == 2
    assert depth_from_value("6").max_m is None
