"""The audit log: who changed what, when and from where, with the state before and after."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic_core import to_jsonable_python
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from hub.audit.models import AuditEntry


def _address(remote_addr: str | None) -> str | None:
    """The client address when it is an IP address (test clients and sockets may give other names)."""
    if not remote_addr:
        return None
    try:
        return str(ipaddress.ip_address(remote_addr))
    except ValueError:
        return None


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: str | int | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    remote_addr: str | None,
) -> AuditEntry:
    """Add one audit entry to the session's transaction."""
    entry = AuditEntry(
        actor=actor,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        before=to_jsonable_python(before) if before is not None else None,
        after=to_jsonable_python(after) if after is not None else None,
        remote_addr=_address(remote_addr),
    )
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class AuditFilter:
    """Filters of an audit search; None means any."""

    actor: str | None = None
    action: str | None = None
    entity: str | None = None
    entity_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def apply(self, query: Select[Any]) -> Select[Any]:
        """The query restricted to matching entries (`action` ending in '.' matches a prefix)."""
        if self.actor:
            query = query.where(AuditEntry.actor == self.actor)
        if self.action:
            if self.action.endswith("."):
                query = query.where(AuditEntry.action.startswith(self.action, autoescape=True))
            else:
                query = query.where(AuditEntry.action == self.action)
        if self.entity:
            query = query.where(AuditEntry.entity == self.entity)
        if self.entity_id:
            query = query.where(AuditEntry.entity_id == self.entity_id)
        if self.since:
            query = query.where(AuditEntry.at >= self.since)
        if self.until:
            query = query.where(AuditEntry.at < self.until)
        return query


def search(session: Session, *, where: AuditFilter, limit: int, offset: int) -> tuple[list[AuditEntry], int]:
    """Matching entries newest first, and how many match in all."""
    total = session.scalar(where.apply(select(func.count()).select_from(AuditEntry)))
    query = where.apply(select(AuditEntry)).order_by(AuditEntry.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(query)), int(total or 0)


def entry_view(entry: AuditEntry) -> dict[str, Any]:
    """One entry as plain data."""
    return {
        "id": entry.id,
        "at": entry.at,
        "actor": entry.actor,
        "action": entry.action,
        "entity": entry.entity,
        "entity_id": entry.entity_id,
        "before": entry.before,
        "after": entry.after,
        "remote_addr": str(entry.remote_addr) if entry.remote_addr is not None else None,
    }
