"""Who is calling: bearer-token dependencies, the principal and its permissions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from hub.api.deps import SessionDep
from hub.api.problems import ProblemError
from hub.shelters.models import Shelter
from hub.users import tokens
from hub.users.auth import SHELTER_AUDIENCE, InvalidTokenError, allowed, decode_token
from hub.users.models import User

Clock = Callable[[], datetime]
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/auth/token", auto_error=False)


def utc_now() -> datetime:
    """The current time, timezone-aware."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: a staff user, or a per-shelter operator link."""

    actor: str
    user_id: int | None
    roles: frozenset[str]
    shelter_ids: frozenset[int]
    link_shelter_id: int | None = None
    #: The presented token's id and expiry (for logout); None for principals not made from a token.
    token_id: str | None = None
    token_expires_at: datetime | None = None

    def can(self, permission: str) -> bool:
        """True when one of the caller's roles grants the permission."""
        return allowed(self.roles, permission)

    def may_update_shelter(self, shelter_id: int) -> bool:
        """Coordinators and approvers: any shelter; operators: their own; a link: its one shelter."""
        if self.link_shelter_id is not None:
            return self.link_shelter_id == shelter_id
        if self.can("shelter.update_any"):
            return True
        return self.can("shelter.update_assigned") and shelter_id in self.shelter_ids

    def may_read_shelter(self, shelter_id: int) -> bool:
        """Staff read every shelter's state; a link only its own."""
        if self.link_shelter_id is not None:
            return self.link_shelter_id == shelter_id
        return self.can("staff.read")


def get_clock(request: Request) -> Clock:
    """The app's clock (tests override this dependency)."""
    clock: Clock = getattr(request.app.state, "clock", utc_now)
    return clock


def get_secret(request: Request) -> bytes:
    """The token signing secret; 503 when the hub was started without one."""
    secret: bytes | None = request.app.state.jwt_secret
    if secret is None:
        raise ProblemError(
            503,
            "token signing is not configured (BOSAI_JWT_SECRET or BOSAI_JWT_SECRET_FILE)",
            problem_type="urn:bosai:problem:auth-not-configured",
        )
    return secret


def client_addr(request: Request) -> str | None:
    """The client's address as the server sees it (uvicorn applies trusted proxy headers)."""
    return request.client.host if request.client else None


ClockDep = Annotated[Clock, Depends(get_clock)]
SecretDep = Annotated[bytes, Depends(get_secret)]


def _unauthorized(detail: str, error: str | None = "invalid_token") -> ProblemError:
    header = f'Bearer error="{error}"' if error else "Bearer"
    return ProblemError(401, detail, headers={"WWW-Authenticate": header})


def get_principal(
    session: SessionDep, secret: SecretDep, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> Principal:
    """The caller named by the bearer token; 401 when absent, invalid or of a disabled account."""
    if not token:
        raise _unauthorized("a bearer token is required", error=None)
    try:
        claims = decode_token(token, secret=secret)
    except InvalidTokenError as exc:
        raise _unauthorized(f"invalid token: {exc}") from None
    if tokens.is_revoked(session, claims["jti"]):
        raise _unauthorized("this token was revoked")
    jti, expires_at = str(claims["jti"]), datetime.fromtimestamp(claims["exp"], UTC)
    if claims["aud"] == SHELTER_AUDIENCE:
        shelter_id = claims.get("shelter_id")
        if not isinstance(shelter_id, int) or session.get(Shelter, shelter_id) is None:
            raise _unauthorized("the shelter of this link no longer exists")
        actor = f"shelter-link:{claims['jti'][:12]} (shelter {shelter_id}, issued by {claims.get('by', '?')})"
        return Principal(
            actor, None, frozenset(), frozenset({shelter_id}), shelter_id, token_id=jti, token_expires_at=expires_at
        )
    user = session.get(User, int(claims["sub"])) if str(claims["sub"]).isdigit() else None
    if user is None or not user.active:
        raise _unauthorized("the account of this token is unknown or disabled")
    if claims.get("gen", 0) != user.token_generation:
        raise _unauthorized("this token was revoked (password changed)")
    return Principal(
        user.username,
        user.id,
        frozenset(user.roles),
        frozenset(user.shelter_ids),
        token_id=jti,
        token_expires_at=expires_at,
    )


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require(permission: str) -> Callable[[Principal], Principal]:
    """A dependency admitting callers whose roles grant the permission (403 otherwise)."""

    def dependency(principal: PrincipalDep) -> Principal:
        if not principal.can(permission):
            raise ProblemError(
                403, f"your roles do not allow {permission}", problem_type="urn:bosai:problem:forbidden-role"
            )
        return principal

    return dependency
