"""Staff decisions on alerts: approve (and send), reject, update, cancel; expiry. One transaction each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts import lifecycle, queue
from alerts.channels import notify_signs
from alerts.drafting import complete_order_alert, languages_for, messages_json
from alerts.lifecycle import AlertStatus
from alerts.models import Alert
from alerts.render import BASE_LANGUAGE, MessageParams, render, update_title
from alerts.rules import RuleSet
from hub.audit import service as audit

#: Alert columns an update copies from the original.
COPIED = (
    "kind",
    "level",
    "hazard",
    "urgency",
    "severity",
    "certainty",
    "scope",
    "area_codes",
    "geom",
    "order_id",
    "station_event_id",
    "expires_at",
)


class AlertNotFound(LookupError):
    """No alert with that id."""


@dataclass(frozen=True)
class Actor:
    """Who acts: user id (None for the system), name for the audit log, roles, address."""

    user_id: int | None
    name: str
    roles: frozenset[str]
    remote_addr: str | None = None


def snapshot(alert: Alert) -> dict[str, Any]:
    """The audited fields of an alert."""
    return {
        "status": alert.status,
        "msg_type": alert.msg_type,
        "level": alert.level,
        "references_id": alert.references_id,
        "expires_at": alert.expires_at.isoformat() if alert.expires_at else None,
    }


def _audit(session: Session, actor: Actor, action: str, alert: Alert, before: dict[str, Any] | None) -> None:
    audit.record(
        session,
        actor=actor.name,
        action=f"alert.{action}",
        entity="alert",
        entity_id=alert.id,
        before=before,
        after=snapshot(alert),
        remote_addr=actor.remote_addr,
    )


def _locked(session: Session, alert_id: int) -> Alert:
    alert = session.scalars(select(Alert).where(Alert.id == alert_id).with_for_update()).first()
    if alert is None:
        raise AlertNotFound(f"alert {alert_id} not found")
    return alert


def _check_role(actor: Actor, action: lifecycle.Action) -> None:
    if not lifecycle.may(actor.roles, action):
        raise PermissionError(f"{action} needs one of the roles: {', '.join(sorted(lifecycle.ROLES[action]))}")


def approve(session: Session, alert_id: int, actor: Actor, rules: RuleSet, *, send: bool = True) -> Alert:
    """draft → approved by an approver; with send, its fan-out job is enqueued in this transaction."""
    _check_role(actor, "approve")
    alert = _locked(session, alert_id)
    before = snapshot(alert)
    lifecycle.check(alert.status, "approve")
    if alert.kind == "evacuation_order" and not alert.messages:
        complete_order_alert(session, alert, rules)
    if not alert.messages or BASE_LANGUAGE not in alert.messages:
        raise lifecycle.TransitionError("the alert has no Japanese message; it cannot be approved empty")
    lifecycle.transition(alert, "approve")
    alert.approved_by = actor.user_id
    if send:
        queue.defer_fanout(session, alert.id)
    _audit(session, actor, "approve", alert, before)
    session.flush()
    return alert


def send(session: Session, alert_id: int, actor: Actor) -> Alert:
    """Send an approved alert that was held back."""
    _check_role(actor, "dispatch")
    alert = _locked(session, alert_id)
    if alert.status != AlertStatus.APPROVED:
        raise lifecycle.TransitionError(f"only an approved alert can be sent; this one is {alert.status}")
    queue.defer_fanout(session, alert.id)
    _audit(session, actor, "send", alert, snapshot(alert))
    return alert


def reject(session: Session, alert_id: int, actor: Actor) -> Alert:
    """draft → rejected: nothing is sent."""
    _check_role(actor, "reject")
    alert = _locked(session, alert_id)
    before = snapshot(alert)
    lifecycle.transition(alert, "reject")
    _audit(session, actor, "reject", alert, before)
    session.flush()
    return alert


def _follow_up(session: Session, original: Alert, actor: Actor, msg_type: str) -> Alert:
    """A new message referencing the original, drafted and approved at once by the actor."""
    alert = Alert(
        status=AlertStatus.DRAFT,
        msg_type=msg_type,
        references_id=original.id,
        approved_by=actor.user_id,
        drafted_by=actor.user_id,
        auto_send=False,
    )
    for name in COPIED:
        setattr(alert, name, getattr(original, name))
    lifecycle.transition(alert, "approve")
    return alert


def update_alert(
    session: Session,
    alert_id: int,
    actor: Actor,
    *,
    messages: dict[str, dict[str, str]] | None = None,
    level: int | None = None,
    expires_at: datetime | None = None,
) -> Alert:
    """Send an Update that references the original; every channel receives it."""
    _check_role(actor, "update")
    original = _locked(session, alert_id)
    lifecycle.check(original.status, "update")
    alert = _follow_up(session, original, actor, "Update")
    if level is not None:
        alert.level = level
    if expires_at is not None:
        alert.expires_at = expires_at
    if messages:
        if not messages.get(BASE_LANGUAGE, {}).get("title") or not messages[BASE_LANGUAGE].get("body"):
            raise lifecycle.TransitionError("an update needs a Japanese title and body")
        alert.messages = {**{k: v for k, v in original.messages.items() if k not in messages}, **messages}
    else:
        alert.messages = {
            lang: {**m, "title": update_title(str(m.get("title", "")), str(m.get("fallback") or lang))}
            for lang, m in original.messages.items()
            if isinstance(m, dict)
        }
    session.add(alert)
    session.flush()
    queue.defer_fanout(session, alert.id)
    _audit(session, actor, "update", alert, snapshot(original))
    return alert


def cancel(session: Session, alert_id: int, actor: Actor, *, now: datetime) -> Alert:
    """Cancel: an unsent alert just stops; a sent one gets a Cancel message on every channel."""
    _check_role(actor, "cancel")
    original = _locked(session, alert_id)
    before = snapshot(original)
    if original.status in (AlertStatus.DRAFT, AlertStatus.APPROVED):
        lifecycle.transition(original, "cancel")
        _audit(session, actor, "cancel", original, before)
        session.flush()
        return original
    lifecycle.check(original.status, "cancel")
    alert = _follow_up(session, original, actor, "Cancel")
    title = str(original.messages.get(BASE_LANGUAGE, {}).get("title", ""))
    params = MessageParams(time=now, level=original.level, hazard=original.hazard, original_title=title)
    rendered = render("cancel", params, languages_for(original.scope))
    for language, message in rendered.messages.items():
        own = original.messages.get(language, {})
        if isinstance(own, dict) and own.get("title") and language not in rendered.fallbacks:
            rendered.messages[language] = type(message)(
                message.title.replace(title, str(own["title"])),
                message.body.replace(title, str(own["title"])),
                message.source_language,
            )
    alert.messages = messages_json(rendered)
    session.add(alert)
    session.flush()
    queue.defer_fanout(session, alert.id)
    _audit(session, actor, "cancel", alert, before)
    return alert


def expire_due(session: Session, *, now: datetime) -> int:
    """Expire the alerts past their expiry (signs are woken); returns how many."""
    due = session.scalars(
        select(Alert)
        .where(Alert.status.in_(lifecycle.TRANSITIONS["expire"][0]), Alert.expires_at <= now)
        .with_for_update(skip_locked=True)
    ).all()
    for alert in due:
        lifecycle.transition(alert, "expire")
    if due:
        session.flush()
        notify_signs(session)
    return len(due)
