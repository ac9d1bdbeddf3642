"""Staff accounts: creation, changes and login bookkeeping, shared by `bosai user` and the admin API."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from hub.errors import ConflictError, FieldError, NotFoundError
from hub.shelters.models import Shelter
from hub.users import throttle
from hub.users.auth import LockoutPolicy, hash_password
from hub.users.hashing import PasswordHashing
from hub.users.models import ROLES, User

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")
MIN_PASSWORD_CHARS = 12
#: Longer passwords are refused before hashing (argon2 handles them, but they only cost CPU).
MAX_PASSWORD_CHARS = 1024


def check_password_policy(password: str, *, field: str = "password") -> None:
    """Raise FieldError when the password is too short or too long."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise FieldError(field, f"must have at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise FieldError(field, f"must have at most {MAX_PASSWORD_CHARS} characters")


def check_roles(roles: Sequence[str], *, field: str = "roles") -> list[str]:
    """The roles de-duplicated in canonical order; FieldError naming unknown ones."""
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise FieldError(field, f"unknown role(s) {', '.join(unknown)}; known: {', '.join(ROLES)}")
    if not roles:
        raise FieldError(field, "at least one role is required")
    return [role for role in ROLES if role in roles]


def check_shelters(session: Session, shelter_ids: Sequence[int], *, field: str = "shelter_ids") -> list[int]:
    """The shelter ids sorted and de-duplicated; FieldError naming ids that do not exist."""
    wanted = sorted(set(shelter_ids))
    if not wanted:
        return []
    found = set(session.scalars(select(Shelter.id).where(Shelter.id.in_(wanted))))
    missing = [i for i in wanted if i not in found]
    if missing:
        raise FieldError(field, f"no shelter with id {', '.join(map(str, missing))}")
    return wanted


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    roles: Sequence[str],
    shelter_ids: Sequence[int] = (),
    display_name: str | None = None,
    password_hash: str | None = None,
) -> User:
    """Add a staff account (flushed, not committed); `password_hash` skips hashing when already hashed."""
    if not USERNAME_PATTERN.fullmatch(username):
        raise FieldError("username", "2–64 characters: lower-case letters, digits and . _ @ -")
    if password_hash is None:
        check_password_policy(password)
        password_hash = hash_password(password)
    user = User(
        username=username,
        password_hash=password_hash,
        roles=check_roles(roles),
        shelter_ids=check_shelters(session, shelter_ids),
        display_name=display_name,
    )
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise ConflictError(f"user {username!r} already exists")
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, user_id: int, *, for_update: bool = False) -> User:
    """The user with this id; NotFoundError otherwise."""
    query = select(User).where(User.id == user_id)
    user = session.scalar(query.with_for_update() if for_update else query)
    if user is None:
        raise NotFoundError(f"no user with id {user_id}")
    return user


def _active_admins(session: Session) -> int:
    query = select(func.count()).select_from(User).where(User.active, User.roles.any_() == "admin")
    return int(session.scalar(query) or 0)


def update_user(session: Session, user: User, changes: dict[str, Any]) -> User:
    """Apply the given changes (roles, shelter_ids, active, display_name, password); keeps one admin."""
    was_admin = user.active and "admin" in user.roles
    if "roles" in changes:
        user.roles = check_roles(changes["roles"])
    if "shelter_ids" in changes:
        user.shelter_ids = check_shelters(session, changes["shelter_ids"])
    if "active" in changes:
        user.active = bool(changes["active"])
    if "display_name" in changes:
        user.display_name = changes["display_name"]
    if "password" in changes:
        check_password_policy(changes["password"])
        user.password_hash = hash_password(changes["password"])
        user.token_generation += 1  # every token issued before the change stops working
        unlock(session, user)
    if was_admin and not (user.active and "admin" in user.roles):
        session.flush()
        if _active_admins(session) == 0:
            raise ConflictError("this would leave no active admin")
    session.flush()
    return user


def unlock(session: Session, user: User) -> None:
    """Clear failed logins and every source's throttle for this user."""
    user.failed_logins = 0
    throttle.clear(session, username=user.username)


def authenticate(
    session: Session,
    *,
    username: str,
    password: str,
    source: str | None,
    now: datetime,
    policy: LockoutPolicy,
    hashing: PasswordHashing,
) -> User | None:
    """The user when the password is right, the account active and this source not throttled; counts failures.

    Every outcome (unknown user, disabled, throttled source, wrong or right password) runs exactly one
    verification at the current parameters, so none answers faster. A failure throttles only this
    (username, source) pair: no one can lock an account out for others; an account with many failures
    from all sources throttles each source after its first failure. The read transaction ends before
    hashing, so no database connection is held while waiting for a hashing slot; the caller commits.
    """
    user = session.scalar(select(User).where(User.username == username))
    alarm = user is not None and policy.alarmed(user.failed_logins)
    throttled = throttle.blocked_until(session, username=username, source=source, now=now, policy=policy, alarm=alarm)
    candidate = user if user is not None and user.active and throttled is None else None
    stored = candidate.password_hash if candidate else hashing.dummy_hash
    session.commit()  # nothing written yet: only gives the connection back to the pool
    matched = hashing.verify(stored, password)
    if candidate is not None and matched:
        throttle.clear(session, username=username, source=source)
        candidate.failed_logins = 0
        if hashing.needs_rehash(stored):
            rehashed = hashing.hash(password)
            # Only if the hash is still the one verified: a password changed meanwhile stays changed.
            same = (User.id == candidate.id) & (User.password_hash == stored)
            session.execute(update(User).where(same).values(password_hash=rehashed))
        session.flush()
        session.refresh(candidate)
        return candidate
    throttle.record_failure(session, username=username, source=source, now=now, policy=policy)
    if user is not None:
        session.execute(update(User).where(User.id == user.id).values(failed_logins=User.failed_logins + 1))
        session.refresh(user, ["failed_logins"])
    return None


def user_view(user: User) -> dict[str, Any]:
    """A staff account as the admin API shows it (never the hash)."""
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "roles": list(user.roles),
        "shelter_ids": list(user.shelter_ids),
        "active": user.active,
        "failed_logins": user.failed_logins,
        "created_at": user.created_at,
    }
