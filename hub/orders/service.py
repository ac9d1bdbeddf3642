"""Evacuation orders (避難情報): draft → approved → issued → lifted; send back → returned → resubmit; four-eyes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import shapely
from geoalchemy2 import WKBElement
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.errors import ConflictError, FieldError, ForbiddenError, NotFoundError
from hub.orders.events import OrderIssued, OrderLifted, OrderListener, emit
from hub.orders.models import EvacuationOrder, OrderStatus
from hub.orders.queries import unknown_area_codes

#: 警戒レベル of the orders a municipality issues: (Japanese name, English name).
LEVEL_NAMES: dict[int, tuple[str, str]] = {
    3: ("高齢者等避難", "Evacuation of elderly etc."),
    4: ("避難指示", "Evacuation instruction"),
    5: ("緊急安全確保", "Emergency safety measures"),
}
FOUR_EYES = "urn:bosai:problem:four-eyes"
INVALID_TRANSITION = "urn:bosai:problem:invalid-transition"
#: The statuses an order moves from, per action.
FROM_STATUS: dict[str, frozenset[OrderStatus]] = {
    "approve": frozenset({OrderStatus.DRAFT}),
    "issue": frozenset({OrderStatus.APPROVED}),
    "lift": frozenset({OrderStatus.ISSUED}),
    "cancel": frozenset({OrderStatus.DRAFT, OrderStatus.RETURNED, OrderStatus.APPROVED}),
    "send_back": frozenset({OrderStatus.DRAFT}),
    "resubmit": frozenset({OrderStatus.RETURNED}),
}
TO_STATUS: dict[str, OrderStatus] = {
    "approve": OrderStatus.APPROVED,
    "issue": OrderStatus.ISSUED,
    "lift": OrderStatus.LIFTED,
    "cancel": OrderStatus.CANCELLED,
    "send_back": OrderStatus.RETURNED,
    "resubmit": OrderStatus.DRAFT,
}
NOT_DRAFTER = "urn:bosai:problem:not-drafter"
MAX_VERTICES = 10_000
MAX_COMMENT = 2000


def drawn_polygon(geometry: dict[str, Any], *, field: str = "geometry") -> MultiPolygon:
    """A valid lon/lat MultiPolygon from a drawn GeoJSON (Multi)Polygon; FieldError otherwise."""
    try:
        geom = shape(geometry)
    except (KeyError, TypeError, ValueError, AttributeError, shapely.errors.ShapelyError) as exc:
        raise FieldError(field, f"not a GeoJSON geometry: {exc}") from None
    if geom.geom_type not in {"Polygon", "MultiPolygon"} or geom.is_empty:
        raise FieldError(field, f"must be a non-empty Polygon or MultiPolygon, got {geom.geom_type}")
    if shapely.get_num_coordinates(geom) > MAX_VERTICES:
        raise FieldError(field, f"more than {MAX_VERTICES} vertices")
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise FieldError(field, f"coordinates must be longitude, latitude (WGS 84): bounds {geom.bounds}")
    if not geom.is_valid:
        raise FieldError(field, f"invalid polygon: {shapely.is_valid_reason(geom)}")
    return geom if isinstance(geom, MultiPolygon) else MultiPolygon([geom])


def _checked(
    session: Session, *, level: int, area_codes: Sequence[str], geometry: dict[str, Any] | None
) -> tuple[list[str], WKBElement | None]:
    """Deduplicated known area codes and the drawn polygon of a draft; FieldError naming bad input."""
    if level not in LEVEL_NAMES:
        raise FieldError("level", f"must be one of {sorted(LEVEL_NAMES)}")
    codes = list(dict.fromkeys(area_codes))
    if not codes and geometry is None:
        raise FieldError("area_codes", "name at least one area code or draw a polygon (geometry)")
    unknown = unknown_area_codes(session, codes=codes)
    if unknown:
        raise FieldError("area_codes", f"unknown area code(s): {', '.join(unknown)}")
    return codes, from_shape(drawn_polygon(geometry), srid=4326) if geometry is not None else None


def draft(
    session: Session,
    *,
    level: int,
    hazard: str,
    area_codes: Sequence[str],
    geometry: dict[str, Any] | None,
    reason: str | None,
    drafter_id: int,
) -> EvacuationOrder:
    """A new draft order for areas and/or a drawn polygon; FieldError naming bad input."""
    codes, geom = _checked(session, level=level, area_codes=area_codes, geometry=geometry)
    order = EvacuationOrder(
        level=level,
        hazard=hazard,
        area_codes=codes,
        geom=geom,
        reason=reason,
        drafted_by=drafter_id,
        status=OrderStatus.DRAFT,
    )
    session.add(order)
    session.flush()
    session.refresh(order)
    return order


def get(session: Session, order_id: int, *, for_update: bool = False) -> EvacuationOrder:
    """The order with this id; NotFoundError otherwise."""
    query = select(EvacuationOrder).where(EvacuationOrder.id == order_id)
    order = session.scalar(query.with_for_update() if for_update else query)
    if order is None:
        raise NotFoundError(f"no evacuation order with id {order_id}")
    return order


def _move(order: EvacuationOrder, action: str) -> dict[str, Any]:
    """Check and apply the status change of an action; returns the audited state before it."""
    if order.status not in FROM_STATUS[action]:
        allowed = " or ".join(sorted(FROM_STATUS[action]))
        raise ConflictError(
            f"cannot {action} order {order.id}: it is {order.status} (must be {allowed})",
            problem_type=INVALID_TRANSITION,
        )
    before = audited(order)
    order.status = TO_STATUS[action]
    order.version += 1
    return before


def approve(order: EvacuationOrder, *, approver_id: int) -> dict[str, Any]:
    """Approve a draft; the approver must not be its drafter (four-eyes)."""
    if order.drafted_by == approver_id:
        raise ForbiddenError(
            "four-eyes rule: the approver must be a different person from the drafter", problem_type=FOUR_EYES
        )
    before = _move(order, "approve")
    order.approved_by = approver_id
    return before


def send_back(order: EvacuationOrder, *, reviewer_id: int, comment: str) -> dict[str, Any]:
    """Return a draft to its drafter with a comment; the reviewer must not be its drafter (four-eyes)."""
    text = comment.strip()
    if not text:
        raise FieldError("comment", "say what the drafter should change")
    if len(text) > MAX_COMMENT:
        raise FieldError("comment", f"at most {MAX_COMMENT} characters")
    if order.drafted_by == reviewer_id:
        raise ForbiddenError(
            "four-eyes rule: a draft is sent back by someone other than its drafter", problem_type=FOUR_EYES
        )
    before = _move(order, "send_back")
    order.returned_by = reviewer_id
    order.return_comment = text
    return before


def resubmit(
    session: Session,
    order: EvacuationOrder,
    *,
    editor_id: int,
    level: int,
    hazard: str,
    area_codes: Sequence[str],
    geometry: dict[str, Any] | None,
    reason: str | None,
) -> dict[str, Any]:
    """The drafter revises a returned order and submits it again as a draft (the comment stays on record)."""
    if order.drafted_by != editor_id:
        raise ForbiddenError("only the drafter revises a returned order", problem_type=NOT_DRAFTER)
    if order.status not in FROM_STATUS["resubmit"]:
        _move(order, "resubmit")  # raises the invalid-transition conflict
    codes, geom = _checked(session, level=level, area_codes=area_codes, geometry=geometry)
    before = _move(order, "resubmit")
    order.level, order.hazard, order.area_codes, order.geom, order.reason = level, hazard, codes, geom, reason
    session.flush()
    session.refresh(order)
    return before


def issue(
    session: Session, order: EvacuationOrder, *, now: datetime, listeners: Sequence[OrderListener]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Issue an approved order and hand `OrderIssued` to the listeners; (state before, their answers)."""
    before = _move(order, "issue")
    order.issued_at = now
    session.flush()
    return before, emit(session, OrderIssued.of(order), listeners)


def lift(
    session: Session, order: EvacuationOrder, *, now: datetime, listeners: Sequence[OrderListener]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Lift an issued order (解除) and hand `OrderLifted` to the listeners; (state before, their answers)."""
    before = _move(order, "lift")
    order.lifted_at = now
    session.flush()
    return before, emit(session, OrderLifted.of(order), listeners)


def cancel(order: EvacuationOrder) -> dict[str, Any]:
    """Drop a draft or approved order before it is issued."""
    return _move(order, "cancel")


def audited(order: EvacuationOrder) -> dict[str, Any]:
    """The state the audit log keeps of an order."""
    return {
        "status": order.status,
        "level": order.level,
        "hazard": order.hazard,
        "area_codes": list(order.area_codes),
        "version": order.version,
    } | ({"return_comment": order.return_comment} if order.return_comment else {})


def public_properties(order: EvacuationOrder) -> dict[str, Any]:
    """What residents see of an order (no staff)."""
    name, name_en = LEVEL_NAMES[order.level]
    return {
        "id": order.id,
        "level": order.level,
        "level_name": name,
        "level_name_en": name_en,
        "hazard": order.hazard,
        "status": order.status,
        "area_codes": list(order.area_codes),
        "reason": order.reason,
        "issued_at": order.issued_at,
        "lifted_at": order.lifted_at,
    }
