"""A worker that loses the database (a restart with an outage) starts its job queue worker again.

The database is a throwaway cluster of this test's own (tests/throwaway.py), never the machine's. The
worker is `bosai worker` in its own process, as deployed: procrastinate's app is built once per process
(alerts' make_app), so an in-process worker could not serve a second database in the same test run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine

from alerts import queue
from tests.throwaway import ThrowawayPostgres

WAIT_S = 60.0
OUTAGE_S = 3.0
STOP_TIMEOUT_S = 30


def registered_workers(engine: Engine) -> set[int]:
    with engine.connect() as conn:
        return queue.worker_ids(conn)


def job_status(engine: Engine, job_id: int) -> str:
    with engine.connect() as conn:
        return queue.job_status(conn, job_id)


def defer_draft(engine: Engine) -> int:
    with engine.begin() as conn:
        return queue.defer_in_transaction(conn, task=queue.DRAFT_TASK, args={})


@pytest.fixture
def cluster_engine(throwaway_postgres: ThrowawayPostgres) -> Iterator[Engine]:
    """An engine on the throwaway cluster's migrated database (hub schema and job queue)."""
    eng = create_engine(throwaway_postgres.url())
    yield eng
    eng.dispose()


@pytest.fixture
def worker(throwaway_postgres: ThrowawayPostgres, tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`bosai worker --concurrency 1` on the throwaway database; must stop cleanly on SIGTERM."""
    env = {**os.environ, "BOSAI_DATABASE_URL": throwaway_postgres.url(), "BOSAI_LOG_LEVEL": "INFO"}
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bosai.cli", "worker", "--concurrency", "1"], env=env, stdout=out, stderr=out
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                pytest.fail(f"the worker did not stop on SIGTERM: {log.read_text()[-3000:]}")


def until(check: Callable[[], bool], worker: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not check():
        if worker.poll() is not None:
            raise AssertionError(f"the worker exited ({worker.returncode}) while waiting for {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.mark.parametrize("outage", ["stop", "kill"])  # a fast shutdown; a crash (SIGKILL, no goodbye to clients)
def test_a_worker_that_loses_the_database_works_on_once_it_is_back(
    cluster_engine: Engine, throwaway_postgres: ThrowawayPostgres, worker: subprocess.Popen[bytes], outage: str
) -> None:
    until(lambda: bool(registered_workers(cluster_engine)), worker, "the worker to register")
    first = registered_workers(cluster_engine)
    cluster_engine.dispose()
    if outage == "stop":  # a restart with an outage: the listener cannot reconnect
        throwaway_postgres.stop()
    else:
        throwaway_postgres.kill()
    time.sleep(OUTAGE_S)
    throwaway_postgres.start()
    until(lambda: bool(registered_workers(cluster_engine) - first), worker, "a new registration")
    second = registered_workers(cluster_engine) - first
    job_id = defer_draft(cluster_engine)
    until(lambda: job_status(cluster_engine, job_id) == "succeeded", worker, "the draft job")
    assert first and second and not first & second  # a new registration after the loss
    assert job_status(cluster_engine, job_id) == "succeeded"  # and it still runs jobs
