"""The nearest lane's connection pool: asyncpg, opened in the serving event loop on first use.

The hub's other reads go through psycopg 3. psycopg's asyncio path registers and unregisters its
socket with the event loop for every wait, and builds each result in Python; asyncpg keeps the socket
in a protocol and decodes rows in C. On the hottest public read that halves the driver's share of a
request (see docs/public-api.md). Rows come back as the same Python values psycopg gives the route,
so the lane's JSON is byte for byte the route's: jsonb as parsed JSON, timestamptz in the server's
time zone as PostgreSQL writes it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any, Final, TypeVar

import asyncpg
import orjson
from sqlalchemy import text
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.engine import URL

from hub.queries_public import RowsQuery, run_query_async

T = TypeVar("T")

#: PostgreSQL cancels a lane statement running longer than this (no client timer per query); the route then
#: answers the request.
STATEMENT_TIMEOUT_MS: Final = 5_000
CONNECT_TIMEOUT_S: Final = 5.0
APPLICATION_NAME: Final = "bosai-lane"
#: Failures after which the pool's connections are replaced (a restarted or unreachable server).
CONNECTION_ERRORS: Final = (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, OSError, asyncio.TimeoutError)
_DIALECT: Final = asyncpg_dialect()  # type: ignore[no-untyped-call]  # SQLAlchemy leaves it unannotated


@lru_cache(maxsize=64)
def dollar_sql(sql: str) -> tuple[str, tuple[str, ...]]:
    """A `:name` statement in asyncpg's `$n` style, with the parameter names in order."""
    compiled = text(sql).compile(dialect=_DIALECT)
    return str(compiled), tuple(compiled.positiontup or ())


def timestamptz(value: str) -> datetime:
    """A timestamptz as PostgreSQL writes it (the server's time zone), as psycopg would return it."""
    return datetime.fromisoformat(value)


async def _init_connection(connection: asyncpg.Connection) -> None:
    await connection.set_type_codec("jsonb", encoder=orjson.dumps, decoder=orjson.loads, schema="pg_catalog")
    await connection.set_type_codec("timestamptz", encoder=str, decoder=timestamptz, schema="pg_catalog", format="text")


async def _keep_state(connection: asyncpg.Connection) -> None:
    """No reset on release: lane statements are single reads in autocommit and leave no session state."""


class LanePool:
    """An asyncpg pool for one event loop, opened on first use and re-opened in a new loop."""

    def __init__(self, url: URL, *, max_size: int, statement_timeout_ms: int = STATEMENT_TIMEOUT_MS) -> None:
        self.dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.max_size = max_size
        self.statement_timeout_ms = statement_timeout_ms
        self._pool: asyncpg.Pool | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._opening = asyncio.Lock()
        self._opening_loop: asyncio.AbstractEventLoop | None = None

    async def query(self, query: RowsQuery[T]) -> T:
        """The result of a query generator, its statements run on one pooled connection."""
        pool = await self._open()
        try:
            async with pool.acquire() as connection:

                async def rows(sql: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
                    statement, names = dollar_sql(sql)
                    records = await connection.fetch(statement, *(params[name] for name in names))
                    return [dict(record) for record in records]

                return await run_query_async(query, rows)
        except CONNECTION_ERRORS:
            await pool.expire_connections()  # the next read connects afresh
            raise

    async def close(self) -> None:
        """Close the pool's connections (app shutdown)."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if self._loop is asyncio.get_running_loop():
            await pool.close()
        else:
            pool.terminate()  # its loop is gone

    async def _open(self) -> asyncpg.Pool:
        loop = asyncio.get_running_loop()
        if self._pool is not None and self._loop is loop:
            return self._pool
        if self._opening_loop is not loop:
            self._opening, self._opening_loop = asyncio.Lock(), loop
        async with self._opening:
            if self._pool is None or self._loop is not loop:
                if self._pool is not None:
                    self._pool.terminate()  # bound to a loop that is gone (a test client's)
                self._pool = await asyncpg.create_pool(
                    self.dsn,
                    min_size=1,
                    max_size=self.max_size,
                    init=_init_connection,
                    reset=_keep_state,
                    timeout=CONNECT_TIMEOUT_S,
                    server_settings={
                        "application_name": APPLICATION_NAME,
                        "statement_timeout": str(self.statement_timeout_ms),
                    },
                )
                self._loop = loop
        return self._pool
