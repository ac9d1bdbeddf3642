"""A chunk's outcomes survive a database that is away while they are written: kept, written later, or the job
fails (and is retried) instead of ending as if they were recorded."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from alerts.channels import Outcome
from alerts.outbox import FLUSH_ROWS, Recorder
from hub.db import create_database_if_missing, make_engine
from tests.conftest import scratch_database

TABLES = """
CREATE TABLE subscriptions (id bigint PRIMARY KEY, active boolean NOT NULL DEFAULT true);
CREATE TABLE deliveries (
    id bigint PRIMARY KEY, subscription_id bigint, status text NOT NULL DEFAULT 'pending',
    attempts int NOT NULL DEFAULT 0, last_error text, sent_at timestamptz
);
"""


@pytest.fixture
def absent_url() -> Iterator[str]:
    """A database that does not exist yet (dropped afterwards)."""
    with scratch_database("recorder", create=False) as scratch:
        yield scratch


def outcomes(count: int) -> list[Outcome]:
    return [Outcome(i, i, "sent") for i in range(1, count + 1)]


def bring_up(url: str, count: int) -> None:
    create_database_if_missing(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        for statement in TABLES.split(";"):
            if statement.strip():
                conn.execute(text(statement))
        conn.execute(text("INSERT INTO subscriptions (id) SELECT generate_series(1, :n)"), {"n": count})
        conn.execute(
            text("INSERT INTO deliveries (id, subscription_id) SELECT i, i FROM generate_series(1, :n) i"), {"n": count}
        )
    engine.dispose()


def sent(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM deliveries WHERE status = 'sent'")).scalar_one())


def test_outcomes_a_failed_flush_kept_are_written_once_the_database_is_back(absent_url: str) -> None:
    engine = make_engine(absent_url)

    async def run() -> int:
        recorder = Recorder(engine, final=False)
        for outcome in outcomes(FLUSH_ROWS):
            recorder.add(outcome)  # a full batch: flushed in the background, against no database
        await asyncio.sleep(0.5)
        kept = len(recorder.buffer)
        await asyncio.to_thread(bring_up, absent_url, FLUSH_ROWS)
        await recorder.close()
        return kept

    try:
        assert asyncio.run(run()) == FLUSH_ROWS
        assert sent(engine) == FLUSH_ROWS
    finally:
        engine.dispose()


def test_closing_while_the_database_is_away_raises_so_the_job_is_retried(absent_url: str) -> None:
    engine = make_engine(absent_url)

    async def run() -> None:
        recorder = Recorder(engine, final=False)
        for outcome in outcomes(FLUSH_ROWS + 5):
            recorder.add(outcome)
        await recorder.close()

    try:
        with pytest.raises(OperationalError):
            asyncio.run(run())
    finally:
        engine.dispose()
