"""A worker that loses the database (a restart with an outage) starts its job queue worker again."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import time
from collections.abc import Callable

from sqlalchemy import Engine, text

from alerts import worker
from alerts.queue import DRAFT_TASK, QUEUE
from hub.settings import Settings

WAIT_S = 60.0
OUTAGE_S = 3.0
PG_CTL = ["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main"]


def registered_workers(engine: Engine) -> set[int]:
    with engine.connect() as conn:
        return {int(row[0]) for row in conn.execute(text("SELECT id FROM procrastinate_workers"))}


def pg_ctl(action: str) -> None:
    subprocess.run([*PG_CTL, action], check=True, timeout=120, capture_output=True)


def job_status(engine: Engine, job_id: int) -> str:
    with engine.connect() as conn:
        status = conn.execute(text("SELECT status FROM procrastinate_jobs WHERE id = :i"), {"i": job_id})
        return str(status.scalar_one())


def defer_draft(engine: Engine) -> int:
    with engine.connect() as conn:
        job_id: int = conn.execute(
            text(
                "SELECT unnest(procrastinate_defer_jobs_v1(ARRAY[ROW(:q, :t, 0, NULL, NULL, '{}'::jsonb, NULL)]"
                "::procrastinate_job_to_defer_v1[]))"
            ),
            {"q": QUEUE, "t": DRAFT_TASK},
        ).scalar_one()
        conn.commit()
        return job_id


async def until(check: Callable[[], bool], task: asyncio.Task[None]) -> None:
    deadline = time.monotonic() + WAIT_S
    while not await asyncio.to_thread(check):
        if task.done():
            raise AssertionError(f"the worker exited: {task.exception() if not task.cancelled() else 'cancelled'}")
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.1)


def test_a_worker_that_loses_the_database_works_on_once_it_is_back(
    engine: Engine, settings: Settings, queue: str
) -> None:
    before = registered_workers(engine)

    async def main() -> tuple[set[int], set[int], str]:
        task = asyncio.create_task(worker.run(settings, concurrency=1, install_signal_handlers=False))
        try:
            await until(lambda: bool(registered_workers(engine) - before), task)
            first = registered_workers(engine) - before
            engine.dispose()
            await asyncio.to_thread(pg_ctl, "stop")  # a restart with an outage: the listener cannot reconnect
            await asyncio.sleep(OUTAGE_S)
            await asyncio.to_thread(pg_ctl, "start")
            await until(lambda: bool(registered_workers(engine) - before - first), task)
            second = registered_workers(engine) - before - first
            job_id = defer_draft(engine)
            await until(lambda: job_status(engine, job_id) == "succeeded", task)
            return first, second, job_status(engine, job_id)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    first, second, status = asyncio.run(main())
    assert first and second and not first & second  # a new registration after the loss
    assert status == "succeeded"  # and it still runs jobs
