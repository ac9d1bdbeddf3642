"""Pure auth parts: secrets, token audiences, password hashes, the lockout policy, permissions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest

from hub.settings import Settings
from hub.users.auth import (
    PERMISSIONS,
    SHELTER_AUDIENCE,
    AuthNotConfiguredError,
    InvalidTokenError,
    LockoutPolicy,
    _key,
    allowed,
    decode_token,
    hash_password,
    issue_access_token,
    issue_shelter_token,
    signing_secret,
    verify_password,
)

SECRET = b"a-test-secret-that-is-long-enough-123"
NOW = datetime.now(UTC)


def test_secret_from_value_or_file_and_refused_when_missing_or_short(tmp_path: Path) -> None:
    assert signing_secret(Settings(_env_file=None, jwt_secret="x" * 24)) == b"x" * 24
    secret_file = tmp_path / "jwt"
    secret_file.write_text("from-a-file-0123456789abcdef\n", encoding="utf-8")
    assert signing_secret(Settings(_env_file=None, jwt_secret_file=secret_file)) == b"from-a-file-0123456789abcdef"
    with pytest.raises(AuthNotConfiguredError, match="BOSAI_JWT_SECRET"):
        signing_secret(Settings(_env_file=None, jwt_secret=None, jwt_secret_file=None))
    with pytest.raises(AuthNotConfiguredError, match="at least"):
        signing_secret(Settings(_env_file=None, jwt_secret="short"))
    with pytest.raises(AuthNotConfiguredError, match="cannot read BOSAI_JWT_SECRET_FILE"):
        signing_secret(Settings(_env_file=None, jwt_secret_file=tmp_path / "absent"))


def test_tokens_round_trip_and_audiences_are_separate() -> None:
    now = datetime.now(UTC)  # not the import time: a slow collection must not expire the token
    staff = issue_access_token(secret=SECRET, user_id=7, username="kim", now=now, ttl=timedelta(minutes=5))
    claims = decode_token(staff, secret=SECRET)
    assert (claims["sub"], claims["name"], claims["aud"]) == ("7", "kim", "bosai-staff")
    link = issue_shelter_token(secret=SECRET, shelter_id=3, issued_by="kim", now=now, ttl=timedelta(hours=1))
    assert decode_token(link.token, secret=SECRET)["shelter_id"] == 3
    # A link re-labelled as a staff token and signed with the links' key fails: each audience has its own key.
    relabelled = jwt.decode(link.token, options={"verify_signature": False}) | {"aud": "bosai-staff", "sub": "7"}
    forged = jwt.encode(relabelled, _key(SECRET, SHELTER_AUDIENCE), algorithm="HS256")
    with pytest.raises(InvalidTokenError):
        decode_token(forged, secret=SECRET)
    with pytest.raises(InvalidTokenError):
        decode_token(staff, secret=SECRET + b"x")


def test_expired_token() -> None:
    old = issue_access_token(
        secret=SECRET, user_id=1, username="a", now=NOW - timedelta(hours=1), ttl=timedelta(minutes=5)
    )
    with pytest.raises(InvalidTokenError, match="expired"):
        decode_token(old, secret=SECRET)


def test_password_hash() -> None:
    stored = hash_password("a long passphrase")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "a long passphrase")
    assert not verify_password(stored, "a long passphrasE")
    assert not verify_password("not-a-hash", "a long passphrase")


def test_lockout_doubles_up_to_the_cap() -> None:
    policy = LockoutPolicy(3, timedelta(seconds=60), timedelta(seconds=300))
    assert [policy.lock_duration(n) for n in range(3)] == [None, None, None]
    assert [policy.lock_duration(n).total_seconds() for n in range(3, 8)] == [60, 120, 240, 300, 300]  # type: ignore[union-attr]
    assert policy.lock_duration(10_000) == timedelta(seconds=300)


def test_permissions() -> None:
    assert allowed(["viewer", "approver"], "order.approve")
    assert not allowed(["coordinator"], "order.approve")
    assert not allowed(["admin"], "shelter.update_any")  # admin manages accounts, not operations
    assert all(allowed(["viewer"], "staff.read") for _ in PERMISSIONS)
