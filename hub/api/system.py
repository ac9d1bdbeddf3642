"""Health of the hub and its dependencies."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from hub.api.health import broker_problem, database_problem

router = APIRouter(tags=["system"])


@router.get("/healthz", summary="Database and broker reachability")
def healthz(request: Request) -> JSONResponse:
    """200 when the database and the broker answer; 503 naming the failing part otherwise."""
    problems: dict[str, Any] = {
        "database": database_problem(request.app.state.engine),
        "broker": broker_problem(request.app.state.settings),
    }
    failing = [name for name, problem in problems.items() if problem]
    body = {
        "status": "ok" if not failing else "unavailable",
        "checks": {name: (p if p else "ok") for name, p in problems.items()},
        "failing": failing,
    }
    return JSONResponse(body, status_code=503 if failing else 200)
