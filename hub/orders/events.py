"""What an order's transitions tell other packages: frozen events handed to injected listeners.

Issuing or lifting an order calls every listener inside the same transaction, on the same session,
after the order's own change is flushed; a listener that fails rolls the transition back with it. The
hub knows nothing of what a listener makes: the assembly (`bosai.web`) registers the alert engine's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, Self

from geoalchemy2 import WKBElement
from sqlalchemy.orm import Session

from hub.orders.models import EvacuationOrder


@dataclass(frozen=True)
class _OrderChange:
    """What every order event carries: the order's identity, level, hazard, areas and drafter."""

    order_id: int
    level: int
    hazard: str
    area_codes: tuple[str, ...]
    geom: WKBElement | None
    drafted_by: int | None

    @classmethod
    def of(cls, order: EvacuationOrder) -> Self:
        """The event of an order as it stands after its transition."""
        return cls(order.id, order.level, order.hazard, tuple(order.area_codes), order.geom, order.drafted_by)


@dataclass(frozen=True)
class OrderIssued(_OrderChange):
    """An approved order was issued."""


@dataclass(frozen=True)
class OrderLifted(_OrderChange):
    """An issued order was lifted (解除)."""


OrderEvent = OrderIssued | OrderLifted


class OrderListener(Protocol):
    """Reacts to an order event in the caller's transaction; returns fields for the caller's answer."""

    def __call__(self, session: Session, event: OrderEvent, /) -> Mapping[str, Any]: ...


def emit(session: Session, event: OrderEvent, listeners: Sequence[OrderListener]) -> dict[str, Any]:
    """Hand the event to every listener in turn; their answers merged."""
    answer: dict[str, Any] = {}
    for listener in listeners:
        answer |= listener(session, event)
    return answer
