"""Evacuation orders: public current orders; staff draft, approve or send back (four-eyes), issue, lift, cancel."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.api.deps import SessionDep
from hub.api.etag import if_match_versions, version_etag
from hub.api.problems import body_fields
from hub.api.security import ClockDep, Principal, client_addr, require
from hub.audit import service as audit
from hub.errors import PreconditionFailedError
from hub.events import service as events
from hub.orders import service as orders
from hub.orders.events import OrderListener
from hub.orders.models import ORDER_STATUSES, EvacuationOrder, OrderStatus
from hub.orders.queries import drawn_area, order_areas
from hub.shelters.models import HAZARDS
from hub.users.models import User

router = APIRouter(prefix="/api/orders", tags=["evacuation orders"])
OrderId = Annotated[int, Path(ge=1, le=2**31 - 1)]
IfMatch = Annotated[str | None, Header(description="optional: the ETag last read; 412 when stale")]
Hazard = Literal[HAZARDS]  # type: ignore[valid-type]
OrderStatusQuery = Literal[ORDER_STATUSES]  # type: ignore[valid-type]
PUBLIC_MAX_AGE_S = 15
MAX_AREA_CODES = 500
MAX_PAGE = 500
DEFAULT_PAGE = 100
#: Free text PostgreSQL can store (text columns refuse NUL bytes).
NO_NUL = r"^[^\x00]*$"


def get_order_listeners(request: Request) -> tuple[OrderListener, ...]:
    """The order-event listeners the application's assembly registered (`app.state.order_listeners`)."""
    listeners: tuple[OrderListener, ...] = request.app.state.order_listeners
    return listeners


OrderListenersDep = Annotated[tuple[OrderListener, ...], Depends(get_order_listeners)]


class OrderDraft(BaseModel):
    """A new order: level 3 (高齢者等避難), 4 (避難指示) or 5 (緊急安全確保) for areas and/or a polygon."""

    level: Literal[3, 4, 5]
    hazard: Hazard
    area_codes: list[Annotated[str, Field(min_length=1, max_length=32)]] = Field(
        default_factory=list, max_length=MAX_AREA_CODES
    )
    geometry: dict[str, Any] | None = Field(default=None, description="a drawn GeoJSON Polygon or MultiPolygon")
    reason: str | None = Field(default=None, max_length=2000, pattern=NO_NUL, description="shown to residents")


class SendBack(BaseModel):
    """Why a draft goes back to its drafter."""

    comment: str = Field(
        min_length=1, max_length=orders.MAX_COMMENT, pattern=NO_NUL, description="what the drafter should change"
    )


def _usernames(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.username).where(User.id.in_(wanted)))
    return {int(row.id): str(row.username) for row in rows}


def staff_view(session: Session, order: EvacuationOrder) -> dict[str, Any]:
    """An order with its staff fields and drawn polygon."""
    names = _usernames(session, {order.drafted_by, order.approved_by, order.returned_by})
    return orders.public_properties(order) | {
        "geometry": drawn_area(session, order_id=order.id),
        "drafted_by": names.get(order.drafted_by) if order.drafted_by else None,
        "approved_by": names.get(order.approved_by) if order.approved_by else None,
        "returned_by": names.get(order.returned_by) if order.returned_by else None,
        "return_comment": order.return_comment,
        "version": order.version,
        "created_at": order.created_at,
        "updated_at": order.updated_at,
    }


@router.get("", summary="Current (issued) evacuation orders as GeoJSON")
def current_orders(session: SessionDep, response: Response) -> dict[str, Any]:
    """Every issued order with the area it covers; no staff data."""
    issued = list(
        session.scalars(
            select(EvacuationOrder).where(EvacuationOrder.status == OrderStatus.ISSUED).order_by(EvacuationOrder.id)
        )
    )
    areas = order_areas(session, order_ids=[o.id for o in issued])
    response.headers["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE_S}"
    features = [
        {"type": "Feature", "id": o.id, "geometry": areas.get(o.id), "properties": orders.public_properties(o)}
        for o in issued
    ]
    return {"type": "FeatureCollection", "features": features}


@router.get("/all", summary="Every order with staff fields")
def all_orders(
    session: SessionDep,
    staff: Annotated[Principal, Depends(require("staff.read"))],
    status: Annotated[OrderStatusQuery | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[dict[str, Any]]:
    """Orders newest first, optionally of one status, one page at a time."""
    query = select(EvacuationOrder).order_by(EvacuationOrder.id.desc()).limit(limit).offset(offset)
    if status:
        query = query.where(EvacuationOrder.status == status)
    return [staff_view(session, o) for o in session.scalars(query)]


@router.get("/{order_id}", summary="One order with staff fields and its ETag")
def one_order(
    order_id: OrderId,
    response: Response,
    session: SessionDep,
    staff: Annotated[Principal, Depends(require("staff.read"))],
) -> dict[str, Any]:
    """The order, any status."""
    order = orders.get(session, order_id)
    response.headers["ETag"] = version_etag(order.version)
    return staff_view(session, order)


def _finish(
    session: Session,
    request: Request,
    response: Response,
    principal: Principal,
    order: EvacuationOrder,
    *,
    action: str,
    before: dict[str, Any] | None,
    public_kind: str | None = None,
) -> dict[str, Any]:
    """Audit (and for public changes publish) an order change, commit, answer with the new ETag."""
    audit.record(
        session,
        actor=principal.actor,
        action=action,
        entity="evacuation_order",
        entity_id=order.id,
        before=before,
        after=orders.audited(order),
        remote_addr=client_addr(request),
    )
    if public_kind:
        events.publish(session, kind=public_kind, payload=orders.public_properties(order))
    session.commit()
    response.headers["ETag"] = version_etag(order.version)
    return staff_view(session, order)


@router.post("", status_code=201, summary="Draft an evacuation order")
def draft_order(
    body: OrderDraft,
    request: Request,
    response: Response,
    session: SessionDep,
    principal: Annotated[Principal, Depends(require("order.draft"))],
) -> dict[str, Any]:
    """A draft for approval by someone else; 422 naming unknown area codes or a bad polygon."""
    assert principal.user_id is not None
    with body_fields():
        order = orders.draft(
            session,
            level=body.level,
            hazard=body.hazard,
            area_codes=body.area_codes,
            geometry=body.geometry,
            reason=body.reason,
            drafter_id=principal.user_id,
        )
    response.headers["Location"] = f"/api/orders/{order.id}"
    return _finish(session, request, response, principal, order, action="order.draft", before=None)


def _locked(session: Session, order_id: int, if_match: str | None) -> EvacuationOrder:
    order = orders.get(session, order_id, for_update=True)
    expected = if_match_versions(if_match, required=False)
    if expected is not None and order.version not in expected:
        raise PreconditionFailedError(
            f"order {order_id} is at version {order.version}; reload it", problem_type="urn:bosai:problem:stale-version"
        )
    return order


def _apply(
    action: str,
    order_id: int,
    request: Request,
    response: Response,
    session: Session,
    principal: Principal,
    if_match: str | None,
    now: datetime,
    listeners: tuple[OrderListener, ...] = (),
) -> dict[str, Any]:
    """Run one order transition under a row lock; audit, publish when public, commit.

    Issuing and lifting hand their event to the listeners in this transaction; their answers (the alert
    engine's `alert_id`) join the response.
    """
    assert principal.user_id is not None
    order = _locked(session, order_id, if_match)
    extra: dict[str, Any] = {}
    if action == "approve":
        before = orders.approve(order, approver_id=principal.user_id)
    elif action == "cancel":
        before = orders.cancel(order)
    else:
        step = orders.issue if action == "issue" else orders.lift
        before, extra = step(session, order, now=now, listeners=listeners)
    view = _finish(
        session,
        request,
        response,
        principal,
        order,
        action=f"order.{action}",
        before=before,
        public_kind=PUBLIC_KINDS.get(action),
    )
    return view | extra


PUBLIC_KINDS = {"issue": "order.issued", "lift": "order.lifted"}


@router.post("/{order_id}/approve", summary="Approve a draft (the approver must not be its drafter)")
def approve_order(
    order_id: OrderId,
    request: Request,
    response: Response,
    session: SessionDep,
    clock: ClockDep,
    principal: Annotated[Principal, Depends(require("order.approve"))],
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """draft → approved; 403 (four-eyes) when the caller drafted it."""
    return _apply("approve", order_id, request, response, session, principal, if_match, clock())


@router.post("/{order_id}/issue", summary="Issue an approved order and draft its alert (never sends)")
def issue_order(
    order_id: OrderId,
    request: Request,
    response: Response,
    session: SessionDep,
    clock: ClockDep,
    principal: Annotated[Principal, Depends(require("order.issue"))],
    listeners: OrderListenersDep,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """approved → issued; answers with the id of the alert draft for the alert engine."""
    return _apply("issue", order_id, request, response, session, principal, if_match, clock(), listeners)


@router.post("/{order_id}/lift", summary="Lift an issued order and draft the update alert")
def lift_order(
    order_id: OrderId,
    request: Request,
    response: Response,
    session: SessionDep,
    clock: ClockDep,
    principal: Annotated[Principal, Depends(require("order.lift"))],
    listeners: OrderListenersDep,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """issued → lifted (解除)."""
    return _apply("lift", order_id, request, response, session, principal, if_match, clock(), listeners)


@router.post("/{order_id}/cancel", summary="Cancel a draft or approved order")
def cancel_order(
    order_id: OrderId,
    request: Request,
    response: Response,
    session: SessionDep,
    clock: ClockDep,
    principal: Annotated[Principal, Depends(require("order.cancel"))],
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """draft or approved → cancelled; an issued order is lifted instead."""
    return _apply("cancel", order_id, request, response, session, principal, if_match, clock())


@router.post("/{order_id}/send-back", summary="Send a draft back to its drafter with a comment")
def send_back_order(
    order_id: OrderId,
    body: SendBack,
    request: Request,
    response: Response,
    session: SessionDep,
    principal: Annotated[Principal, Depends(require("order.approve"))],
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """draft → returned with a required comment; 403 (four-eyes) when the caller drafted it."""
    assert principal.user_id is not None
    order = _locked(session, order_id, if_match)
    with body_fields():
        before = orders.send_back(order, reviewer_id=principal.user_id, comment=body.comment)
    return _finish(session, request, response, principal, order, action="order.send_back", before=before)


@router.post("/{order_id}/resubmit", summary="Revise a returned order and submit it again (its drafter only)")
def resubmit_order(
    order_id: OrderId,
    body: OrderDraft,
    request: Request,
    response: Response,
    session: SessionDep,
    principal: Annotated[Principal, Depends(require("order.draft"))],
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """returned → draft with the revised fields; 403 unless the caller drafted it."""
    assert principal.user_id is not None
    order = _locked(session, order_id, if_match)
    with body_fields():
        before = orders.resubmit(
            session,
            order,
            editor_id=principal.user_id,
            level=body.level,
            hazard=body.hazard,
            area_codes=body.area_codes,
            geometry=body.geometry,
            reason=body.reason,
        )
    return _finish(session, request, response, principal, order, action="order.resubmit", before=before)
