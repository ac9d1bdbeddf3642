"""What a resident needs at one place: which shelter hazards its hazard zones call for (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

#: The shelter designation (GSI hazard flag) a hazard-zone kind calls for.
ZONE_SHELTER_HAZARD: Final[dict[str, str]] = {
    "river_flood": "flood",
    "flood_duration": "flood",
    "house_collapse": "flood",
    "inland_flood": "inland_flood",
    "storm_surge": "storm_surge",
    "tsunami": "tsunami",
    "landslide": "landslide",
    "landslide_special": "landslide",
}
#: Shelters suggested for one place.
SUGGESTED_SHELTERS: Final = 3


def shelter_hazards(zones: Iterable[Mapping[str, Any]], chosen: str | None = None) -> list[str]:
    """The hazards a shelter must be designated for: the chosen one, else every one the place is exposed to."""
    if chosen:
        return [chosen]
    return sorted({ZONE_SHELTER_HAZARD[z["kind"]] for z in zones if z["kind"] in ZONE_SHELTER_HAZARD})


def deepest_ranks(zones: Iterable[Mapping[str, Any]]) -> dict[str, int | None]:
    """The highest depth rank at the place per hazard-zone kind (None for kinds without depth)."""
    summary: dict[str, int | None] = {}
    for zone in zones:
        rank = zone.get("depth_rank")
        current = summary.get(zone["kind"])
        summary[zone["kind"]] = rank if current is None or (rank is not None and rank > current) else current
    return summary
