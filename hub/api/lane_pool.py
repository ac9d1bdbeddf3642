"""The nearest lane's connections: asyncpg, a small LIFO pool opened in the serving event loop on first use.

The hub's other reads go through psycopg 3. psycopg's asyncio path registers and unregisters its
socket with the event loop for every wait, and builds each result in Python; asyncpg keeps the socket
in a protocol and decodes rows in C. On the hottest public read that halves the driver's share of a
request (see docs/public-api.md). Rows come back as the same Python values psycopg gives the route,
so the lane's JSON is byte for byte the route's: jsonb as parsed JSON, timestamptz in the server's
time zone as PostgreSQL writes it.

The pool is the lane's own rather than `asyncpg.Pool`: a checkout there wraps the connection in a
proxy, re-arms an inactivity timer, and releases through a shielded task — 34 µs a request under
load, a tenth of the whole request. Here a checkout pops a stack: the most recently used connection
(its backend warm in the CPU cache) is taken first, and the bottom of the stack retires once it has
been idle for `idle_lifetime_s`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any, Final, TypeVar

import asyncpg
import orjson
from sqlalchemy import text
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.engine import URL

from hub.queries_public import Rows, RowsQuery, run_query_async

T = TypeVar("T")
log = logging.getLogger(__name__)

#: PostgreSQL cancels a lane statement running longer than this (no client timer per query); the route then
#: answers the request.
STATEMENT_TIMEOUT_MS: Final = 5_000
CONNECT_TIMEOUT_S: Final = 5.0
#: Longest wait for a connection when all `max_size` are busy; the route answers after it.
ACQUIRE_TIMEOUT_S: Final = 5.0
#: An idle connection is closed after this long unused (asyncpg's own pool default).
IDLE_LIFETIME_S: Final = 300.0
CLOSE_TIMEOUT_S: Final = 2.0
APPLICATION_NAME: Final = "bosai-lane"
#: Failures that say the server or the network is gone: every idle connection is closed too.
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


def _abandon(connection: asyncpg.Connection) -> None:
    """Drop a connection of another event loop at once."""
    with contextlib.suppress(RuntimeError):  # that loop is closed: the socket goes with the object
        connection.terminate()


class LanePool:
    """Up to `max_size` asyncpg connections for one event loop, re-opened in a new loop."""

    def __init__(
        self,
        url: URL,
        *,
        max_size: int,
        statement_timeout_ms: int = STATEMENT_TIMEOUT_MS,
        idle_lifetime_s: float = IDLE_LIFETIME_S,
        acquire_timeout_s: float = ACQUIRE_TIMEOUT_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.max_size = max_size
        self.statement_timeout_ms = statement_timeout_ms
        self.idle_lifetime_s = idle_lifetime_s
        self.acquire_timeout_s = acquire_timeout_s
        self._clock = clock
        self._loop: asyncio.AbstractEventLoop | None = None
        self._owned: set[asyncpg.Connection] = set()  # open connections of the current loop, idle or not
        self._connecting = 0
        self._idle: list[tuple[asyncpg.Connection, float]] = []  # a stack: the most recently released on top
        self._waiters: deque[asyncio.Future[asyncpg.Connection | None]] = deque()
        self._closing: set[asyncio.Task[None]] = set()

    @property
    def size(self) -> int:
        """Connections open or opening."""
        return len(self._owned) + self._connecting

    async def query(self, query: RowsQuery[T]) -> T:
        """The result of a query generator, its statements run on one pooled connection."""
        connection = await self._acquire()

        async def rows(sql: str, params: Mapping[str, Any]) -> Rows:
            statement, names = dollar_sql(sql)
            records: list[asyncpg.Record] = await connection.fetch(statement, *[params[name] for name in names])
            return records

        try:
            result = await run_query_async(query, rows)
        except CONNECTION_ERRORS:
            self._lost(connection)
            raise
        except asyncpg.PostgresError:  # the statement failed; unless the server closed the session, it is ready
            if connection.is_closed():
                self._lost(connection)
            else:
                self._release(connection)
            raise
        except BaseException:  # cancelled mid-statement, or the query's own code failed: the state is unknown
            self._discard(connection)
            raise
        self._release(connection)
        return result

    async def close(self) -> None:
        """Close the idle connections (app shutdown); busy ones close when they come back."""
        idle = self._forget()
        same_loop = self._loop is asyncio.get_running_loop()
        for connection in idle:
            if same_loop:
                await connection.close(timeout=CLOSE_TIMEOUT_S)
            else:
                _abandon(connection)
        if self._closing and same_loop:
            await asyncio.gather(*self._closing, return_exceptions=True)
        self._loop = None

    async def _acquire(self) -> asyncpg.Connection:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            for connection in self._forget():
                _abandon(connection)  # bound to a loop that is gone (a test client's)
            self._loop = loop
        while self._idle:
            connection, _ = self._idle.pop()
            if not connection.is_closed():
                return connection
            self._owned.discard(connection)
        if self.size < self.max_size:
            return await self._connect()
        waiter: asyncio.Future[asyncpg.Connection | None] = loop.create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(self.acquire_timeout_s):
                handed = await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():  # handed over just as the wait ended
                self._pass_on(waiter.result())
            raise
        return handed if handed is not None else await self._connect()

    async def _connect(self) -> asyncpg.Connection:
        self._connecting += 1
        try:
            connection: asyncpg.Connection = await asyncpg.connect(
                self.dsn,
                timeout=CONNECT_TIMEOUT_S,
                server_settings={
                    "application_name": APPLICATION_NAME,
                    "statement_timeout": str(self.statement_timeout_ms),
                },
            )
            try:
                await _init_connection(connection)
            except BaseException:
                connection.terminate()
                raise
        except BaseException:
            self._connecting -= 1
            self._pass_on(None)  # the slot is free again
            raise
        self._connecting -= 1
        self._owned.add(connection)
        return connection

    def _release(self, connection: asyncpg.Connection) -> None:
        if connection not in self._owned:  # opened before a close or in another loop
            self._retire(connection)
            return
        self._pass_on(connection)

    def _pass_on(self, connection: asyncpg.Connection | None) -> None:
        """Hand a connection (or, with None, a free slot) to the first waiter, else keep it idle."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(connection)
                return
        if connection is None:
            return
        now = self._clock()
        self._idle.append((connection, now))
        oldest, since = self._idle[0]
        if now - since > self.idle_lifetime_s:
            del self._idle[0]
            self._owned.discard(oldest)
            self._retire(oldest)

    def _discard(self, connection: asyncpg.Connection) -> None:
        """Give up a connection in an unknown state; its slot goes to a waiter."""
        self._owned.discard(connection)
        self._retire(connection)  # a statement still running is cancelled on the server first
        self._pass_on(None)

    def _lost(self, connection: asyncpg.Connection) -> None:
        """The server or network failed: this connection and the idle ones are dropped; the next read connects."""
        self._discard(connection)
        for idle in self._forget_idle():
            self._retire(idle)

    def _forget_idle(self) -> list[asyncpg.Connection]:
        idle = [connection for connection, _ in self._idle]
        self._idle.clear()
        self._owned.difference_update(idle)
        return idle

    def _forget(self) -> list[asyncpg.Connection]:
        """Give up every connection and waiter of this loop: returns the idle connections; busy ones retire later."""
        idle = self._forget_idle()
        self._owned.clear()
        for waiter in self._waiters:
            waiter.cancel()
        self._waiters.clear()
        return idle

    def _retire(self, connection: asyncpg.Connection) -> None:
        """Close a connection in the background: asyncpg cancels a running statement, then says goodbye."""
        if connection.is_closed():
            return
        task = asyncio.get_running_loop().create_task(connection.close(timeout=CLOSE_TIMEOUT_S))
        self._closing.add(task)
        task.add_done_callback(self._closed)

    def _closed(self, task: asyncio.Task[None]) -> None:
        """A background close ended; a failed goodbye (a dead peer) is noted, not left unretrieved."""
        self._closing.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            log.debug("a lane connection closed uncleanly: %s", error)  # asyncpg aborted it
