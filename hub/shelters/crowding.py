"""The four-step crowding shown to residents (空いています / やや混雑 / 混雑 / 満員), from occupancy ÷ capacity."""

from __future__ import annotations

from bisect import bisect_right
from typing import NamedTuple

#: Upper bounds (exclusive) of the ratio occupancy ÷ capacity for the first three steps; at or above
#: the last bound the shelter is full. <50 % vacant, <80 % somewhat crowded, <100 % crowded, ≥100 % full.
THRESHOLDS = (0.5, 0.8, 1.0)
#: (key, Japanese label shown to residents, English label) of each step, least crowded first.
LEVELS = (
    ("vacant", "空いています", "Vacant"),
    ("somewhat_crowded", "やや混雑", "Somewhat crowded"),
    ("crowded", "混雑", "Crowded"),
    ("full", "満員", "Full"),
)
FULL_LEVEL = len(LEVELS) - 1


class Crowding(NamedTuple):
    """One crowding step: 0 (vacant) … 3 (full), its labels and the ratio it came from."""

    level: int
    key: str
    label: str
    label_en: str
    ratio: float | None

    def as_dict(self) -> dict[str, object]:
        """Plain data for JSON."""
        return {
            "level": self.level,
            "key": self.key,
            "label": self.label,
            "label_en": self.label_en,
            "ratio": self.ratio,
        }


def _step(level: int, ratio: float | None) -> Crowding:
    key, label, label_en = LEVELS[level]
    return Crowding(level, key, label, label_en, ratio)


def crowding(occupancy: int, capacity: int | None, *, full: bool = False) -> Crowding | None:
    """The crowding step of a shelter; None when capacity is unknown (or zero) and it is not declared full.

    `full` is the operator's declaration (status 'full'): it always means 満員, whatever the count says.
    """
    if occupancy < 0:
        raise ValueError(f"occupancy must be ≥ 0, got {occupancy}")
    ratio = occupancy / capacity if capacity and capacity > 0 else None
    shown = round(ratio, 3) if ratio is not None else None
    if full:
        return _step(FULL_LEVEL, shown)
    if ratio is None:
        return None
    return _step(bisect_right(THRESHOLDS, ratio), shown)  # the number of bounds at or below the ratio
