"""Gauges, their readings, rejected messages and threshold events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from geoalchemy2 import WKBElement
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hub.orm import Base, created_at, point

STATION_KINDS = ("water_level", "rain")
REPORTING_MODES = ("regular", "crisis")


class Station(Base):
    """A water-level or rain gauge with its river thresholds (metres above the station datum)."""

    __tablename__ = "stations"
    __table_args__ = (
        CheckConstraint(f"kind IN {STATION_KINDS}", name="kind"),
        CheckConstraint(f"reporting_mode IN {REPORTING_MODES}", name="reporting_mode"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(Text)
    name_kana: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16), default="water_level")
    river: Mapped[str | None] = mapped_column(Text)
    pref_code: Mapped[str | None] = mapped_column(String(5))
    city_code: Mapped[str | None] = mapped_column(String(5))
    city: Mapped[str | None] = mapped_column(Text)
    location: Mapped[WKBElement] = mapped_column(point())
    observation_start_level_m: Mapped[float | None] = mapped_column(Float)
    standby_level_m: Mapped[float | None] = mapped_column(Float)
    caution_level_m: Mapped[float | None] = mapped_column(Float)
    evacuation_level_m: Mapped[float | None] = mapped_column(Float)
    danger_level_m: Mapped[float | None] = mapped_column(Float)
    flooding_level_m: Mapped[float | None] = mapped_column(Float)
    min_valid_m: Mapped[float | None] = mapped_column(Float)
    max_valid_m: Mapped[float | None] = mapped_column(Float)
    reporting_mode: Mapped[str] = mapped_column(String(16), default="regular")
    expected_interval_s: Mapped[int] = mapped_column(Integer, default=600)
    source: Mapped[str | None] = mapped_column(Text)
    attributes: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class Reading(Base):
    """One observation of a gauge; unique per station and observed time.

    Stored in one table with a BRIN index on observed_at (readings arrive in time order, so
    a BRIN index stays a few kilobytes for tens of millions of rows) and the primary key
    (station_id, observed_at) that de-duplicates and serves per-station range scans.
    """

    __tablename__ = "readings"
    __table_args__ = (
        Index("ix_readings_observed_at_brin", "observed_at", postgresql_using="brin"),
        Index("ix_readings_received_at_brin", "received_at", postgresql_using="brin"),
    )

    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"), primary_key=True)
    observed_at: Mapped[datetime] = mapped_column(primary_key=True)
    water_level_m: Mapped[float | None] = mapped_column(Float)
    rain_mm_10min: Mapped[float | None] = mapped_column(Float)
    battery_v: Mapped[float | None] = mapped_column(Float)
    seq: Mapped[int | None] = mapped_column(BigInteger)
    received_at: Mapped[datetime] = mapped_column(server_default=func.now())


class DeadLetter(Base):
    """A sensor message that was rejected, kept with the reason."""

    __tablename__ = "dead_letters"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    topic: Mapped[str] = mapped_column(Text)
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    reason: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = created_at()


class StationEvent(Base):
    """A change of a station's state: level band, rate of rise, staleness, online status.

    Written in the transaction that stored the reading, announced with NOTIFY station_events
    (payload: the id); consumers poll `processed_at IS NULL` so none is lost while they are down.
    """

    __tablename__ = "station_events"
    __table_args__ = (Index("ix_station_events_unprocessed", "id", postgresql_where=text("processed_at IS NULL")),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    alert_level: Mapped[int | None] = mapped_column(Integer)
    water_level_m: Mapped[float | None] = mapped_column(Float)
    observed_at: Mapped[datetime]
    details: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    created_at: Mapped[datetime] = created_at()
    processed_at: Mapped[datetime | None]


class StationStateRecord(Base):
    """The current state of a station as the ingestor evaluated it (band, trend, stale, status)."""

    __tablename__ = "station_states"

    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"), primary_key=True)
    band: Mapped[str] = mapped_column(String(16), server_default=text("'normal'"))
    alert_level: Mapped[int | None] = mapped_column(Integer)
    water_level_m: Mapped[float | None] = mapped_column(Float)
    trend: Mapped[str | None] = mapped_column(String(16))
    stale: Mapped[bool] = mapped_column(server_default=text("false"))
    status: Mapped[str | None] = mapped_column(String(16))
    last_observed_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None] = mapped_column(index=True)
    state: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
