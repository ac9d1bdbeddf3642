"""Alerts to residents, their subscriptions, deliveries and signs: the tables, on the hub's shared Base."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from geoalchemy2 import WKBElement
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from alerts.lifecycle import AlertStatus
from hub.orm import Base, created_at, multipolygon, point

ALERT_STATUSES = tuple(status.value for status in AlertStatus)
CHANNELS = ("webpush", "line", "signage", "cap")
DELIVERY_STATUSES = ("pending", "sent", "failed", "gone", "skipped")


class Alert(Base):
    """A notice to residents, rendered per language and delivered on every channel."""

    __tablename__ = "alerts"
    __table_args__ = (CheckConstraint(f"status IN {ALERT_STATUSES}", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    identifier: Mapped[uuid.UUID] = mapped_column(unique=True, server_default=text("gen_random_uuid()"))
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), server_default=text("'draft'"))
    msg_type: Mapped[str] = mapped_column(String(8), server_default=text("'Alert'"))
    level: Mapped[int | None] = mapped_column(SmallInteger)
    hazard: Mapped[str | None] = mapped_column(String(16))
    urgency: Mapped[str] = mapped_column(String(16), server_default=text("'Expected'"))
    severity: Mapped[str] = mapped_column(String(16), server_default=text("'Moderate'"))
    certainty: Mapped[str] = mapped_column(String(16), server_default=text("'Likely'"))
    scope: Mapped[str] = mapped_column(String(16), server_default=text("'Public'"))
    auto_send: Mapped[bool] = mapped_column(server_default=text("false"))
    messages: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    area_codes: Mapped[list[str]] = mapped_column(ARRAY(String(32)), server_default=text("'{}'"))
    geom: Mapped[WKBElement | None] = mapped_column(multipolygon(), nullable=True)
    references_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("evacuation_orders.id"))
    station_event_id: Mapped[int | None] = mapped_column(ForeignKey("station_events.id"))
    expires_at: Mapped[datetime | None]
    drafted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    sent_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class Subscription(Base):
    """A resident's Web Push or LINE subscription: languages, places and hazards."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        CheckConstraint(f"channel IN {CHANNELS}", name="channel"),
        UniqueConstraint("channel", "address"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(Text)  # push endpoint URL or LINE user id
    keys: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    languages: Mapped[list[str]] = mapped_column(ARRAY(String(16)), server_default=text("'{ja}'"))
    hazards: Mapped[list[str]] = mapped_column(ARRAY(String(16)), server_default=text("'{}'"))
    area_codes: Mapped[list[str]] = mapped_column(ARRAY(String(32)), server_default=text("'{}'"))
    geom: Mapped[WKBElement | None] = mapped_column(multipolygon(), nullable=True)
    active: Mapped[bool] = mapped_column(server_default=text("true"))
    last_success_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_at()


class Delivery(Base):
    """One (alert, recipient, channel) delivery with its attempts; never sent twice."""

    __tablename__ = "deliveries"
    __table_args__ = (
        CheckConstraint(f"status IN {DELIVERY_STATUSES}", name="status"),
        UniqueConstraint("alert_id", "subscription_id", "channel"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), server_default=text("'pending'"))
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at()
    sent_at: Mapped[datetime | None]


class SignageDevice(Base):
    """A digital sign that shows current alerts for its area."""

    __tablename__ = "signage_devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(Text)
    token_hash: Mapped[str] = mapped_column(Text)
    area_codes: Mapped[list[str]] = mapped_column(ARRAY(String(32)), server_default=text("'{}'"))
    location: Mapped[WKBElement | None] = mapped_column(point(), nullable=True)
    languages: Mapped[list[str]] = mapped_column(ARRAY(String(16)), server_default=text("'{ja,ja-easy,en,zh-Hans,ko}'"))
    last_heartbeat_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_at()
