"""Evacuation sites and shelters, with hazard suitability and live status."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from geoalchemy2 import WKBElement
from sqlalchemy import CheckConstraint, Index, Integer, String, Text, func, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from hub.orm import Base, created_at, point

#: The eight hazard flags of the GSI national shelter data, in GSI column order.
HAZARDS = (
    "flood",
    "landslide",
    "storm_surge",
    "earthquake",
    "tsunami",
    "large_fire",
    "inland_flood",
    "volcano",
)
SHELTER_KINDS = (
    "designated_emergency_site",  # 指定緊急避難場所
    "designated_shelter",  # 指定避難所
    "wide_area_site",  # 広域避難場所
    "temporary_assembly_point",  # 一時集合場所
    "temporary_stay_facility",  # 一時滞在施設 (stranded commuters)
    "welfare_shelter",  # 福祉避難所
)


class ShelterStatus(StrEnum):
    """Where a shelter is in its day: closed → opening → open ⇄ full → closed_again."""

    CLOSED = "closed"
    OPENING = "opening"
    OPEN = "open"
    FULL = "full"
    CLOSED_AGAIN = "closed_again"


SHELTER_STATUSES = tuple(status.value for status in ShelterStatus)


class Shelter(Base):
    """A place residents flee to or stay at; kinds and hazard flags as in the GSI data."""

    __tablename__ = "shelters"
    __table_args__ = (
        CheckConstraint(f"status IN {SHELTER_STATUSES}", name="status"),
        CheckConstraint(f"kinds <@ ARRAY{list(SHELTER_KINDS)}::varchar[]", name="kinds"),
        CheckConstraint(f"hazards <@ ARRAY{list(HAZARDS)}::varchar[]", name="hazards"),
        CheckConstraint("occupancy >= 0", name="occupancy"),
        Index("ix_shelters_hazards", "hazards", postgresql_using="gin"),
        Index("ix_shelters_kinds", "kinds", postgresql_using="gin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    source_id: Mapped[str] = mapped_column(String(128), unique=True)
    name: Mapped[str] = mapped_column(Text)
    name_kana: Mapped[str | None] = mapped_column(Text)
    name_en: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    ward_code: Mapped[str | None] = mapped_column(String(6), index=True)
    location: Mapped[WKBElement] = mapped_column(point())
    kinds: Mapped[list[str]] = mapped_column(ARRAY(String(32)), server_default=text("'{}'"))
    hazards: Mapped[list[str]] = mapped_column(ARRAY(String(16)), server_default=text("'{}'"))
    capacity: Mapped[int | None] = mapped_column(Integer)
    occupancy: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    status: Mapped[str] = mapped_column(String(16), server_default=text("'closed'"))
    status_changed_at: Mapped[datetime | None]
    status_changed_by: Mapped[str | None] = mapped_column(Text)
    accessible: Mapped[bool | None]
    pets_allowed: Mapped[bool | None]
    phone: Mapped[str | None] = mapped_column(Text)
    elevation_m: Mapped[float | None]
    served_area: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    attributes: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
