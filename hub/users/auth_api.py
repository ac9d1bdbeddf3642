"""OAuth2 password flow for staff: short-lived signed bearer tokens, lockout after repeated failures."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from hub.api.deps import SessionDep, SettingsDep
from hub.api.problems import ProblemError
from hub.api.security import ClockDep, PrincipalDep, SecretDep, client_addr
from hub.audit import service as audit
from hub.users.auth import LockoutPolicy, issue_access_token
from hub.users.service import authenticate

router = APIRouter(prefix="/api/auth", tags=["auth"])
#: One message for every failure, so an attacker cannot tell unknown, wrong and locked apart.
LOGIN_FAILED = "incorrect username or password, or the account is temporarily locked"
USERNAME_AUDIT_CHARS = 64


class TokenResponse(BaseModel):
    """An OAuth2 bearer token."""

    access_token: str
    token_type: str = "bearer"
    expires_in: int


@router.post("/token", summary="Log in (OAuth2 password flow)", response_model=TokenResponse)
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    secret: SecretDep,
    clock: ClockDep,
) -> TokenResponse:
    """A bearer token for a staff user; 401 problem+json (error invalid_grant) on any failure."""
    now = clock()
    user = authenticate(
        session,
        username=form.username,
        password=form.password,
        now=now,
        policy=LockoutPolicy.from_settings(settings),
    )
    audit.record(
        session,
        actor=user.username if user else form.username[:USERNAME_AUDIT_CHARS],
        action="auth.login" if user else "auth.login_failed",
        entity="user",
        entity_id=user.id if user else None,
        before=None,
        after=None,
        remote_addr=client_addr(request),
    )
    session.commit()  # also keeps the failure count and the lock
    if user is None:
        raise ProblemError(401, LOGIN_FAILED, error="invalid_grant")
    ttl = timedelta(minutes=settings.access_token_minutes)
    token = issue_access_token(secret=secret, user_id=user.id, username=user.username, now=now, ttl=ttl)
    return TokenResponse(access_token=token, expires_in=int(ttl.total_seconds()))


@router.get("/me", summary="The caller's identity and roles")
def me(principal: PrincipalDep) -> dict[str, Any]:
    """Who the bearer token names."""
    return {
        "actor": principal.actor,
        "user_id": principal.user_id,
        "roles": sorted(principal.roles),
        "shelter_ids": sorted(principal.shelter_ids),
        "link_shelter_id": principal.link_shelter_id,
    }
