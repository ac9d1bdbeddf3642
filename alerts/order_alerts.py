"""The alert engine's side of an evacuation order: the alert draft each issued or lifted order gets."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.lifecycle import AlertStatus
from alerts.models import Alert
from hub.orders.events import OrderEvent, OrderIssued

#: CAP urgency, severity and certainty of the alert drafted for each order level.
CAP_BY_LEVEL: dict[int, tuple[str, str, str]] = {
    3: ("Expected", "Moderate", "Likely"),
    4: ("Immediate", "Severe", "Likely"),
    5: ("Immediate", "Extreme", "Observed"),
}
CAP_LIFTED = ("Past", "Minor", "Observed")
ALERT_KIND = "evacuation_order"
ALERT_KIND_LIFTED = "evacuation_order_lifted"


def draft_order_alert(session: Session, event: OrderEvent) -> dict[str, Any]:
    """Draft the alert of an issued order, or the update alert of a lifted one; {"alert_id": its id}.

    The alert engine alone completes (rules, messages) and sends it; this runs in the order's transaction.
    """
    issued = isinstance(event, OrderIssued)
    urgency, severity, certainty = CAP_BY_LEVEL[event.level] if issued else CAP_LIFTED
    alert = Alert(
        kind=ALERT_KIND if issued else ALERT_KIND_LIFTED,
        status=AlertStatus.DRAFT,
        msg_type="Alert" if issued else "Update",
        level=event.level,
        hazard=event.hazard,
        urgency=urgency,
        severity=severity,
        certainty=certainty,
        area_codes=list(event.area_codes),
        geom=event.geom,
        order_id=event.order_id,
        drafted_by=event.drafted_by,
    )
    if not issued:
        alert.references_id = session.scalar(
            select(Alert.id).where(Alert.order_id == event.order_id, Alert.kind == ALERT_KIND).order_by(Alert.id.desc())
        )
    session.add(alert)
    session.flush()
    return {"alert_id": alert.id}
