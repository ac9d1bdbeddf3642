"""Hazard geography: rivers, hazard zones, flood history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    CheckConstraint,
    Computed,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hub.orm import SRID, Base, created_at, multipolygon

HAZARD_ZONE_KINDS = (
    "river_flood",
    "flood_duration",
    "house_collapse",
    "inland_flood",
    "storm_surge",
    "tsunami",
    "landslide",
    "landslide_special",
)
#: National depth-rank scale (重ねるハザードマップ): rank -> (min m, max m or None).
DEPTH_RANKS: dict[int, tuple[float, float | None]] = {
    1: (0.0, 0.5),
    2: (0.5, 3.0),
    3: (3.0, 5.0),
    4: (5.0, 10.0),
    5: (10.0, 20.0),
    6: (20.0, None),
}
#: Simplified copies of each hazard zone for the map: column, highest zoom it serves, tolerance (degrees).
#: Zooms above the last band use the full geometry. 0.0005° ≈ 50 m, 0.0001° ≈ 10 m at Tokyo.
HAZARD_ZOOM_BANDS: tuple[tuple[str, int, float], ...] = (("geom_z11", 11, 0.0005), ("geom_z14", 14, 0.0001))


def _simplified(tolerance: float) -> Computed:
    # Douglas-Peucker keeping collapsed parts, then made valid: linear time, unlike the topology-preserving
    # simplifier, which takes minutes on a dissolved zone of ten thousand parts.
    return Computed(
        f"ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Simplify(geom, {tolerance}, true)), 3))", persisted=True
    )


class River(Base):
    """A river centre-line (国土数値情報 W05) for the base map."""

    __tablename__ = "rivers"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str | None] = mapped_column(Text)
    geom: Mapped[WKBElement] = mapped_column(Geometry("MULTILINESTRING", srid=SRID, spatial_index=True))
    source: Mapped[str | None] = mapped_column(Text)
    attributes: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))


class HazardZone(Base):
    """An assumed hazard area with a depth rank on the national scale."""

    __tablename__ = "hazard_zones"
    __table_args__ = (
        CheckConstraint(f"kind IN {HAZARD_ZONE_KINDS}", name="kind"),
        CheckConstraint("depth_rank BETWEEN 1 AND 6", name="depth_rank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_key: Mapped[str] = mapped_column(Text, unique=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    depth_rank: Mapped[int | None] = mapped_column(SmallInteger)
    depth_min_m: Mapped[float | None]
    depth_max_m: Mapped[float | None]
    original_code: Mapped[str | None] = mapped_column(Text)
    scenario: Mapped[str | None] = mapped_column(Text)
    river_name: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    attributes: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    geom: Mapped[WKBElement] = mapped_column(multipolygon())
    geom_z11: Mapped[WKBElement] = mapped_column(multipolygon(), _simplified(HAZARD_ZOOM_BANDS[0][2]))
    geom_z14: Mapped[WKBElement] = mapped_column(multipolygon(), _simplified(HAZARD_ZOOM_BANDS[1][2]))
    created_at: Mapped[datetime] = created_at()


class InundationRecord(Base):
    """A historical flood (浸水実績) of one town block, with building counts or a count class."""

    __tablename__ = "inundation_records"
    __table_args__ = (UniqueConstraint("source", "town_name", "event_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_name: Mapped[str] = mapped_column(Text)
    event_date: Mapped[date | None]
    period_start: Mapped[date | None]
    period_end: Mapped[date | None]
    ward_code: Mapped[str | None] = mapped_column(String(6))
    town_name: Mapped[str] = mapped_column(Text)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"))
    geom: Mapped[WKBElement | None] = mapped_column(multipolygon(), nullable=True)
    above_floor: Mapped[int | None] = mapped_column(Integer)
    below_floor: Mapped[int | None] = mapped_column(Integer)
    count_class: Mapped[str | None] = mapped_column(Text)
    count_class_ordinal: Mapped[int | None] = mapped_column(SmallInteger)
    confidence: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at()
