"""The job queue's tables (procrastinate's own schema), applied by `bosai db upgrade` after the hub's."""

from __future__ import annotations

import psycopg
from procrastinate.schema import SchemaManager

PROBE = "SELECT to_regclass('public.procrastinate_jobs') IS NOT NULL"


def libpq_url(database_url: str) -> str:
    """A SQLAlchemy URL as libpq understands it (no +driver)."""
    return database_url.replace("postgresql+psycopg://", "postgresql://", 1)


def queue_schema_present(database_url: str) -> bool:
    """True when the procrastinate tables exist."""
    with psycopg.connect(libpq_url(database_url)) as conn:
        row = conn.execute(PROBE).fetchone()
        return bool(row and row[0])


def apply_queue_schema(database_url: str) -> bool:
    """Create procrastinate's tables and functions if missing; True when they were created."""
    if queue_schema_present(database_url):
        return False
    with psycopg.connect(libpq_url(database_url)) as conn:
        conn.execute(SchemaManager.get_schema())
    return True
