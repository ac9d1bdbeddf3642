"""Database engine and sessions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import URL, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

from hub.settings import get_settings

CONNECT_TIMEOUT_S = 5


def _engine_options(pool_size: int | None, max_overflow: int | None) -> dict[str, Any]:
    """Pool and connection options shared by the sync and the async engine; sizes default to the settings'."""
    settings = get_settings()
    return {
        "pool_size": settings.db_pool_size if pool_size is None else pool_size,
        "max_overflow": settings.db_max_overflow if max_overflow is None else max_overflow,
        "pool_pre_ping": True,
        "connect_args": {"connect_timeout": CONNECT_TIMEOUT_S, "application_name": "bosai"},
    }


def make_engine(url: str | URL, *, pool_size: int | None = None, max_overflow: int | None = None) -> Engine:
    """The engine for the given SQLAlchemy URL (psycopg 3); pool sizes default to BOSAI_DB_POOL_SIZE/MAX_OVERFLOW."""
    return create_engine(url, **_engine_options(pool_size, max_overflow))


def make_async_read_engine(
    url: str | URL, *, pool_size: int | None = None, max_overflow: int | None = None
) -> AsyncEngine:
    """An asyncio engine (psycopg 3) whose statements run in autocommit: for small public reads only.

    Statements are prepared on first use (each is run thousands of times per connection), and a
    connection is not pinged on every checkout: a read that meets a dropped connection steps over to a
    fresh one (`hub.api.reader.Reader`), which costs nothing while the database is up.
    """
    options = _engine_options(pool_size, max_overflow)
    options["pool_pre_ping"] = False
    options["connect_args"] = options["connect_args"] | {"prepare_threshold": 0}
    return create_async_engine(url, isolation_level="AUTOCOMMIT", **options)


@lru_cache
def get_engine() -> Engine:
    """The process-wide engine for the configured database, pools sized by the settings."""
    settings = get_settings()
    return make_engine(settings.database_url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow)


def session_factory(engine: Engine | None = None) -> sessionmaker[Session]:
    """A session factory bound to the engine (default: the configured one)."""
    return sessionmaker(bind=engine or get_engine(), expire_on_commit=False)


@contextmanager
def transaction(engine: Engine | None = None) -> Iterator[Session]:
    """A session inside one transaction: committed on success, rolled back on error."""
    with session_factory(engine)() as session, session.begin():
        yield session


def _maintenance_engine(url: str) -> Engine:
    """An engine on the server's `postgres` database, for creating and dropping the URL's database."""
    return make_engine(make_url(url).set(database="postgres").render_as_string(hide_password=False))


def drop_database_if_exists(url: str) -> None:
    """Drop the database of the URL, closing its connections first (FORCE); nothing if it is absent."""
    admin = _maintenance_engine(url)
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    finally:
        admin.dispose()


def create_database_if_missing(url: str) -> bool:
    """Create the database of the URL and the postgis extension; True if it was created."""
    target = make_url(url)
    admin = _maintenance_engine(url)
    created = False
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}).scalar()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{target.database}"'))
                created = True
    finally:
        admin.dispose()
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
    finally:
        engine.dispose()
    return created
