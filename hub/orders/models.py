"""Evacuation orders (高齢者等避難 / 避難指示 / 緊急安全確保): the table."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from geoalchemy2 import WKBElement
from sqlalchemy import CheckConstraint, ForeignKey, Integer, SmallInteger, String, Text, func, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from hub.orm import Base, created_at, multipolygon


class OrderStatus(StrEnum):
    """Where an order stands: draft → approved → issued → lifted; returned and resubmitted; cancelled."""

    DRAFT = "draft"
    RETURNED = "returned"
    APPROVED = "approved"
    ISSUED = "issued"
    LIFTED = "lifted"
    CANCELLED = "cancelled"


ORDER_STATUSES = tuple(status.value for status in OrderStatus)


class EvacuationOrder(Base):
    """An evacuation order (高齢者等避難 / 避難指示 / 緊急安全確保) for a set of areas."""

    __tablename__ = "evacuation_orders"
    __table_args__ = (
        CheckConstraint("level BETWEEN 3 AND 5", name="level"),
        CheckConstraint(f"status IN {ORDER_STATUSES}", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[int] = mapped_column(SmallInteger)
    hazard: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), server_default=text("'draft'"))
    area_codes: Mapped[list[str]] = mapped_column(ARRAY(String(32)), server_default=text("'{}'"))
    geom: Mapped[WKBElement | None] = mapped_column(multipolygon(), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text)
    drafted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    returned_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    return_comment: Mapped[str | None] = mapped_column(Text)
    issued_at: Mapped[datetime | None]
    lifted_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
