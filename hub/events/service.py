"""The public event log: `publish` writes an event in the caller's transaction and NOTIFYs listeners.

Event ids are the SSE ids of /api/events, so they must become visible in id order: `publish` takes a
transaction-scoped advisory lock first, which makes event-writing transactions commit one after
another. Publish late in a transaction to hold that lock briefly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic_core import to_jsonable_python
from sqlalchemy import Connection, func, select, text
from sqlalchemy.orm import Session

from hub.events.models import Event

CHANNEL = "bosai_events"
#: Key of the advisory lock that serialises event writers (any constant bigint, unique to this use).
LOCK_KEY = 0x626F_7361_6965
#: Payload keys that would name staff; a public event must not carry them, at any depth.
STAFF_KEYS = frozenset(
    {"actor", "user", "user_id", "username", "drafted_by", "approved_by", "issued_by", "status_changed_by", "by"}
)
KIND_MAX_CHARS = 64


@dataclass(frozen=True)
class EventRecord:
    """One stored event."""

    id: int
    kind: str
    payload: dict[str, Any]
    created_at: datetime


def _staff_keys(value: Any, path: str = "") -> list[str]:
    if isinstance(value, Mapping):
        found = [f"{path}{key}" for key in value if key in STAFF_KEYS]
        for key, item in value.items():
            found += _staff_keys(item, f"{path}{key}.")
        return found
    if isinstance(value, list | tuple):
        return [hit for i, item in enumerate(value) for hit in _staff_keys(item, f"{path}{i}.")]
    return []


def publish(session: Session, *, kind: str, payload: Mapping[str, Any]) -> int:
    """Store a public event in the session's transaction and announce it at commit; returns its id."""
    if not kind or len(kind) > KIND_MAX_CHARS:
        raise ValueError(f"event kind must have 1–{KIND_MAX_CHARS} characters: {kind!r}")
    leaked = _staff_keys(payload)
    if leaked:
        raise ValueError(f"a public event must not name staff: {', '.join(leaked)}")
    data = to_jsonable_python(dict(payload))
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    event = Event(kind=kind, payload=data)
    session.add(event)
    session.flush()
    session.execute(text("SELECT pg_notify(:channel, :id)"), {"channel": CHANNEL, "id": str(event.id)})
    return event.id


def latest_id(conn: Connection | Session) -> int:
    """The id of the newest event (0 when there is none)."""
    return int(conn.execute(select(func.coalesce(func.max(Event.id), 0))).scalar_one())


def events_after(conn: Connection | Session, *, after_id: int, limit: int) -> list[EventRecord]:
    """Up to `limit` events with an id above `after_id`, oldest first."""
    query = select(Event.id, Event.kind, Event.payload, Event.created_at).where(Event.id > after_id)
    rows = conn.execute(query.order_by(Event.id).limit(limit)).all()
    return [EventRecord(int(r.id), str(r.kind), dict(r.payload), r.created_at) for r in rows]
