"""Previews for approvers: what the alert engine would send for an order, and the CAP of any alert (rolled back)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response
from sqlalchemy.orm import Session

from alerts.cap import CAP_MEDIA_TYPE, build_cap, sender_of
from alerts.drafting import complete_order_alert
from alerts.feeds import cap_alert
from alerts.models import Alert
from alerts.order_alerts import draft_order_alert
from alerts.rules import default_rules
from hub.api.deps import SessionDep, SettingsDep
from hub.api.problems import ProblemError
from hub.api.security import ClockDep, Principal, require
from hub.orders import service as orders

router = APIRouter(tags=["staff previews"])
StaffDep = Annotated[Principal, Depends(require("staff.read"))]
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
#: Orders whose alert can still be previewed (an issued order already has its real alert draft).
PREVIEWABLE = frozenset({"draft", "returned", "approved"})


def _cap_xml(session: Session, alert: Alert, public_url: str) -> str:
    return build_cap(cap_alert(session, alert, public_url=public_url), sender=sender_of(public_url)).decode("utf-8")


@router.get("/api/orders/{order_id}/alert-preview", summary="The alert an order would produce, before it is issued")
def order_alert_preview(
    order_id: Id, session: SessionDep, settings: SettingsDep, clock: ClockDep, staff: StaffDep
) -> dict[str, Any]:
    """Issue the order and let the alert engine write its alert inside a transaction that is rolled back.

    The messages in every language and the CAP message are exactly what the engine would produce now;
    nothing is stored, published or sent.
    """
    try:
        order = orders.get(session, order_id)
        if order.status not in PREVIEWABLE:
            raise ProblemError(
                409,
                f"order {order_id} is {order.status}: its alert exists, open it instead",
                problem_type="urn:bosai:problem:invalid-transition",
            )
        order.status = "approved"  # only inside this rolled-back transaction
        _, drafted = orders.issue(session, order, now=clock(), listeners=(draft_order_alert,))
        alert = session.get(Alert, drafted["alert_id"])
        assert alert is not None
        if not complete_order_alert(session, alert, default_rules(), clock=clock):
            raise ProblemError(422, f"no alert rule matches a level-{order.level} {order.hazard} order")
        session.refresh(alert)
        fallbacks = {lang: m.get("reason") for lang, m in alert.messages.items() if m.get("fallback")}
        return {
            "order_id": order_id,
            "kind": alert.kind,
            "level": alert.level,
            "hazard": alert.hazard,
            "urgency": alert.urgency,
            "severity": alert.severity,
            "certainty": alert.certainty,
            "expires_at": alert.expires_at,
            "area_codes": list(alert.area_codes),
            "messages": {k: {"title": v.get("title"), "body": v.get("body")} for k, v in alert.messages.items()},
            "fallbacks": fallbacks,
            "cap": _cap_xml(session, alert, settings.public_url),
        }
    finally:
        session.rollback()


@router.get(
    "/api/alerts/{alert_id}/cap-preview",
    summary="The CAP 1.2 message of any alert, drafts included (staff)",
    responses={200: {"content": {CAP_MEDIA_TYPE: {}}}},
)
def alert_cap_preview(alert_id: Id, session: SessionDep, settings: SettingsDep, staff: StaffDep) -> Response:
    """What /api/alerts/{id}.cap publishes once the alert is sent (until then `sent` is the draft's creation time)."""
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise ProblemError(404, f"alert {alert_id} not found")
    headers = {"Cache-Control": "no-store", "X-Bosai-Preview": "true" if alert.sent_at is None else "false"}
    return Response(_cap_xml(session, alert, settings.public_url), media_type=CAP_MEDIA_TYPE, headers=headers)
