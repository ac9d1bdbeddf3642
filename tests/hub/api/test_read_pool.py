"""The async read pool: statements prepared on first use, and a dropped connection costs no failed read."""

from __future__ import annotations

import asyncio

from sqlalchemy import Engine, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from hub.api.deps import Reader
from hub.db import make_async_read_engine


def backend_pid(session: Session) -> int:
    return int(session.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_read_on_a_connection_the_server_dropped_is_run_again_on_a_fresh_one(engine: Engine) -> None:
    async def scenario() -> tuple[int, int, int]:
        read_engine = make_async_read_engine(engine.url, pool_size=1, max_overflow=0)
        try:
            async with AsyncSession(read_engine) as session:
                first = await Reader(session).run(backend_pid)
            with engine.connect() as admin:  # as a PostgreSQL restart would
                admin.execute(text("SELECT pg_terminate_backend(:p)"), {"p": first})
                admin.commit()
            await asyncio.sleep(0.2)
            async with AsyncSession(read_engine) as session:
                second = await Reader(session).run(backend_pid)
                third = await Reader(session).run(backend_pid)
            return first, second, third
        finally:
            await read_engine.dispose()

    first, second, third = asyncio.run(scenario())
    assert second != first  # the pooled connection was dead: the read ran again on a new one
    assert third == second


def test_read_statements_are_prepared_on_first_use(engine: Engine) -> None:
    async def scenario() -> list[str]:
        read_engine = make_async_read_engine(engine.url, pool_size=1, max_overflow=0)
        try:
            async with AsyncSession(read_engine) as session:
                reader = Reader(session)
                await reader.run(lambda s: s.execute(text("SELECT 41 + 1")).all())
                rows = await reader.run(lambda s: s.execute(text("SELECT statement FROM pg_prepared_statements")).all())
                return [str(r[0]) for r in rows]
        finally:
            await read_engine.dispose()

    assert any("41 + 1" in statement for statement in asyncio.run(scenario()))
