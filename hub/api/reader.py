"""Small public reads on the async read pool: query generators on the driver, sync work on a session."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import psycopg
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.orm import Session

from hub.shelters.queries import RowsQuery, as_dicts, driver_sql, run_query, run_query_async

T = TypeVar("T")
#: Dead pooled connections a read steps over after a database restart before it gives up; above the
#: pool's default size + overflow, so one read gets through the whole stale pool.
STALE_CONNECTION_RETRIES = 16


class Reader:
    """Runs the hub's public read queries for one request.

    On the async read pool, query generators (`hub.shelters.queries.RowsQuery`) run straight on the
    psycopg asyncio connection — no ORM, no greenlet, statements prepared and in autocommit — and other
    sync work runs through SQLAlchemy's greenlet bridge. On a plain Session (tests' rolled-back one)
    both run directly. A read that meets a connection the server dropped (a restart) steps over the dead
    pooled connections to a fresh one, so the pool need not ping on every checkout.
    """

    def __init__(self, source: AsyncConnection | Session, engine: AsyncEngine | None = None) -> None:
        self.source, self.engine = source, engine

    async def query(self, query: RowsQuery[T]) -> T:
        """The result of a query generator."""
        if isinstance(self.source, Session):
            return run_query(self.source, query)
        return await run_query_async(query, self._rows)

    async def run(self, work: Callable[[Session], T]) -> T:
        """The result of `work(session)` (sync code: several statements, ORM objects)."""
        if isinstance(self.source, Session):
            return work(self.source)
        try:
            return await self.source.run_sync(_in_session, work)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
        await self._reconnect(invalidate=False)  # SQLAlchemy saw the drop and has discarded the pool's connections
        assert isinstance(self.source, AsyncConnection)
        return await self.source.run_sync(_in_session, work)

    async def close(self) -> None:
        """Give the connection back to the pool."""
        if isinstance(self.source, AsyncConnection):
            await self.source.close()

    async def _rows(self, sql: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        for _ in range(STALE_CONNECTION_RETRIES):
            driver = await self._driver()
            try:
                return await _driver_rows(driver, sql, params)
            except psycopg.OperationalError:
                if not driver.broken:
                    raise
            await self._reconnect(invalidate=True)  # after a restart every idle connection is dead: next one
        return await _driver_rows(await self._driver(), sql, params)

    async def _driver(self) -> psycopg.AsyncConnection[Any]:
        assert isinstance(self.source, AsyncConnection)
        raw = await self.source.get_raw_connection()
        driver = raw.driver_connection
        assert isinstance(driver, psycopg.AsyncConnection)
        return driver

    async def _reconnect(self, *, invalidate: bool) -> None:
        """A fresh connection after the server dropped this one (and, likely, every idle one)."""
        assert isinstance(self.source, AsyncConnection) and self.engine is not None
        if invalidate:
            await self.source.invalidate()  # closed and dropped from the pool
        await self.source.close()
        self.source = await self.engine.connect()


def _in_session(connection: Connection, work: Callable[[Session], T]) -> T:
    with Session(bind=connection) as session:
        return work(session)


async def _driver_rows(
    driver: psycopg.AsyncConnection[Any], sql: str, params: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Rows of one statement as dicts, on the psycopg asyncio connection."""
    async with driver.cursor() as cursor:
        await cursor.execute(driver_sql(sql), params)
        return as_dicts(cursor.description, await cursor.fetchall())
