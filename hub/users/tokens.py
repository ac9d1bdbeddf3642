"""Token revocation: a revoked token's id is kept until the token would have expired anyway."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from hub.users.models import RevokedToken


def revoke(session: Session, *, jti: str, expires_at: datetime, now: datetime) -> None:
    """Refuse the token with this id from now on (idempotent); drops entries of expired tokens."""
    session.execute(delete(RevokedToken).where(RevokedToken.expires_at < now))
    stmt = insert(RevokedToken).values(jti=jti, expires_at=expires_at).on_conflict_do_nothing()
    session.execute(stmt)


def is_revoked(session: Session, jti: str) -> bool:
    """True when the token with this id was revoked (one primary-key read)."""
    return session.execute(select(RevokedToken.jti).where(RevokedToken.jti == jti)).first() is not None
