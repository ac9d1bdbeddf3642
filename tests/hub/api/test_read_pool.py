"""The async read pool: statements prepared on first use, and a dropped connection costs no failed read."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from hub.api.reader import Reader
from hub.db import make_async_read_engine
from hub.shelters.queries import RowsQuery

T = TypeVar("T")


def pid_query() -> RowsQuery[int]:
    rows = yield "SELECT pg_backend_pid() AS pid", {}
    return int(rows[0]["pid"])


def pid_of_session(session: Session) -> int:
    return int(session.execute(text("SELECT pg_backend_pid()")).scalar_one())


async def by_query(reader: Reader) -> int:
    return await reader.query(pid_query())


async def by_session(reader: Reader) -> int:
    return await reader.run(pid_of_session)


def on_driver(engine: Engine, query: RowsQuery[T]) -> T:
    """The query's result on a fresh read pool's driver connection."""

    async def scenario() -> T:
        read_engine = make_async_read_engine(engine.url, pool_size=1, max_overflow=0)
        reader = Reader(await read_engine.connect(), read_engine)
        try:
            return await reader.query(query)
        finally:
            await reader.close()
            await read_engine.dispose()

    return asyncio.run(scenario())


def terminate(engine: Engine, pids: list[int]) -> None:
    with engine.connect() as admin:  # as a PostgreSQL restart would
        for pid in pids:
            admin.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        admin.commit()


@pytest.mark.parametrize("read", [by_query, by_session], ids=["query", "run"])
def test_a_read_on_connections_the_server_dropped_is_run_again_on_a_fresh_one(
    engine: Engine, read: Callable[[Reader], Awaitable[int]]
) -> None:
    async def scenario() -> tuple[list[int], int, int]:
        read_engine = make_async_read_engine(engine.url, pool_size=2, max_overflow=0)
        try:
            first = [await read_engine.connect() for _ in range(2)]  # two pooled connections
            readers = [Reader(conn, read_engine) for conn in first]
            pids = [await read(r) for r in readers]
            for r in readers:
                await r.close()
            terminate(engine, pids)
            await asyncio.sleep(0.2)
            reader = Reader(await read_engine.connect(), read_engine)
            try:
                second = await read(reader)
                third = await read(reader)
            finally:
                await reader.close()
            return pids, second, third
        finally:
            await read_engine.dispose()

    pids, second, third = asyncio.run(scenario())
    assert second not in pids  # the pooled connection was dead: the read ran again on a new one
    assert third == second


def test_read_statements_are_prepared_on_first_use(engine: Engine) -> None:
    def prepared() -> RowsQuery[list[str]]:
        yield "SELECT 41 + 1 AS answer", {}
        rows = yield "SELECT statement FROM pg_prepared_statements", {}
        return [str(row["statement"]) for row in rows]

    assert any("41 + 1" in statement for statement in on_driver(engine, prepared()))


def test_a_query_generator_gives_the_same_result_on_a_session_and_on_the_driver(db: Session, engine: Engine) -> None:
    def two_statements() -> RowsQuery[list[Any]]:
        first = yield "SELECT CAST(:n AS int) * 2 AS doubled", {"n": 21}
        second = yield "SELECT CAST(:x AS text) || '!' AS shout, ARRAY['a', 'b'] AS letters", {"x": "避難"}
        return [first[0]["doubled"], second[0]["shout"], second[0]["letters"]]

    expected = [42, "避難!", ["a", "b"]]
    assert asyncio.run(Reader(db).query(two_statements())) == expected
    assert on_driver(engine, two_statements()) == expected
