"""Staff accounts, for admins: list, create, change roles/shelters/password, disable, unlock."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field, SecretStr
from sqlalchemy import select

from hub.api.deps import SessionDep
from hub.api.problems import body_fields
from hub.api.security import Principal, client_addr, require
from hub.audit import service as audit
from hub.users import service as users
from hub.users.models import User

router = APIRouter(prefix="/api/users", tags=["users"])
AdminDep = Annotated[Principal, Depends(require("users.manage"))]
UserId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class UserCreate(BaseModel):
    """A new staff account."""

    username: str = Field(min_length=2, max_length=64)
    password: SecretStr = Field(min_length=users.MIN_PASSWORD_CHARS, max_length=users.MAX_PASSWORD_CHARS)
    roles: list[str] = Field(min_length=1, max_length=8)
    shelter_ids: list[int] = Field(default_factory=list, max_length=1000)
    display_name: str | None = Field(default=None, max_length=200)


class UserChange(BaseModel):
    """Changes to a staff account; omitted fields stay as they are."""

    roles: list[str] | None = Field(default=None, min_length=1, max_length=8)
    shelter_ids: list[int] | None = Field(default=None, max_length=1000)
    active: bool | None = None
    display_name: str | None = Field(default=None, max_length=200)
    password: SecretStr | None = Field(
        default=None, min_length=users.MIN_PASSWORD_CHARS, max_length=users.MAX_PASSWORD_CHARS
    )


def _audited(user: User) -> dict[str, Any]:
    view = users.user_view(user)
    return {k: view[k] for k in ("username", "roles", "shelter_ids", "active", "display_name")}


@router.get("", summary="Every staff account")
def list_users(session: SessionDep, admin: AdminDep) -> list[dict[str, Any]]:
    """All accounts ordered by username (no password hashes)."""
    return [users.user_view(u) for u in session.scalars(select(User).order_by(User.username))]


@router.post("", status_code=201, summary="Create a staff account")
def create_user(body: UserCreate, request: Request, session: SessionDep, admin: AdminDep) -> dict[str, Any]:
    """Add an account; 409 when the username is taken, 422 naming a bad field."""
    with body_fields():
        user = users.create_user(
            session,
            username=body.username,
            password=body.password.get_secret_value(),
            roles=body.roles,
            shelter_ids=body.shelter_ids,
            display_name=body.display_name,
        )
    audit.record(
        session,
        actor=admin.actor,
        action="user.create",
        entity="user",
        entity_id=user.id,
        before=None,
        after=_audited(user),
        remote_addr=client_addr(request),
    )
    session.commit()
    return users.user_view(user)


@router.patch("/{user_id}", summary="Change a staff account")
def change_user(
    user_id: UserId, body: UserChange, request: Request, session: SessionDep, admin: AdminDep
) -> dict[str, Any]:
    """Change roles, shelters, active flag, display name or password; keeps at least one active admin."""
    user = users.get_user(session, user_id, for_update=True)
    before = _audited(user)
    given = body.model_dump(exclude_unset=True, exclude={"password"})
    changes: dict[str, Any] = {k: v for k, v in given.items() if v is not None or k == "display_name"}
    if body.password is not None:
        changes["password"] = body.password.get_secret_value()
    with body_fields():
        users.update_user(session, user, changes)
    after = _audited(user) | ({"password": "changed"} if "password" in changes else {})
    audit.record(
        session,
        actor=admin.actor,
        action="user.update",
        entity="user",
        entity_id=user.id,
        before=before,
        after=after,
        remote_addr=client_addr(request),
    )
    session.commit()
    return users.user_view(user)


@router.post("/{user_id}/unlock", summary="Clear failed logins and every source's login throttle")
def unlock_user(user_id: UserId, request: Request, session: SessionDep, admin: AdminDep) -> dict[str, Any]:
    """Let a throttled user log in again from every address."""
    user = users.get_user(session, user_id, for_update=True)
    before = {"failed_logins": user.failed_logins}
    users.unlock(session, user)
    audit.record(
        session,
        actor=admin.actor,
        action="user.unlock",
        entity="user",
        entity_id=user.id,
        before=before,
        after={"failed_logins": 0},
        remote_addr=client_addr(request),
    )
    session.commit()
    return users.user_view(user)
