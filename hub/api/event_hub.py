"""Fan-out of the event log to Server-Sent Events clients: one LISTEN connection per process.

A background task LISTENs on `bosai_events`, reads new rows once per NOTIFY (and every `poll_s`
as a safety net for missed notifications or a lost connection) and hands them to every subscriber's
queue. A subscriber replays what it missed from the table first (Last-Event-ID), then follows its
queue; a subscriber too slow to keep up is told it lagged and replays again from the table.

The same connection LISTENs on further channels given by the app (the alert engine's sign channel):
a `Watcher` is woken by a notification on its channels, by a new event of its kinds, and after the
listener reconnected (it may have missed something), so its owner reads the database only then.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Collection, Sequence
from typing import Final

import anyio.to_thread
import psycopg
from psycopg import sql
from psycopg.rows import TupleRow
from sqlalchemy import Engine

from hub.events.service import CHANNEL, EventRecord, events_after, latest_id

log = logging.getLogger(__name__)

BATCH: Final = 500
QUEUE_SIZE: Final = 1000
#: How long a first subscriber waits for the listener to connect before giving up (503).
START_TIMEOUT_S: Final = 10.0
#: Pause before reconnecting after the listener lost its connection.
RECONNECT_S: Final = 2.0
CONNECT_TIMEOUT_S: Final = 5
FETCH_SQL: Final = "SELECT id, kind, payload, created_at FROM events WHERE id > %s ORDER BY id LIMIT %s"
LAGGED: Final = None


class EventHubUnavailableError(RuntimeError):
    """The listener could not reach the database."""


class Watcher:
    """Woken when something it watches may have changed; `close` (or leaving `with`) stops watching."""

    def __init__(self, channels: frozenset[str], kinds: tuple[str, ...], forget: Callable[[Watcher], None]) -> None:
        self.channels = channels
        self.kinds = kinds
        self._forget = forget
        self._changed = asyncio.Event()

    def wake(self) -> None:
        """Mark a possible change."""
        self._changed.set()

    def wants(self, kind: str) -> bool:
        """Whether an event of this kind concerns the watcher (its kinds are prefixes)."""
        return kind.startswith(self.kinds) if self.kinds else False

    async def wait(self, timeout: float) -> bool:
        """True when woken within `timeout` seconds (and ready to be woken again), False otherwise."""
        try:
            await asyncio.wait_for(self._changed.wait(), timeout)
        except TimeoutError:
            return False
        self._changed.clear()
        return True

    def close(self) -> None:
        """Stop watching."""
        self._forget(self)

    def __enter__(self) -> Watcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class EventHub:
    """Per-process broadcaster of new events to subscribers; started lazily by the first one."""

    def __init__(
        self, engine: Engine, *, poll_s: float, queue_size: int = QUEUE_SIZE, channels: Sequence[str] = ()
    ) -> None:
        self._engine = engine
        self._conninfo = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._poll_s = poll_s
        self._queue_size = queue_size
        #: Further NOTIFY channels the listener follows for watchers.
        self._channels = tuple(channels)
        self._watchers: set[Watcher] = set()
        self._subscribers: set[asyncio.Queue[EventRecord | None]] = set()
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._last = 0

    @property
    def subscribers(self) -> int:
        """How many clients are following the stream."""
        return len(self._subscribers)

    async def start(self) -> None:
        """Start the listener unless running; wait until it knows the newest event id."""
        if self._task is None or self._task.done():
            self._ready = asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(self._run(), name="bosai-event-hub")
        try:
            await asyncio.wait_for(self._ready.wait(), START_TIMEOUT_S)
        except TimeoutError:
            raise EventHubUnavailableError("the event listener cannot reach the database") from None

    async def stop(self) -> None:
        """Stop the listener."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    self._conninfo, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S
                ) as conn:
                    for channel in (CHANNEL, *self._channels):
                        await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
                    if not self._ready.is_set():
                        cursor = await conn.execute("SELECT coalesce(max(id), 0) FROM events")
                        row = await cursor.fetchone()
                        self._last = int(row[0]) if row else 0
                        self._ready.set()
                    else:  # reconnected: what happened meanwhile was not announced to anyone
                        for watcher in self._watchers:
                            watcher.wake()
                    while True:
                        await self._drain(conn)
                        await self._next_notices(conn)
            except (psycopg.Error, OSError) as exc:
                log.warning("event listener lost the database (%s); reconnecting", type(exc).__name__)
                await asyncio.sleep(RECONNECT_S)

    async def _next_notices(self, conn: psycopg.AsyncConnection[TupleRow]) -> None:
        """Wait up to `poll_s` for the next batch of notifications; wake the watchers of their channels."""
        async for notice in conn.notifies(timeout=self._poll_s, stop_after=1):  # a whole batch, then ends
            for watcher in self._watchers:
                if notice.channel in watcher.channels:
                    watcher.wake()

    def watch(self, *, channels: Collection[str] = (), kinds: Sequence[str] = ()) -> Watcher:
        """A watcher woken by NOTIFYs on `channels` (among the hub's) and by new events of `kinds` (prefixes).

        Start the hub first (`start`); open the watcher before reading the state it guards, so no change
        falls between the read and the watch.
        """
        unknown = set(channels) - set(self._channels)
        if unknown:
            raise ValueError(f"the event hub does not listen on {sorted(unknown)}")
        watcher = Watcher(frozenset(channels), tuple(kinds), self._watchers.discard)
        self._watchers.add(watcher)
        return watcher

    async def _drain(self, conn: psycopg.AsyncConnection[TupleRow]) -> None:
        """Read every event newer than the last one seen and hand it to the subscribers."""
        while True:
            cursor = await conn.execute(FETCH_SQL, (self._last, BATCH))
            rows = await cursor.fetchall()
            for id_, kind, payload, created_at in rows:
                record = EventRecord(int(id_), str(kind), dict(payload), created_at)
                self._last = record.id
                self._dispatch(record)
            if len(rows) < BATCH:
                return

    def _dispatch(self, record: EventRecord) -> None:
        for watcher in self._watchers:
            if watcher.wants(record.kind):
                watcher.wake()
        for queue in self._subscribers:
            if queue.full():
                while not queue.empty():
                    queue.get_nowait()
                queue.put_nowait(LAGGED)
            else:
                queue.put_nowait(record)

    async def _replay(self, after_id: int) -> list[EventRecord]:
        def fetch() -> list[EventRecord]:
            with self._engine.connect() as conn:
                return events_after(conn, after_id=after_id, limit=BATCH)

        return await anyio.to_thread.run_sync(fetch)

    async def _latest(self) -> int:
        def fetch() -> int:
            with self._engine.connect() as conn:
                return latest_id(conn)

        return await anyio.to_thread.run_sync(fetch)

    @contextlib.asynccontextmanager
    async def subscription(self, after_id: int | None) -> AsyncIterator[AsyncIterator[EventRecord]]:
        """Events after `after_id` (None: only new ones), in id order, as long as the context is open."""
        await self.start()
        queue: asyncio.Queue[EventRecord | None] = asyncio.Queue(self._queue_size)
        self._subscribers.add(queue)
        try:
            start = after_id if after_id is not None else await self._latest()
            yield self._follow(queue, start)
        finally:
            self._subscribers.discard(queue)

    async def _follow(self, queue: asyncio.Queue[EventRecord | None], last: int) -> AsyncIterator[EventRecord]:
        while True:
            while True:
                batch = await self._replay(last)
                for record in batch:
                    last = record.id
                    yield record
                if len(batch) < BATCH:
                    break
            while (item := await queue.get()) is not LAGGED:
                if item.id > last:
                    last = item.id
                    yield item
