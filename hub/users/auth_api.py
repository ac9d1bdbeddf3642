"""OAuth2 password flow for staff: short-lived signed bearer tokens, per-source login throttle, logout."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from hub.api.deps import SessionDep, SettingsDep
from hub.api.problems import ProblemError
from hub.api.security import ClockDep, PrincipalDep, SecretDep, client_addr
from hub.audit import service as audit
from hub.settings import Settings
from hub.users import tokens
from hub.users.auth import LockoutPolicy, issue_access_token
from hub.users.hashing import HashingBusyError, PasswordHashing
from hub.users.service import authenticate

router = APIRouter(prefix="/api/auth", tags=["auth"])
#: One message for every failure, so an attacker cannot tell unknown, wrong and throttled apart.
LOGIN_FAILED = "incorrect username or password, or too many failures from your address: try again later"
USERNAME_AUDIT_CHARS = 64
_hashing_lock = threading.Lock()


class TokenResponse(BaseModel):
    """An OAuth2 bearer token."""

    access_token: str
    token_type: str = "bearer"
    expires_in: int


def get_password_hashing(request: Request) -> PasswordHashing:
    """The app's one login hashing gate, sized by its settings (tests override this dependency)."""
    state = request.app.state
    with _hashing_lock:
        if getattr(state, "password_hashing", None) is None:
            settings: Settings = state.settings
            state.password_hashing = PasswordHashing.from_settings(settings)
        hashing: PasswordHashing = state.password_hashing
    return hashing


HashingDep = Annotated[PasswordHashing, Depends(get_password_hashing)]


@router.post(
    "/token",
    summary="Log in (OAuth2 password flow)",
    response_model=TokenResponse,
    responses={503: {"description": "Too many logins at once; retry after Retry-After seconds"}},
)
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    secret: SecretDep,
    clock: ClockDep,
    hashing: HashingDep,
) -> TokenResponse:
    """A bearer token for a staff user; 401 problem+json (error invalid_grant) on any failure."""
    now = clock()
    source = client_addr(request)
    try:
        user = authenticate(
            session,
            username=form.username,
            password=form.password,
            source=source,
            now=now,
            policy=LockoutPolicy.from_settings(settings),
            hashing=hashing,
        )
    except HashingBusyError as exc:
        raise ProblemError(
            503, "too many logins at once: try again shortly", headers={"Retry-After": str(exc.retry_after)}
        ) from None
    audit.record(
        session,
        actor=user.username if user else form.username[:USERNAME_AUDIT_CHARS],
        action="auth.login" if user else "auth.login_failed",
        entity="user",
        entity_id=user.id if user else None,
        before=None,
        after=None,
        remote_addr=source,
    )
    session.commit()  # also keeps the failure counts
    if user is None:
        raise ProblemError(401, LOGIN_FAILED, error="invalid_grant")
    ttl = timedelta(minutes=settings.access_token_minutes)
    token = issue_access_token(
        secret=secret, user_id=user.id, username=user.username, now=now, ttl=ttl, generation=user.token_generation
    )
    return TokenResponse(access_token=token, expires_in=int(ttl.total_seconds()))


@router.post("/logout", status_code=204, summary="Revoke the presented bearer token")
def logout(request: Request, session: SessionDep, principal: PrincipalDep, clock: ClockDep) -> Response:
    """The token stops working at once (for every copy of it); other sessions of the user stay."""
    if principal.token_id is not None and principal.token_expires_at is not None:
        tokens.revoke(session, jti=principal.token_id, expires_at=principal.token_expires_at, now=clock())
    audit.record(
        session,
        actor=principal.actor,
        action="auth.logout",
        entity="user" if principal.user_id is not None else "shelter",
        entity_id=principal.user_id if principal.user_id is not None else principal.link_shelter_id,
        before=None,
        after={"token_id": principal.token_id},
        remote_addr=client_addr(request),
    )
    session.commit()
    return Response(status_code=204)


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
