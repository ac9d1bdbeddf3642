"""Fixtures of the staff API tests: one user per role with a bearer token, in the rolled-back session."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.settings import Settings
from hub.shelters.models import Shelter
from hub.users import service as users
from hub.users.auth import hash_password, issue_access_token, signing_secret
from hub.users.models import ROLES, User

PASSWORD = "correct horse battery staple"
TOKEN_TTL = timedelta(minutes=30)


@dataclass(frozen=True)
class Staff:
    """A user in the test transaction and a bearer token for it."""

    user: User
    token: str

    @property
    def headers(self) -> dict[str, str]:
        """The Authorization header."""
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture(scope="session")
def password_hash() -> str:
    """The argon2 hash of PASSWORD, computed once."""
    return hash_password(PASSWORD)


@pytest.fixture(scope="session")
def secret(settings: Settings) -> bytes:
    """The test signing secret."""
    return signing_secret(settings)


MakeStaff = Callable[..., Staff]


@pytest.fixture
def make_staff(db: Session, password_hash: str, secret: bytes) -> MakeStaff:
    """Create a user with the given roles (and shelters) and a token for it."""
    counter = iter(range(1_000_000))

    def make(*roles: str, shelter_ids: tuple[int, ...] = (), username: str | None = None) -> Staff:
        name = username or f"{'-'.join(roles) or 'nobody'}-{next(counter)}"
        user = users.create_user(
            db, username=name, password="", password_hash=password_hash, roles=roles, shelter_ids=shelter_ids
        )
        db.commit()
        token = issue_access_token(
            secret=secret, user_id=user.id, username=user.username, now=datetime.now(UTC), ttl=TOKEN_TTL
        )
        return Staff(user, token)

    return make


@pytest.fixture
def staff(make_staff: MakeStaff) -> dict[str, Staff]:
    """One user per role, keyed by role."""
    return {role: make_staff(role) for role in ROLES}


@pytest.fixture
def shelter(db: Session) -> Shelter:
    """A designated shelter with a capacity of 100, closed, in the rolled-back session."""
    found = db.scalars(
        select(Shelter).where(Shelter.kinds.any_() == "designated_shelter").order_by(Shelter.id).limit(1)
    ).one()
    found.capacity = 100
    db.commit()
    return found


@pytest.fixture
def other_shelter(db: Session, shelter: Shelter) -> Shelter:
    """Another shelter than `shelter`."""
    return db.scalars(select(Shelter).where(Shelter.id != shelter.id).order_by(Shelter.id).limit(1)).one()
