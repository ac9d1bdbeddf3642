"""When a KNN candidate list in degrees is sure to hold the true nearest points in metres (pure).

The GiST index orders points by planar distance in degrees (`<->` on SRID 4326), which is not the
order in metres: a degree of longitude is shorter than a degree of latitude away from the equator.
The hub therefore fetches K candidates by degrees, ranks them by geodesic metres, and accepts the
ranking only when no point outside the candidates can be nearer than the n-th one; otherwise it asks
for more candidates. Any point left out lies at least `last_deg` degrees away, and every degree of
planar distance is at least `min_metres_per_degree` metres of geodesic distance.
"""

from __future__ import annotations

import math
from typing import Final

#: Shortest length of a degree of latitude on WGS 84 (at the equator), metres.
METRES_PER_DEG_LAT_MIN: Final = 110_574.0
#: Length of a degree of longitude at the equator on WGS 84 (a·π/180), metres.
METRES_PER_DEG_LON_EQUATOR: Final = 111_319.49
#: Latitude margin for the poleward bulge of a geodesic between the query and a left-out point.
LAT_MARGIN_DEG: Final = 1.0
#: Beyond this latitude the bound is not used: every matching row is ranked instead.
MAX_BOUNDED_LAT: Final = 60.0
#: Candidates fetched for n results, and the growth factor when the bound is not met.
CANDIDATE_FACTOR: Final = 4
CANDIDATE_EXTRA: Final = 16
CANDIDATE_GROWTH: Final = 4


def min_metres_per_degree(lat: float, spread_deg: float) -> float:
    """A lower bound of the metres in one degree of planar distance within `spread_deg` of latitude `lat`."""
    phi = min(90.0, abs(lat) + spread_deg + LAT_MARGIN_DEG)
    return min(METRES_PER_DEG_LAT_MIN, METRES_PER_DEG_LON_EQUATOR * math.cos(math.radians(phi)))


def first_candidates(wanted: int) -> int:
    """How many KNN candidates to fetch first for `wanted` results."""
    return wanted * CANDIDATE_FACTOR + CANDIDATE_EXTRA


def ranking_is_exact(*, fetched: int, asked: int, nth_distance_m: float | None, last_deg: float, lat: float) -> bool:
    """Whether the candidates ranked by metres surely hold the true nearest ones.

    `fetched` rows came back for a LIMIT of `asked`; `nth_distance_m` is the distance of the last
    result kept (None when fewer rows than wanted exist); `last_deg` the planar distance of the last
    candidate.
    """
    if fetched < asked or nth_distance_m is None:
        return True  # every matching row was ranked
    if abs(lat) + last_deg > MAX_BOUNDED_LAT:
        return False
    return nth_distance_m <= last_deg * min_metres_per_degree(lat, last_deg)
