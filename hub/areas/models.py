"""Administrative areas: wards and town blocks (町丁目)."""

from __future__ import annotations

from typing import Any

from geoalchemy2 import WKBElement
from sqlalchemy import CheckConstraint, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from hub.orm import Base, multipolygon

AREA_KINDS = ("prefecture", "ward", "town_block")


class Area(Base):
    """A ward or town block (町丁目) boundary."""

    __tablename__ = "areas"
    __table_args__ = (CheckConstraint(f"kind IN {AREA_KINDS}", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(Text)
    name_kana: Mapped[str | None] = mapped_column(Text)
    name_en: Mapped[str | None] = mapped_column(Text)
    parent_code: Mapped[str | None] = mapped_column(String(32), index=True)
    geom: Mapped[WKBElement] = mapped_column(multipolygon())
    source: Mapped[str | None] = mapped_column(Text)
    attributes: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
