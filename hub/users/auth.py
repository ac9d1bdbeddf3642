"""Staff authentication, pure parts: password hashes, signed tokens, login throttle policy, role permissions."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from hub.settings import Settings
from hub.users.hashing import owasp_hasher
from hub.users.models import ROLES

ALGORITHM = "HS256"
ISSUER = "bosai-hub"
#: Audiences: a staff access token and a per-shelter operator link are never interchangeable.
STAFF_AUDIENCE = "bosai-staff"
SHELTER_AUDIENCE = "bosai-shelter-link"
#: A configured secret shorter than this is refused.
MIN_SECRET_CHARS = 24
#: Allowed clock skew between issuer and verifier when checking exp/iat.
CLOCK_LEEWAY = timedelta(seconds=10)

#: What each role may do. A user may hold several roles; admin is deliberately not a superuser.
PERMISSIONS: dict[str, frozenset[str]] = {
    "staff.read": frozenset(ROLES),
    "shelter.update_any": frozenset({"coordinator", "approver"}),
    "shelter.update_assigned": frozenset({"operator"}),
    "shelter.operator_link": frozenset({"coordinator", "approver"}),
    "order.draft": frozenset({"coordinator", "approver"}),
    "order.approve": frozenset({"approver"}),
    "order.issue": frozenset({"approver"}),
    "order.lift": frozenset({"approver"}),
    "order.cancel": frozenset({"coordinator", "approver"}),
    "audit.read": frozenset({"admin"}),
    "users.manage": frozenset({"admin"}),
}


class AuthNotConfiguredError(RuntimeError):
    """No usable token signing secret is configured."""


class InvalidTokenError(ValueError):
    """A token that is malformed, forged, expired or meant for another audience."""


def allowed(roles: Iterable[str], permission: str) -> bool:
    """True when any of the roles grants the permission."""
    return not PERMISSIONS[permission].isdisjoint(roles)


@lru_cache
def password_hasher() -> PasswordHasher:
    """argon2id at the OWASP parameters (hub.users.hashing), for accounts set by admins and the CLI."""
    return owasp_hasher()


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return password_hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when the password matches the stored hash."""
    try:
        return password_hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def signing_secret(settings: Settings) -> bytes:
    """The configured secret (BOSAI_JWT_SECRET or the file BOSAI_JWT_SECRET_FILE); raises when missing."""
    value: str | None = None
    if settings.jwt_secret is not None:
        value = settings.jwt_secret.get_secret_value()
    elif settings.jwt_secret_file is not None:
        try:
            value = settings.jwt_secret_file.read_text("utf-8").strip()
        except OSError as exc:
            raise AuthNotConfiguredError(f"cannot read BOSAI_JWT_SECRET_FILE: {exc.strerror}") from None
    if not value:
        raise AuthNotConfiguredError("no token secret: set BOSAI_JWT_SECRET or BOSAI_JWT_SECRET_FILE")
    if len(value) < MIN_SECRET_CHARS:
        raise AuthNotConfiguredError(f"the token secret must have at least {MIN_SECRET_CHARS} characters")
    return value.encode("utf-8")


def _key(secret: bytes, audience: str) -> bytes:
    """A 256-bit key per audience derived from the secret (domain separation)."""
    return hmac.new(secret, audience.encode(), hashlib.sha256).digest()


def _encode(claims: dict[str, Any], secret: bytes) -> str:
    return jwt.encode(claims, _key(secret, claims["aud"]), algorithm=ALGORITHM)


def issue_access_token(
    *, secret: bytes, user_id: int, username: str, now: datetime, ttl: timedelta, generation: int = 0
) -> str:
    """A short-lived staff token naming the user and its token generation; roles are read on every request."""
    claims = {
        "gen": generation,
        "iss": ISSUER,
        "aud": STAFF_AUDIENCE,
        "sub": str(user_id),
        "name": username,
        "iat": now,
        "exp": now + ttl,
        "jti": uuid.uuid4().hex,
    }
    return _encode(claims, secret)


@dataclass(frozen=True)
class ShelterLink:
    """A per-shelter operator token and what it allows."""

    token: str
    jti: str
    shelter_id: int
    issued_by: str
    expires_at: datetime


def issue_shelter_token(
    *, secret: bytes, shelter_id: int, issued_by: str, now: datetime, ttl: timedelta
) -> ShelterLink:
    """A token that only updates one shelter, for a QR-code link handed to its operator."""
    jti = uuid.uuid4().hex
    expires = now + ttl
    claims = {
        "iss": ISSUER,
        "aud": SHELTER_AUDIENCE,
        "sub": f"shelter:{shelter_id}",
        "shelter_id": shelter_id,
        "by": issued_by,
        "iat": now,
        "exp": expires,
        "jti": jti,
    }
    return ShelterLink(_encode(claims, secret), jti, shelter_id, issued_by, expires)


def decode_token(token: str, *, secret: bytes) -> dict[str, Any]:
    """The verified claims of a staff or shelter token; raises InvalidTokenError."""
    try:
        audience = jwt.decode(token, options={"verify_signature": False}).get("aud")
        if audience not in (STAFF_AUDIENCE, SHELTER_AUDIENCE):
            raise InvalidTokenError("unknown token audience")
        claims: dict[str, Any] = jwt.decode(
            token,
            _key(secret, audience),
            algorithms=[ALGORITHM],
            audience=audience,
            issuer=ISSUER,
            leeway=CLOCK_LEEWAY,
            options={"require": ["exp", "iat", "sub", "aud", "iss", "jti"]},
        )
    except jwt.PyJWTError as exc:
        raise InvalidTokenError(str(exc)) from None
    return claims


@dataclass(frozen=True)
class LockoutPolicy:
    """Throttle of one (username, source) pair: after `max_failures` failures refuse that source for `base`,
    doubling per further failure up to `cap`; counts older than `forget` are dropped.

    Nothing here locks the account: another source with no failures still logs in with the right password.
    Once the account has `alarm_failures` failures from all sources together, a source is refused after its
    first failure (the global slow-down of a distributed guess).
    """

    max_failures: int
    base: timedelta
    cap: timedelta
    alarm_failures: int = 50
    forget: timedelta = timedelta(days=1)

    @classmethod
    def from_settings(cls, settings: Settings) -> LockoutPolicy:
        """The policy named in the settings."""
        return cls(
            settings.login_max_failures,
            timedelta(seconds=settings.login_lockout_base_s),
            timedelta(seconds=settings.login_lockout_max_s),
            settings.login_account_alarm_failures,
        )

    def lock_duration(self, failed_logins: int, *, alarm: bool = False) -> timedelta | None:
        """How long to refuse the source after this many consecutive failures; None below the threshold."""
        threshold = 1 if alarm else self.max_failures
        if failed_logins < threshold:
            return None
        doublings = min(failed_logins - threshold, 30)
        return min(self.base * (1 << doublings), self.cap)

    def blocked_until(self, failures: int, last_failure_at: datetime, *, alarm: bool = False) -> datetime | None:
        """When the source may try again, or None when it may now (given its count and last failure)."""
        duration = self.lock_duration(failures, alarm=alarm)
        return last_failure_at + duration if duration else None

    def alarmed(self, account_failures: int) -> bool:
        """True when the account's failures from all sources call for the global slow-down."""
        return account_failures >= self.alarm_failures
