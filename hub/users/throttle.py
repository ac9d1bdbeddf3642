"""Login throttle per (username, source): counts failures, says when a source may try again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from hub.users.auth import LockoutPolicy
from hub.users.models import LoginThrottle

#: Width of the key columns; longer usernames cannot exist and are cut for the key only.
KEY_CHARS = 64
#: The source recorded when the server cannot see the client's address.
UNKNOWN_SOURCE = "unknown"


def _key(username: str, source: str | None) -> tuple[str, str]:
    return username[:KEY_CHARS], (source or UNKNOWN_SOURCE)[:KEY_CHARS]


def blocked_until(
    session: Session,
    *,
    username: str,
    source: str | None,
    now: datetime,
    policy: LockoutPolicy,
    alarm: bool = False,
) -> datetime | None:
    """When this source may try this username again; None when it may now (a source without failures may)."""
    name, src = _key(username, source)
    query = select(LoginThrottle.failures, LoginThrottle.last_failure_at).where(
        LoginThrottle.username == name, LoginThrottle.source == src
    )
    row = session.execute(query).first()  # columns, not entities: never a stale identity-map copy
    if row is None:
        return None
    until = policy.blocked_until(row.failures, row.last_failure_at, alarm=alarm)
    return until if until is not None and until > now else None


def record_failure(session: Session, *, username: str, source: str | None, now: datetime, policy: LockoutPolicy) -> int:
    """Count one more failure of this source for this username (atomic); the new count."""
    name, src = _key(username, source)
    session.execute(delete(LoginThrottle).where(LoginThrottle.last_failure_at < now - policy.forget))
    stmt = (
        insert(LoginThrottle)
        .values(username=name, source=src, failures=1, last_failure_at=now)
        .on_conflict_do_update(
            index_elements=[LoginThrottle.username, LoginThrottle.source],
            set_={"failures": LoginThrottle.failures + 1, "last_failure_at": now},
        )
        .returning(LoginThrottle.failures)
    )
    failures: int = session.execute(stmt).scalar_one()
    return failures


def clear(session: Session, *, username: str, source: str | None = None) -> None:
    """Forget the failures of this username from one source, or from every source."""
    name = username[:KEY_CHARS]
    where = [LoginThrottle.username == name]
    if source is not None:
        where.append(LoginThrottle.source == _key(username, source)[1])
    session.execute(delete(LoginThrottle).where(*where))
