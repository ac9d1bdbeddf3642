"""Staff accounts and their roles; login throttles per account and source; revoked tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Integer, String, Text, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from hub.orm import Base, created_at

ROLES = ("viewer", "operator", "coordinator", "approver", "admin")


class User(Base):
    """A staff member with roles; operators may be assigned shelters."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(f"roles <@ ARRAY{list(ROLES)}::varchar[]", name="roles"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(Text)
    password_hash: Mapped[str] = mapped_column(Text)
    roles: Mapped[list[str]] = mapped_column(ARRAY(String(16)), server_default=text("'{viewer}'"))
    shelter_ids: Mapped[list[int]] = mapped_column(ARRAY(Integer), server_default=text("'{}'"))
    active: Mapped[bool] = mapped_column(server_default=text("true"))
    #: Consecutive failed logins from any source (shown to admins; never locks the account).
    failed_logins: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    #: Staff tokens carry the generation they were issued in; a password change bumps it.
    token_generation: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    created_at: Mapped[datetime] = created_at()


class LoginThrottle(Base):
    """Failed logins for one username from one client address (unknown usernames too)."""

    __tablename__ = "login_throttles"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failure_at: Mapped[datetime] = mapped_column(index=True)


class RevokedToken(Base):
    """A token (staff login or shelter link) revoked before it expires; kept until then."""

    __tablename__ = "revoked_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    revoked_at: Mapped[datetime] = created_at()
