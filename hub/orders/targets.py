"""Spatial SQL of order targeting: who and what an area (named areas plus a drawn polygon) reaches."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.types import String

#: Attribute of `areas.attributes` holding a resident count, when the boundary data carries one.
POPULATION_KEY = "population"

_TARGET_CTE = """
WITH target AS (
    SELECT ST_Union(g) AS g FROM (
        SELECT geom AS g FROM areas WHERE code = ANY(:codes)
        UNION ALL
        SELECT ST_SetSRID(ST_GeomFromGeoJSON(:geojson), 4326) WHERE CAST(:geojson AS text) IS NOT NULL
    ) AS parts
)
"""

_COUNTS_SQL = (
    _TARGET_CTE
    + """
SELECT
    (SELECT count(*) FROM shelters s, target t
      WHERE ST_Intersects(s.location, t.g)
        AND (CAST(:hazard AS text) IS NULL OR :hazard = ANY(s.hazards))) AS shelters,
    (SELECT count(*) FROM shelters s, target t
      WHERE ST_Intersects(s.location, t.g) AND s.status IN ('open', 'full')
        AND (CAST(:hazard AS text) IS NULL OR :hazard = ANY(s.hazards))) AS shelters_open,
    (SELECT count(*) FROM signage_devices d, target t
      WHERE (d.location IS NOT NULL AND ST_Intersects(d.location, t.g)) OR d.area_codes && :codes) AS signs
"""
)

_SUBSCRIBERS_SQL = (
    _TARGET_CTE
    + """
SELECT s.channel, count(*) AS n
FROM subscriptions s, target t
WHERE s.active
  AND (cardinality(s.hazards) = 0 OR CAST(:hazard AS text) IS NULL OR :hazard = ANY(s.hazards))
  AND ((s.geom IS NOT NULL AND ST_Intersects(s.geom, t.g)) OR s.area_codes && :codes)
GROUP BY s.channel ORDER BY s.channel
"""
)


@dataclass(frozen=True)
class TargetArea:
    """A named area of a target, with its resident count when the data has one."""

    code: str
    kind: str
    name: str
    name_en: str | None
    population: int | None


@dataclass(frozen=True)
class TargetCounts:
    """What a target reaches: shelters in it, signs, and subscribers per channel."""

    shelters: int
    shelters_open: int
    signs: int
    subscribers: dict[str, int]


def _params(area_codes: Sequence[str], geometry: dict[str, Any] | None, hazard: str | None) -> dict[str, Any]:
    return {
        "codes": list(area_codes),
        "geojson": json.dumps(geometry) if geometry is not None else None,
        "hazard": hazard,
    }


def _codes_bound(sql: str) -> Any:
    return text(sql).bindparams(bindparam("codes", type_=ARRAY(String())))


def target_areas(session: Session, *, area_codes: Sequence[str]) -> list[TargetArea]:
    """The named areas that exist, wards first, with `attributes.population` when it is a whole number."""
    rows = session.execute(
        _codes_bound(
            "SELECT code, kind, name, name_en, attributes->>:key AS population FROM areas "
            "WHERE code = ANY(:codes) ORDER BY kind <> 'ward', code"
        ),
        {"codes": list(area_codes), "key": POPULATION_KEY},
    )
    out = []
    for row in rows.mappings():
        population = row["population"]
        count = int(population) if population is not None and str(population).isdigit() else None
        out.append(TargetArea(str(row["code"]), str(row["kind"]), str(row["name"]), row["name_en"], count))
    return out


def target_counts(
    session: Session, *, area_codes: Sequence[str], geometry: dict[str, Any] | None, hazard: str | None
) -> TargetCounts:
    """Shelters (suitable for the hazard), signs and active subscribers the target reaches, in two queries."""
    params = _params(area_codes, geometry, hazard)
    row = session.execute(_codes_bound(_COUNTS_SQL), params).mappings().one()
    found = session.execute(_codes_bound(_SUBSCRIBERS_SQL), params).mappings()
    subscribers = {str(r["channel"]): int(r["n"]) for r in found}
    return TargetCounts(int(row["shelters"]), int(row["shelters_open"]), int(row["signs"]), subscribers)
