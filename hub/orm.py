"""Declarative base and shared column types of the hub's data model."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import DateTime, MetaData, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SRID = 4326

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of every table; constraint names follow one convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSONB, datetime: DateTime(timezone=True)}  # noqa: RUF012  (SQLAlchemy API)


def point() -> Geometry:
    """A WGS 84 point column type with a GiST index."""
    return Geometry("POINT", srid=SRID, spatial_index=True)


def multipolygon() -> Geometry:
    """A WGS 84 multipolygon column type with a GiST index."""
    return Geometry("MULTIPOLYGON", srid=SRID, spatial_index=True)


def created_at() -> Mapped[datetime]:
    """A creation time set by the database."""
    return mapped_column(server_default=func.now())
