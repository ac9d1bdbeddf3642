"""The audit log, for admins: who changed what, when, from where."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from hub.api.deps import SessionDep
from hub.api.security import Principal, require
from hub.audit import service as audit

router = APIRouter(prefix="/api/audit", tags=["audit"])
MAX_PAGE = 500
DEFAULT_PAGE = 100


@router.get("", summary="Audit entries, newest first, filtered and paginated")
def audit_log(
    session: SessionDep,
    admin: Annotated[Principal, Depends(require("audit.read"))],
    actor: Annotated[str | None, Query(max_length=200)] = None,
    action: Annotated[str | None, Query(max_length=64, description="exact, or a prefix ending in '.'")] = None,
    entity: Annotated[str | None, Query(max_length=32)] = None,
    entity_id: Annotated[str | None, Query(max_length=64)] = None,
    since: Annotated[datetime | None, Query(alias="from", description="ISO 8601, inclusive")] = None,
    until: Annotated[datetime | None, Query(alias="to", description="ISO 8601, exclusive")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict[str, Any]:
    """A page of matching entries and the total count."""
    where = audit.AuditFilter(actor, action, entity, entity_id, since, until)
    entries, total = audit.search(session, where=where, limit=limit, offset=offset)
    return {
        "items": [audit.entry_view(e) for e in entries],
        "total": total,
        "limit": limit,
        "offset": offset,
    }
