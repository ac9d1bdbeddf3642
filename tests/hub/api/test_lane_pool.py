"""The nearest lane's own connection pool, against the test database."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

import asyncpg
import pytest
from sqlalchemy import Engine, text

from hub.api.lane_pool import APPLICATION_NAME, LanePool
from hub.queries_public import Rows, RowsQuery

T = TypeVar("T")


def backend(sleep_s: float = 0.0) -> RowsQuery[int]:
    """The PostgreSQL backend that ran the statement, after sleeping a while there."""
    rows = yield "SELECT pg_backend_pid() AS pid, pg_sleep(:s) AS slept", {"s": sleep_s}
    return int(rows[0]["pid"])


def failing() -> RowsQuery[Rows]:
    rows = yield "SELECT 1 / (0 * :n) AS boom", {"n": 1}
    return rows


def lane_backends(engine: Engine) -> set[int]:
    with engine.connect() as conn:
        pids: Iterable[int] = conn.execute(
            text("SELECT pid FROM pg_stat_activity WHERE application_name = :a AND datname = current_database()"),
            {"a": APPLICATION_NAME},
        ).scalars()
        return set(pids)


def gone(engine: Engine, pid: int, within_s: float = 3.0) -> bool:
    """Whether the backend has ended, waiting a little for it."""
    deadline = time.monotonic() + within_s
    while pid in lane_backends(engine):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


class Clock:
    """A settable monotonic clock."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def pool(engine: Engine) -> LanePool:
    return LanePool(engine.url, max_size=2, acquire_timeout_s=0.3)


def run(lane: LanePool, scenario: Callable[[], Awaitable[T]]) -> T:
    """The scenario's result, the pool closed afterwards in the same event loop (as the app's shutdown does)."""

    async def main() -> T:
        try:
            return await scenario()
        finally:
            await lane.close()

    return asyncio.run(main())


def test_a_connection_is_reused_most_recent_first(pool: LanePool, engine: Engine) -> None:
    async def scenario() -> tuple[list[int], int, set[int]]:
        pids = [await pool.query(backend()) for _ in range(5)]
        return pids, pool.size, lane_backends(engine)

    pids, size, open_backends = run(pool, scenario)
    assert len(set(pids)) == 1 and size == 1
    assert set(pids) <= open_backends


def test_never_more_connections_than_max_size(pool: LanePool) -> None:
    async def scenario() -> tuple[list[int], int]:
        peak = 0

        async def one() -> int:
            nonlocal peak
            task = asyncio.ensure_future(pool.query(backend(0.05)))
            await asyncio.sleep(0.01)
            peak = max(peak, pool.size)
            return await task

        return list(await asyncio.gather(*(one() for _ in range(6)))), peak

    pids, peak = run(pool, scenario)
    assert len(pids) == 6 and len(set(pids)) == 2 and peak == 2


def test_a_waiter_gives_up_after_the_acquire_timeout(pool: LanePool) -> None:
    async def scenario() -> None:
        busy = [asyncio.ensure_future(pool.query(backend(1.0))) for _ in range(2)]
        await asyncio.sleep(0.1)
        with pytest.raises(TimeoutError):
            await pool.query(backend())
        await asyncio.gather(*busy)
        assert await pool.query(backend()) > 0  # the pool serves again once a connection is free

    run(pool, scenario)


def test_a_failed_statement_keeps_its_connection(pool: LanePool) -> None:
    async def scenario() -> tuple[int, int, int]:
        before = await pool.query(backend())
        with pytest.raises(asyncpg.DivisionByZeroError):
            await pool.query(failing())
        return before, await pool.query(backend()), pool.size

    before, after, size = run(pool, scenario)
    assert before == after and size == 1


def test_a_statement_cancelled_midway_costs_its_connection(pool: LanePool, engine: Engine) -> None:
    async def scenario() -> tuple[int, int, int]:
        first = await pool.query(backend())
        task = asyncio.ensure_future(pool.query(backend(5.0)))
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return first, await pool.query(backend()), pool.size

    first, after, size = run(pool, scenario)
    assert first != after and size == 1
    assert gone(engine, first, within_s=2.0)  # well before its 5 s sleep would have ended


def terminate_backend(engine: Engine, pid: int) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})


def test_a_connection_the_server_ended_while_idle_is_replaced_unseen(pool: LanePool, engine: Engine) -> None:
    async def scenario() -> tuple[int, int, int]:
        first = await pool.query(backend())
        terminate_backend(engine, first)
        await asyncio.sleep(0.2)  # the server's goodbye arrives
        return first, await pool.query(backend()), pool.size

    first, after, size = run(pool, scenario)
    assert first != after and size == 1


def test_a_connection_lost_midway_fails_its_read_and_is_replaced(pool: LanePool, engine: Engine) -> None:
    async def scenario() -> tuple[int, int, int]:
        first = await pool.query(backend())
        task = asyncio.ensure_future(pool.query(backend(2.0)))
        await asyncio.sleep(0.2)
        terminate_backend(engine, first)
        with pytest.raises((asyncpg.PostgresError, asyncpg.InterfaceError, OSError)):
            await task
        return first, await pool.query(backend()), pool.size

    first, after, size = run(pool, scenario)
    assert first != after and size == 1


def test_an_idle_connection_retires_after_its_lifetime(engine: Engine) -> None:
    clock = Clock()
    lane = LanePool(engine.url, max_size=2, idle_lifetime_s=60, clock=clock)

    async def scenario() -> tuple[list[int], int, int]:
        pair = list(await asyncio.gather(lane.query(backend(0.05)), lane.query(backend(0.05))))
        clock.now += 61
        kept = await lane.query(backend())  # the top of the stack; the bottom one has been idle too long
        for _ in range(20):
            await asyncio.sleep(0.05)  # the retired connection says goodbye in the background
            if len(set(pair) & lane_backends(engine)) == 1:
                break
        return pair, kept, lane.size

    pair, kept, size = run(lane, scenario)
    assert len(set(pair)) == 2 and kept in pair and size == 1
    assert set(pair).isdisjoint(lane_backends(engine))  # closed on shutdown


def test_a_new_event_loop_gets_new_connections(pool: LanePool, engine: Engine) -> None:
    """A test client's loop ends without a shutdown; the next loop's reads must not use its connections."""
    old_loop = asyncio.new_event_loop()
    try:
        first = old_loop.run_until_complete(pool.query(backend()))
        second = run(pool, lambda: pool.query(backend()))
        old_loop.run_until_complete(asyncio.sleep(0.1))  # the old connection's abort completes in its loop
    finally:
        old_loop.close()
    assert first != second
    assert {first, second}.isdisjoint(lane_backends(engine))


def test_close_ends_the_pools_connections(engine: Engine) -> None:
    lane = LanePool(engine.url, max_size=2)

    async def scenario() -> set[int]:
        pids = set(await asyncio.gather(lane.query(backend(0.05)), lane.query(backend(0.05))))
        await lane.close()
        return pids

    pids = asyncio.run(scenario())
    assert len(pids) == 2 and pids.isdisjoint(lane_backends(engine))


@pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning")
def test_connections_of_a_closed_loop_do_not_stop_the_next_one(pool: LanePool) -> None:
    """A loop that ended without the app's shutdown leaves sockets only the garbage collector can close."""
    first = asyncio.run(pool.query(backend()))
    second = run(pool, lambda: pool.query(backend()))
    gc.collect()  # here, where its warning is expected, not in a later test
    assert first != second


class DeadPeer:
    """A connection whose goodbye fails, as asyncpg's close does when the server no longer answers."""

    def is_closed(self) -> bool:
        return False

    async def close(self, *, timeout: float) -> None:
        raise TimeoutError(f"no answer in {timeout} s")


def test_a_failed_background_close_is_logged_not_left_unretrieved(
    pool: LanePool, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario() -> None:
        pool._retire(DeadPeer())  # type: ignore[arg-type]  # a fake with the two methods retiring uses
        await asyncio.sleep(0.05)

    with caplog.at_level(logging.DEBUG, logger="hub.api.lane_pool"):
        run(pool, scenario)
        gc.collect()  # an unretrieved task exception would be logged by asyncio here
    assert [r.name for r in caplog.records] == ["hub.api.lane_pool"]
    assert "no answer" in caplog.records[0].getMessage()
