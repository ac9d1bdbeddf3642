"""Idempotent upserts: insert new rows, update changed ones, leave identical ones untouched."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, literal_column, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningInsert

from hub.importers.common import chunks
from hub.orm import Base

BATCH = 1000


def upsert(
    session: Session,
    model: type[Base],
    rows: Sequence[dict[str, Any]],
    *,
    key: Sequence[str],
    bump_version: bool = False,
) -> tuple[int, int]:
    """Upsert rows on the unique key; return (inserted, updated). Unchanged rows are not written."""
    if not rows:
        return 0, 0
    table = model.__table__
    assert isinstance(table, Table)
    columns = [c for c in rows[0] if c not in key]
    base = insert(table)
    changes: dict[str, Any] = {c: base.excluded[c] for c in columns}
    if bump_version:
        changes["version"] = table.c.version + 1
    upsert_stmt: ReturningInsert[Any] = base.on_conflict_do_update(
        index_elements=list(key),
        set_=changes,
        where=tuple_(*(table.c[c] for c in columns)).is_distinct_from(tuple_(*(base.excluded[c] for c in columns))),
    ).returning(literal_column("(xmax = 0)"))
    inserted = updated = 0
    for batch in chunks(rows, BATCH):
        # executemany with RETURNING: SQLAlchemy batches it as "insertmanyvalues" from one cached statement.
        flags: list[bool] = list(session.scalars(upsert_stmt, list(batch)))
        inserted += sum(flags)
        updated += len(flags) - sum(flags)
    return inserted, updated
