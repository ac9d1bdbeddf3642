"""The delivery outbox: one row per recipient and channel, resolved, claimed by chunk, and recorded."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Connection, Engine, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.types import BigInteger, Integer, String

from alerts import queries as queries_alerts
from alerts.channels import Outcome, Recipient
from alerts.models import Alert

log = logging.getLogger(__name__)

#: Channels with one delivery row per subscriber (signs pull their state; feeds are read).
RECIPIENT_CHANNELS = ("webpush", "line")
#: Recipients per delivery job: LINE multicast takes at most 500 user ids per request; a Web Push job
#: holds 1,000 so its fixed costs (lock, load, bookkeeping job) are shared by more pushes.
CHUNK_SIZE = {"webpush": 1_000, "line": 500}
#: Targets are resolved in pages of subscription ids; each page's chunks start at once. The first page is
#: small so the first pushes leave within a second; pages then double up to RESOLVE_PAGE.
FIRST_RESOLVE_PAGE = 1_000
RESOLVE_PAGE = 20_000
#: Outcomes are written back at least this often, or every FLUSH_ROWS outcomes.
FLUSH_INTERVAL_S = 0.2
FLUSH_ROWS = 200


def resolve(session: Session, alert: Alert, *, first_id: int = 0, last_id: int | None = None) -> int:
    """Create the delivery rows of a public alert (idempotent); staff-only notices reach no resident."""
    if alert.scope != "Public":
        return 0
    return queries_alerts.resolve_targets(
        session, alert_id=alert.id, channels=RECIPIENT_CHANNELS, first_id=first_id, last_id=last_id
    )


def resolve_pages(top: int) -> list[tuple[int, int]]:
    """(first, last) subscription ids of the resolve pages covering 0‥top: small first, then doubling."""
    pages, first, size = [], 0, FIRST_RESOLVE_PAGE
    while first <= top:
        pages.append((first, first + size - 1))
        first, size = first + size, min(size * 2, RESOLVE_PAGE)
    return pages


def chunk_bounds(
    session: Session, *, alert_id: int, channel: str, size: int, after_id: int = -1
) -> list[tuple[int, int]]:
    """(first id, last id) of each chunk holding pending deliveries of the alert on the channel above `after_id`.

    Chunks are fixed ranges of delivery ids (id // size), so every run computes the same chunks and a
    delivery always belongs to the same chunk (and the same lock), whatever was sent before.
    """
    rows = session.execute(
        text(
            "SELECT DISTINCT id / :size FROM deliveries "
            "WHERE alert_id = :alert_id AND channel = :channel AND status = 'pending' AND id > :after ORDER BY 1"
        ),
        {"alert_id": alert_id, "channel": channel, "size": size, "after": after_id},
    )
    keys = [int(str(r[0])) for r in rows]
    return [(k * size, k * size + size - 1) for k in keys]


def last_delivery_id(session: Session, *, alert_id: int) -> int:
    """The highest delivery id of the alert (-1 before its first): rows resolved later lie above it."""
    return int(
        session.execute(
            text("SELECT coalesce(max(id), -1) FROM deliveries WHERE alert_id = :a"), {"a": alert_id}
        ).scalar_one()
    )


def max_subscription_id(session: Session) -> int:
    """The highest subscription id (0 when there is none)."""
    return int(session.execute(text("SELECT coalesce(max(id), 0) FROM subscriptions")).scalar_one())


def pending_recipients(session: Session, *, alert_id: int, channel: str, lo: int, hi: int) -> list[Recipient]:
    """The still-pending deliveries of one chunk with where to send them."""
    rows = session.execute(
        text(
            """
            SELECT d.id, s.id, s.address, s.keys, s.languages
            FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id
            WHERE d.alert_id = :alert_id AND d.channel = :channel AND d.id BETWEEN :lo AND :hi
              AND d.status = 'pending' AND s.active
            ORDER BY d.id
            """
        ),
        {"alert_id": alert_id, "channel": channel, "lo": lo, "hi": hi},
    )
    out = []
    for row in rows:
        delivery_id, subscription_id, address, keys, languages = cast(Any, row)
        out.append(
            Recipient(
                int(delivery_id), int(subscription_id), str(address), dict(keys or {}), tuple(languages or ("ja",))
            )
        )
    return out


_RECORD_SQL = text(
    """
    WITH u AS (
        SELECT * FROM unnest(:ids, :subscription_ids, :outcomes, :statuses, :attempts, :errors)
            AS u(id, subscription_id, outcome, status, attempts, error)
    ), d AS (
        UPDATE deliveries AS d
        SET status = u.status, attempts = d.attempts + u.attempts, last_error = u.error,
            sent_at = CASE WHEN u.status = 'sent' THEN now() ELSE d.sent_at END
        FROM u
        WHERE d.id = u.id AND d.status = 'pending'
    )
    UPDATE subscriptions AS s SET active = false
    FROM u
    WHERE s.id = u.subscription_id AND u.outcome = 'gone'
    """
).bindparams(
    bindparam("ids", type_=ARRAY(BigInteger())),
    bindparam("subscription_ids", type_=ARRAY(BigInteger())),
    bindparam("outcomes", type_=ARRAY(String())),
    bindparam("statuses", type_=ARRAY(String())),
    bindparam("attempts", type_=ARRAY(Integer())),
    bindparam("errors", type_=ARRAY(String())),
)


_RECORD_SENT_SQL = text(
    """
    UPDATE deliveries SET status = 'sent', attempts = attempts + 1, last_error = NULL, sent_at = now()
    WHERE id = ANY(:ids) AND status = 'pending'
    """
).bindparams(bindparam("ids", type_=ARRAY(BigInteger())))


def record_outcomes(session: Session | Connection, outcomes: Sequence[Outcome], *, final: bool) -> None:
    """Store outcomes; 'retry' stays pending (failed at the last try); gone deactivates at once.

    Plain first-try successes, nearly all of a fan-out, go in one statement of ids; the rest in another.
    """
    plain: list[int] = []
    rest: list[Outcome] = []
    for o in outcomes:
        if o.status == "sent" and o.attempts == 1 and o.error is None:
            plain.append(o.delivery_id)
        else:
            rest.append(o)
    if plain:
        session.execute(_RECORD_SENT_SQL, {"ids": plain})
    if not rest:
        return
    statuses = [("failed" if final else "pending") if o.status == "retry" else o.status for o in rest]
    session.execute(
        _RECORD_SQL,
        {
            "ids": [o.delivery_id for o in rest],
            "subscription_ids": [o.subscription_id for o in rest],
            "outcomes": [o.status for o in rest],
            "statuses": statuses,
            "attempts": [o.attempts for o in rest],
            "errors": [o.error for o in rest],
        },
    )


def stamp_successes(session: Session, *, alert_id: int, channel: str, lo: int, hi: int) -> int:
    """Set each subscription's last success from the sent deliveries of a chunk (idempotent, never backwards).

    Kept off the delivery path: it rewrites a subscriptions row (and its spatial index entry) per recipient,
    which costs the database more than recording the delivery itself.
    """
    result = session.execute(
        text(
            """
            UPDATE subscriptions AS s SET last_success_at = d.sent_at
            FROM deliveries AS d
            WHERE d.alert_id = :alert_id AND d.channel = :channel AND d.id BETWEEN :lo AND :hi
              AND d.status = 'sent' AND s.id = d.subscription_id
              AND (s.last_success_at IS NULL OR s.last_success_at < d.sent_at)
            """
        ),
        {"alert_id": alert_id, "channel": channel, "lo": lo, "hi": hi},
    )
    return int(getattr(result, "rowcount", 0) or 0)


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
            task.add_done_callback(self._settled)

    def _settled(self, task: asyncio.Task[None]) -> None:
        """A background flush ended; a failed one kept its batch for the next flush (close raises if that fails)."""
        self._pending.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.warning("writing delivery outcomes failed (kept for the next try): %s", exc)

    def _write(self, batch: list[Outcome]) -> None:
        with self.engine.begin() as conn:
            record_outcomes(conn, batch, final=self.final)

    async def flush(self) -> None:
        """Write what is buffered; on failure the batch stays buffered and the error is raised."""
        async with self._lock:
            batch, self.buffer = self.buffer, []
            if not batch:
                return
            try:
                await asyncio.to_thread(self._write, batch)
            except BaseException:
                self.buffer = batch + self.buffer
                raise

    async def _tick(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), FLUSH_INTERVAL_S)
            with contextlib.suppress(SQLAlchemyError):  # kept buffered: the next flush or close tries again
                await self.flush()

    async def close(self) -> None:
        """Stop the ticker and write the rest; raises if it cannot (the job is then retried, nothing is lost)."""
        self._stop.set()
        await self._ticker
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)
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
