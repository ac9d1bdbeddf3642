"""Delivery plumbing of a chunk job: outcomes written back in small batches, one sender per chunk."""

from __future__ import annotations

import asyncio
import contextlib

from sqlalchemy import Connection, Engine, text

from alerts import outbox
from alerts.channels import Outcome

#: Outcomes are written back at least this often, or every FLUSH_ROWS outcomes.
FLUSH_INTERVAL_S = 0.2
FLUSH_ROWS = 200


class Recorder:
    """Buffers outcomes and writes them back in small batches, so a crash loses little state."""

    def __init__(self, engine: Engine, *, final: bool) -> None:
        self.engine, self.final = engine, final
        self.buffer: list[Outcome] = []
        self._lock = asyncio.Lock()
        self._stop = asyncio.Event()
        self._pending: set[asyncio.Task[None]] = set()
        self._ticker = asyncio.create_task(self._tick())

    def add(self, outcome: Outcome) -> None:
        """Take one outcome; flush soon when the batch is full."""
        self.buffer.append(outcome)
        if len(self.buffer) >= FLUSH_ROWS:
            task = asyncio.get_running_loop().create_task(self.flush())
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    def _write(self, batch: list[Outcome]) -> None:
        with self.engine.begin() as conn:
            outbox.record_outcomes(conn, batch, final=self.final)

    async def flush(self) -> None:
        """Write what is buffered."""
        async with self._lock:
            batch, self.buffer = self.buffer, []
            if batch:
                await asyncio.to_thread(self._write, batch)

    async def _tick(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), FLUSH_INTERVAL_S)
            await self.flush()

    async def close(self) -> None:
        """Stop the ticker and write the rest."""
        self._stop.set()
        await self._ticker
        if self._pending:
            await asyncio.gather(*self._pending)
        await self.flush()


class ChunkLock:
    """A session advisory lock on a chunk: one sender at a time, released at once if the worker dies."""

    def __init__(self, engine: Engine, key: str) -> None:
        self.engine, self.key = engine, key
        self.conn: Connection | None = None

    def acquire(self) -> None:
        """Wait for the lock on a dedicated connection."""
        self.conn = self.engine.connect()
        self.conn.execute(text("SELECT pg_advisory_lock(hashtextextended(:k, 0))"), {"k": self.key})
        self.conn.commit()

    def release(self) -> None:
        """Release the lock and the connection."""
        if self.conn is None:
            return
        try:
            self.conn.execute(text("SELECT pg_advisory_unlock(hashtextextended(:k, 0))"), {"k": self.key})
            self.conn.commit()
        finally:
            self.conn.close()
            self.conn = None
