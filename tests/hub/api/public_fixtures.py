"""Rows the public-read tests add inside the rolled-back test transaction (the demo data has no hazard zones)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hub.hazards.models import HazardZone


def square(lon: float, lat: float, half: float) -> str:
    """EWKT of a square multipolygon centred on (lon, lat) with half-side `half` degrees."""
    x0, y0, x1, y1 = lon - half, lat - half, lon + half, lat + half
    return f"SRID=4326;MULTIPOLYGON((({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0})))"


def add_zone(
    db: Session,
    key: str,
    *,
    kind: str,
    rank: int | None,
    lon: float,
    lat: float,
    half: float = 0.002,
    scenario: str | None = "想定最大規模",
) -> HazardZone:
    """A square hazard zone of the given kind and depth rank."""
    zone = HazardZone(
        source_key=f"test:{key}",
        kind=kind,
        depth_rank=rank,
        scenario=scenario,
        river_name="テスト川",
        source="test fixture",
        geom=square(lon, lat, half),
    )
    db.add(zone)
    db.flush()
    return zone
