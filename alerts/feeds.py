"""Load alerts for the public feeds: CAP messages and the Atom index (only public, sent alerts)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from alerts import queries as queries_alerts
from alerts.cap import POLYGON_TOLERANCE_DEG, CapAlert, FeedEntry
from alerts.channels import alert_page_url
from alerts.lifecycle import AlertStatus
from alerts.models import Alert
from alerts.render import BASE_LANGUAGE

#: Statuses whose CAP message is public (what was sent stays readable after an update or cancel).
PUBLISHED = (AlertStatus.SENT, AlertStatus.UPDATED, AlertStatus.CANCELLED, AlertStatus.EXPIRED)


def published_alert(session: Session, alert_id: int) -> Alert | None:
    """A public alert that went out, or None (drafts and staff notices are not published)."""
    alert = session.get(Alert, alert_id)
    if alert is None or alert.scope != "Public" or alert.status not in PUBLISHED:
        return None
    return alert


def cap_alert(session: Session, alert: Alert, *, public_url: str) -> CapAlert:
    """The CAP view of a stored alert, with its references and simplified polygons."""
    references = []
    if alert.references_id is not None:
        original = session.get(Alert, alert.references_id)
        if original is not None and original.sent_at is not None:
            references.append((str(original.identifier), original.sent_at))
    areas = queries_alerts.known_area_names(session, area_codes=alert.area_codes)
    return CapAlert(
        identifier=str(alert.identifier),
        sent=alert.sent_at or alert.created_at,
        msg_type=alert.msg_type,
        scope=alert.scope,
        kind=alert.kind,
        hazard=alert.hazard,
        level=alert.level,
        urgency=alert.urgency,
        severity=alert.severity,
        certainty=alert.certainty,
        expires=alert.expires_at,
        messages=alert.messages,
        area_desc="、".join(areas) or "対象区域",
        area_codes=list(alert.area_codes),
        geometry=queries_alerts.alert_geometry_json(session, alert_id=alert.id, tolerance_deg=POLYGON_TOLERANCE_DEG),
        web=alert_page_url(public_url, alert.id),
        references=references,
    )


def current_public_alerts(session: Session, *, now: datetime | None = None) -> list[Alert]:
    """Sent, unexpired public alerts, newest first."""
    moment = now or datetime.now(UTC)
    return list(
        session.scalars(
            select(Alert)
            .where(Alert.status == AlertStatus.SENT, Alert.scope == "Public", Alert.msg_type != "Cancel")
            .where(or_(Alert.expires_at.is_(None), Alert.expires_at > moment))
            .order_by(Alert.sent_at.desc(), Alert.id.desc())
        )
    )


def feed_entries(alerts: list[Alert], *, public_url: str) -> list[FeedEntry]:
    """Atom entries of alerts, linking their CAP files."""
    base = public_url.rstrip("/")
    entries = []
    for alert in alerts:
        message = alert.messages.get(BASE_LANGUAGE) or {}
        entries.append(
            FeedEntry(
                identifier=str(alert.identifier),
                title=str(message.get("title", alert.kind)),
                summary=str(message.get("body", "")),
                updated=alert.sent_at or alert.updated_at,
                cap_url=f"{base}/api/alerts/{alert.id}.cap",
                page_url=alert_page_url(public_url, alert.id),
            )
        )
    return entries
