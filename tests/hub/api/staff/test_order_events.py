"""Issuing and lifting an order hand a frozen event to the injected listeners, in the order's transaction."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alerts.models import Alert
from hub.orders import service as orders
from hub.orders.events import OrderEvent, OrderIssued, OrderLifted
from hub.orders.models import EvacuationOrder
from tests.hub.api.staff.conftest import MakeStaff


class Recorder:
    """A listener that keeps each event with the order's status as the database saw it at that moment."""

    def __init__(self) -> None:
        self.heard: list[tuple[OrderEvent, str]] = []

    def __call__(self, session: Session, event: OrderEvent, /) -> dict[str, Any]:
        status = session.scalar(select(EvacuationOrder.status).where(EvacuationOrder.id == event.order_id))
        self.heard.append((event, str(status)))
        return {"heard": len(self.heard)}


def test_issue_and_lift_emit_their_events_inside_the_transaction(db: Session, make_staff: MakeStaff) -> None:
    drafter, approver = make_staff("coordinator"), make_staff("approver")
    order = orders.draft(
        db, level=4, hazard="flood", area_codes=["13109"], geometry=None, reason=None, drafter_id=drafter.user.id
    )
    orders.approve(order, approver_id=approver.user.id)
    alerts_before = db.scalar(select(func.count()).select_from(Alert))
    recorder = Recorder()
    now = datetime.now(UTC)

    _, answer = orders.issue(db, order, now=now, listeners=[recorder])
    assert answer == {"heard": 1}
    _, answer = orders.lift(db, order, now=now, listeners=[recorder, recorder])
    assert answer == {"heard": 3}  # every listener is called, answers merged

    (issued, status_then), (lifted, lifted_status), _ = recorder.heard
    assert issued == OrderIssued(order.id, 4, "flood", ("13109",), None, drafter.user.id)
    assert status_then == "issued"  # flushed before the listener ran, same transaction
    assert isinstance(lifted, OrderLifted) and lifted.order_id == order.id and lifted_status == "lifted"
    with pytest.raises(dataclasses.FrozenInstanceError):
        issued.level = 5  # type: ignore[misc]
    assert db.scalar(select(func.count()).select_from(Alert)) == alerts_before  # the hub builds no alert itself


def test_a_failing_listener_fails_the_transition(db: Session, make_staff: MakeStaff) -> None:
    drafter, approver = make_staff("coordinator"), make_staff("approver")
    order = orders.draft(
        db, level=3, hazard="flood", area_codes=["13109"], geometry=None, reason=None, drafter_id=drafter.user.id
    )
    orders.approve(order, approver_id=approver.user.id)

    def refuse(session: Session, event: OrderEvent, /) -> dict[str, Any]:
        raise RuntimeError("listener down")

    with pytest.raises(RuntimeError, match="listener down"):
        orders.issue(db, order, now=datetime.now(UTC), listeners=[refuse])
