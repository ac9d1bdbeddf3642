"""The contract of alerts.queue with the installed procrastinate: what it writes and reads of procrastinate's
tables and functions is what procrastinate's own API writes and reads; its schema comes from procrastinate."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from pathlib import Path

import procrastinate
import psycopg
import pytest
from procrastinate.schema import SchemaManager
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from alerts import queue
from alerts.jobs import make_app
from tests.conftest import TEST_DATABASE_URL, scratch_database

ALERT_ID = 987_654


def list_jobs(
    app: procrastinate.App, *, id: int | None = None, task: str | None = None
) -> list[procrastinate.jobs.Job]:
    """Jobs as procrastinate's JobManager sees them."""

    async def run() -> list[procrastinate.jobs.Job]:
        async with app.open_async():
            return list(await app.job_manager.list_jobs_async(id=id, task=task))

    return asyncio.run(run())


def test_a_job_deferred_in_a_committed_transaction_is_what_procrastinate_reads(engine: Engine, queue_url: str) -> None:
    app = make_app(queue_url)
    with Session(engine) as session, session.begin():
        job_id = queue.defer_in_transaction(
            session,
            task=queue.DELIVER_TASK,
            args={"alert_id": ALERT_ID, "channel": "webpush", "lo": 0, "hi": 999},
            lock="contract-lock",
            queueing_lock="contract-queueing-lock",
            priority=queue.FANOUT_PRIORITY,
        )
    [job] = list_jobs(app, id=job_id)
    assert (job.queue, job.task_name, job.status) == (queue.QUEUE, queue.DELIVER_TASK, "todo")
    assert (job.lock, job.queueing_lock, job.priority) == ("contract-lock", "contract-queueing-lock", 10)
    assert job.task_kwargs == {"alert_id": ALERT_ID, "channel": "webpush", "lo": 0, "hi": 999}
    assert job.task_name in app.tasks  # a task the worker knows
    with engine.connect() as conn:
        assert queue.job_status(conn, job_id) == "todo"
        assert queue.jobs_of_alert(conn, queue.DELIVER_TASK, ALERT_ID) == 1
        assert queue.unfinished_jobs(conn) >= 1
        queue.delete_all_jobs(conn)
        conn.commit()
    assert list_jobs(app, id=job_id) == []


def test_a_job_deferred_in_a_rolled_back_transaction_does_not_exist(engine: Engine, queue_url: str) -> None:
    app = make_app(queue_url)
    with Session(engine) as session:
        job_id = queue.defer_fanout(session, ALERT_ID)
        assert queue.jobs_of_alert(session, queue.FANOUT_TASK, ALERT_ID) == 1  # seen inside the transaction
        session.rollback()
    assert list_jobs(app, id=job_id) == []
    assert list_jobs(app, task=queue.FANOUT_TASK) == []


def test_what_procrastinate_defers_is_what_the_queue_module_reads(engine: Engine, queue_url: str) -> None:
    app = make_app(queue_url)

    async def defer_and_register() -> tuple[int, int]:
        async with app.open_async():
            task = app.configure_task(queue.DELIVER_TASK, queue=queue.QUEUE)
            job_id = await task.defer_async(alert_id=ALERT_ID, channel="line", lo=500, hi=999)
            worker_id = await app.job_manager.register_worker()
            return job_id, worker_id

    job_id, worker_id = asyncio.run(defer_and_register())
    try:
        with Session(engine) as session:
            assert queue.waiting_deliver_chunks(session, ALERT_ID) == {("line", 500)}
            assert queue.waiting_deliver_chunks(session, ALERT_ID + 1) == set()
            assert queue.job_status(session, job_id) == "todo"
            assert worker_id in queue.worker_ids(session)
    finally:

        async def unregister() -> None:
            async with app.open_async():
                await app.job_manager.unregister_worker(worker_id)

        asyncio.run(unregister())
        with engine.begin() as conn:
            queue.delete_all_jobs(conn)
    with engine.connect() as conn:
        assert worker_id not in queue.worker_ids(conn)


@pytest.fixture
def queue_url(engine: Engine) -> str:
    """The test database with the job queue, emptied of jobs."""
    queue.apply_queue_schema(TEST_DATABASE_URL)
    with engine.begin() as conn:
        queue.delete_all_jobs(conn)
    return TEST_DATABASE_URL


@pytest.fixture
def scratch_url() -> Iterator[str]:
    """An empty database of its own (dropped afterwards)."""
    with scratch_database("queue") as scratch:
        yield scratch


def recorded(url: str) -> list[str]:
    with psycopg.connect(queue.libpq_url(url)) as conn:
        return [str(r[0]) for r in conn.execute("SELECT name FROM bosai_procrastinate_migrations ORDER BY name")]


def has_table(url: str, name: str) -> bool:
    with psycopg.connect(queue.libpq_url(url)) as conn:
        row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (name,)).fetchone()
        return bool(row and row[0])


def test_a_new_database_gets_procrastinates_schema_once(scratch_url: str) -> None:
    assert queue.apply_queue_schema(scratch_url) == [queue.SCHEMA_FILE]
    assert has_table(scratch_url, "procrastinate_jobs") and has_table(scratch_url, "procrastinate_workers")
    shipped = queue.shipped_migrations()
    assert shipped and recorded(scratch_url) == shipped  # schema.sql includes every shipped migration
    assert queue.apply_queue_schema(scratch_url) == []  # idempotent
    assert recorded(scratch_url) == shipped


def test_an_existing_queue_gets_the_shipped_migrations_it_lacks_in_order(scratch_url: str, tmp_path: Path) -> None:
    queue.apply_queue_schema(scratch_url)
    folder = tmp_path / "migrations"
    shutil.copytree(SchemaManager.get_migrations_path(), folder)
    (folder / "99.00.00_01_pre_add_marker.sql").write_text("CREATE TABLE queue_marker (id int);\n")
    (folder / "99.00.00_50_post_fill_marker.sql").write_text("INSERT INTO queue_marker VALUES (1);\n")
    (folder / "README.txt").write_text("not a migration")
    applied = queue.apply_queue_schema(scratch_url, migrations_path=folder)
    assert applied == ["99.00.00_01_pre_add_marker.sql", "99.00.00_50_post_fill_marker.sql"]
    assert queue.apply_queue_schema(scratch_url, migrations_path=folder) == []
    with psycopg.connect(queue.libpq_url(scratch_url)) as conn:
        assert conn.execute("SELECT count(*) FROM queue_marker").fetchone() == (1,)


def test_a_failing_migration_leaves_nothing_recorded_and_is_tried_again(scratch_url: str, tmp_path: Path) -> None:
    queue.apply_queue_schema(scratch_url)
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "99.00.00_01_pre_broken.sql").write_text("CREATE TABLE half_done (id int); SELECT 1/0;\n")
    with pytest.raises(psycopg.errors.DivisionByZero):
        queue.apply_queue_schema(scratch_url, migrations_path=folder)
    assert not has_table(scratch_url, "half_done")
    assert "99.00.00_01_pre_broken.sql" not in recorded(scratch_url)


def test_a_queue_created_before_the_record_counts_as_current(scratch_url: str) -> None:
    with psycopg.connect(queue.libpq_url(scratch_url)) as conn:  # what `bosai db upgrade` did before
        conn.execute(SchemaManager.get_schema())
    assert queue.apply_queue_schema(scratch_url) == []
    assert recorded(scratch_url) == queue.shipped_migrations()
