"""The job queue's contract with procrastinate: the one module that touches its SQL functions and tables.

Everything else uses procrastinate's public API (App, Blueprint, JobManager) or the functions here;
tests/alerts/test_queue.py pins these against the installed procrastinate.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import procrastinate
import psycopg
from procrastinate.schema import SchemaManager
from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

QUEUE = "alerts"
NAMESPACE = "bosai"
FANOUT_TASK = f"{NAMESPACE}:alerts.fanout"
DELIVER_TASK = f"{NAMESPACE}:alerts.deliver"
DRAFT_TASK = f"{NAMESPACE}:alerts.draft"
STAMP_TASK = f"{NAMESPACE}:alerts.stamp"
SWEEP_TASK = f"{NAMESPACE}:alerts.sweep"
FANOUT_PRIORITY = 10
#: Bookkeeping after a chunk (each subscription's last success) waits until no delivery job does.
STAMP_PRIORITY = 0
#: How the job queue's connections show in pg_stat_activity.
APPLICATION_NAME = "bosai-worker"

_DEFER_SQL = text(
    """
    SELECT unnest(procrastinate_defer_jobs_v1(ARRAY[ROW(
        :queue, :task, :priority, :lock, :queueing_lock, CAST(:args AS jsonb), NULL::timestamptz
    )]::procrastinate_job_to_defer_v1[]))
    """
)


def libpq_url(database_url: str) -> str:
    """A SQLAlchemy URL as libpq understands it (no +driver)."""
    return database_url.replace("postgresql+psycopg://", "postgresql://", 1)


def connector(database_url: str) -> procrastinate.PsycopgConnector:
    """procrastinate's connector on the database, named in pg_stat_activity."""
    return procrastinate.PsycopgConnector(
        conninfo=libpq_url(database_url), kwargs={"application_name": APPLICATION_NAME}
    )


def defer_in_transaction(
    session: Session | Connection,
    *,
    task: str,
    args: dict[str, object],
    lock: str | None = None,
    queueing_lock: str | None = None,
    priority: int = 0,
) -> int:
    """Enqueue a job inside the caller's transaction (it exists only if that commits); its id."""
    params = {"queue": QUEUE, "task": task, "priority": priority, "lock": lock, "queueing_lock": queueing_lock}
    job_id: Any = session.execute(_DEFER_SQL, {**params, "args": json.dumps(args)}).scalar_one()
    return int(job_id)


def defer_fanout(session: Session, alert_id: int) -> int:
    """The outbox row of an approved alert: its fan-out job, committed with the approval."""
    args: dict[str, object] = {"alert_id": alert_id}
    return defer_in_transaction(
        session, task=FANOUT_TASK, args=args, lock=f"fanout:{alert_id}", priority=FANOUT_PRIORITY
    )


def waiting_deliver_chunks(session: Session, alert_id: int) -> set[tuple[str, int]]:
    """(channel, first id) of the alert's chunks whose delivery job is still waiting to start."""
    rows = session.execute(
        text(
            "SELECT args->>'channel', (args->>'lo')::bigint FROM procrastinate_jobs "
            "WHERE task_name = :task AND status = 'todo' AND (args->>'alert_id')::int = :id"
        ),
        {"task": DELIVER_TASK, "id": alert_id},
    )
    return {(str(channel), int(lo)) for channel, lo in cast(Any, rows)}


def jobs_of_alert(conn: Session | Connection, task: str, alert_id: int) -> int:
    """How many jobs of the task name the alert (any status)."""
    return int(
        conn.execute(
            text("SELECT count(*) FROM procrastinate_jobs WHERE task_name = :t AND (args->>'alert_id')::int = :a"),
            {"t": task, "a": alert_id},
        ).scalar_one()
    )


def unfinished_jobs(conn: Session | Connection, *, besides: Sequence[str] = (SWEEP_TASK,)) -> int:
    """Jobs waiting or running, apart from the given tasks (the periodic sweep by default)."""
    return int(
        conn.execute(
            text(
                "SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing') "
                "AND NOT (task_name = ANY(:besides))"
            ),
            {"besides": list(besides)},
        ).scalar_one()
    )


def job_status(conn: Session | Connection, job_id: int) -> str:
    """A job's status (todo, doing, succeeded, failed, …)."""
    return str(conn.execute(text("SELECT status FROM procrastinate_jobs WHERE id = :i"), {"i": job_id}).scalar_one())


def worker_ids(conn: Session | Connection) -> set[int]:
    """The workers registered with the queue (heartbeating or not yet pruned)."""
    return {int(row[0]) for row in conn.execute(text("SELECT id FROM procrastinate_workers"))}


def delete_all_jobs(conn: Session | Connection) -> None:
    """Empty the queue (tests that commit clean up with this)."""
    conn.execute(text("DELETE FROM procrastinate_jobs"))


# --- schema: procrastinate's own schema for a new database, its shipped migrations for an existing one ---

#: Our record of the procrastinate migrations a database has (procrastinate leaves the tracking to its users).
MIGRATIONS_TABLE = "bosai_procrastinate_migrations"
SCHEMA_FILE = "schema.sql"
_MIGRATION_NAME = re.compile(r"^\d{2}\.\d{2}\.\d{2}_\d{2}_.+\.sql$")
_LOCK_KEY = "bosai:procrastinate-schema"


def shipped_migrations(path: Path | None = None) -> list[str]:
    """The migration files of the installed procrastinate (or of `path`), in the order to apply them."""
    folder = path or Path(SchemaManager.get_migrations_path())
    return sorted(p.name for p in folder.iterdir() if _MIGRATION_NAME.match(p.name))


def _has_queue(conn: psycopg.Connection[Any]) -> bool:
    row = conn.execute("SELECT to_regclass('public.procrastinate_jobs') IS NOT NULL").fetchone()
    return bool(row and row[0])


def _applied(conn: psycopg.Connection[Any]) -> set[str]:
    return {str(row[0]) for row in conn.execute("SELECT name FROM bosai_procrastinate_migrations")}


def _record(conn: psycopg.Connection[Any], names: Sequence[str]) -> None:
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO bosai_procrastinate_migrations (name) VALUES (%s) ON CONFLICT DO NOTHING",
            [(name,) for name in names],
        )


def _run_script(conn: psycopg.Connection[Any], script: str) -> None:
    """Run SQL shipped by procrastinate (sent as is: no parameters, so no placeholder is read)."""
    conn.execute(script)


def apply_queue_schema(database_url: str, *, migrations_path: Path | None = None) -> list[str]:
    """Bring the job queue's schema up to the installed procrastinate; what was applied ([] when current).

    A database without the queue gets procrastinate's schema.sql, and every shipped migration is recorded
    as included. One that has it gets the shipped migrations it has not recorded, in order, each committed
    with its record. A queue created before this record existed (by schema.sql of the same procrastinate)
    counts as current. A session advisory lock serialises concurrent upgrades.
    """
    folder = migrations_path or Path(SchemaManager.get_migrations_path())
    shipped = shipped_migrations(folder)
    with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", (_LOCK_KEY,))
        try:
            with conn.transaction():
                had_queue = _has_queue(conn)
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS bosai_procrastinate_migrations "
                    "(name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
                )
                if not had_queue:
                    _run_script(conn, SchemaManager.get_schema())
                    _record(conn, shipped)
                    return [SCHEMA_FILE]
                if not _applied(conn):
                    _record(conn, shipped)
                    return []
            pending = [name for name in shipped if name not in _applied(conn)]
            for name in pending:
                with conn.transaction():
                    _run_script(conn, (folder / name).read_text(encoding="utf-8"))
                    _record(conn, [name])
            return pending
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (_LOCK_KEY,))
