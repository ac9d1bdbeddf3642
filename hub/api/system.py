"""Health of the hub and its dependencies: the status for everyone, what is failing for staff."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from hub.api.deps import SessionDep
from hub.api.health import CachedCheck, database_problem
from hub.api.problems import ProblemError
from hub.api.security import get_principal, oauth2_scheme
from hub.users.auth import STAFF_AUDIENCE, InvalidTokenError, decode_token

router = APIRouter(tags=["system"])
#: Who may read the checks' details (dependency names and their errors).
DETAILS_PERMISSION = "staff.read"


def _staff_may_read(request: Request, session: SessionDep, token: str | None) -> bool:
    """Whether the bearer token names an active staff user allowed the details (no token: no).

    While the database is down the account cannot be looked up, and a validly signed staff token is
    enough: that is when the details are needed.
    """
    secret: bytes | None = request.app.state.jwt_secret
    if not token or secret is None:
        return False
    try:
        return get_principal(session, secret, token).can(DETAILS_PERMISSION)
    except ProblemError:
        return False
    except SQLAlchemyError:
        try:
            return bool(decode_token(token, secret=secret)["aud"] == STAFF_AUDIENCE)
        except InvalidTokenError:
            return False


@router.get("/healthz", summary="Database and broker reachability")
def healthz(
    request: Request, session: SessionDep, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> JSONResponse:
    """200 when the database and the broker answer, 503 otherwise; staff also see which part fails and why.

    The broker check is reused for a few seconds (`health_cache_s`), so probes do not open a broker
    connection each.
    """
    broker_check: CachedCheck = request.app.state.broker_check
    problems: dict[str, Any] = {
        "database": database_problem(request.app.state.engine),
        "broker": broker_check(),
    }
    failing = [name for name, problem in problems.items() if problem]
    body: dict[str, Any] = {"status": "ok" if not failing else "unavailable"}
    if _staff_may_read(request, session, token):
        body |= {"checks": {name: (p if p else "ok") for name, p in problems.items()}, "failing": failing}
    return JSONResponse(body, status_code=503 if failing else 200)
