"""HTTP routes of the alert engine: public feeds and pages, staff decisions; `routers()` lists every router."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from alerts import actions, feeds, lifecycle
from alerts.cap import ATOM_MEDIA_TYPE, CAP_MEDIA_TYPE, build_atom, build_cap, sender_of
from alerts.models import Alert
from alerts.queries import delivery_progress
from alerts.rules import default_rules
from hub.api.deps import SessionDep, SettingsDep
from hub.api.inputs import Instant
from hub.api.problems import ProblemError
from hub.api.security import PrincipalDep, client_addr, require
from hub.i18n import LANGUAGES

#: An alert id as the path gives it (PostgreSQL integer range, so a huge id is a 422, not a 500).
AlertId = Annotated[int, Path(ge=1, le=2**31 - 1)]

public = APIRouter(tags=["alerts"])
staff = APIRouter(prefix="/api/alerts", tags=["alerts (staff)"])


def actor_of(principal: PrincipalDep, request: Request) -> actions.Actor:
    """The staff member acting (shelter links cannot act on alerts)."""
    if principal.user_id is None:
        raise ProblemError(403, "a shelter link cannot act on alerts", problem_type="urn:bosai:problem:forbidden-role")
    return actions.Actor(principal.user_id, principal.actor, principal.roles, client_addr(request))


ActorDep = Annotated[actions.Actor, Depends(actor_of)]


def alert_json(alert: Alert, *, staff_view: bool) -> dict[str, Any]:
    """An alert as JSON; the staff view adds who decided and the fallback report."""
    out: dict[str, Any] = {
        "id": alert.id,
        "identifier": str(alert.identifier),
        "kind": alert.kind,
        "status": alert.status,
        "msg_type": alert.msg_type,
        "level": alert.level,
        "hazard": alert.hazard,
        "urgency": alert.urgency,
        "severity": alert.severity,
        "certainty": alert.certainty,
        "scope": alert.scope,
        "area_codes": list(alert.area_codes),
        "references_id": alert.references_id,
        "messages": {k: {"title": v.get("title"), "body": v.get("body")} for k, v in alert.messages.items()},
        "sent_at": alert.sent_at.isoformat() if alert.sent_at else None,
        "expires_at": alert.expires_at.isoformat() if alert.expires_at else None,
    }
    if staff_view:
        out["fallbacks"] = {k: v.get("reason") for k, v in alert.messages.items() if v.get("fallback")}
        out["auto_send"] = alert.auto_send
        out["approved_by"] = alert.approved_by
        out["order_id"] = alert.order_id
        out["station_event_id"] = alert.station_event_id
    return out


class AtomResponse(Response):
    """An Atom feed."""

    media_type = ATOM_MEDIA_TYPE


class CapResponse(Response):
    """A CAP 1.2 message."""

    media_type = CAP_MEDIA_TYPE


@public.get(
    "/api/alerts.atom",
    summary="Atom index of current public alerts (links CAP 1.2 files)",
    response_class=AtomResponse,
    responses={200: {"content": {ATOM_MEDIA_TYPE: {}}}},
)
def atom_feed(session: SessionDep, settings: SettingsDep) -> Response:
    """Current alerts for aggregators."""
    base = settings.public_url.rstrip("/")
    entries = feeds.feed_entries(feeds.current_public_alerts(session), public_url=settings.public_url)
    body = build_atom(entries, feed_url=f"{base}/api/alerts.atom", title="Bosai Hub alerts")
    return AtomResponse(body)


@public.get(
    "/api/alerts/{alert_id}.cap",
    summary="One alert as CAP 1.2 (every language)",
    response_class=CapResponse,
    responses={200: {"content": {CAP_MEDIA_TYPE: {}}}},
)
def cap_message(alert_id: AlertId, session: SessionDep, settings: SettingsDep) -> Response:
    """A published alert as CAP XML; drafts and staff notices are 404."""
    alert = feeds.published_alert(session, alert_id)
    if alert is None:
        raise ProblemError(404, f"no published alert {alert_id}")
    cap = feeds.cap_alert(session, alert, public_url=settings.public_url)
    return CapResponse(build_cap(cap, sender=sender_of(settings.public_url)))


@public.get("/api/alerts/current", summary="Current public alerts as JSON")
def current_alerts(session: SessionDep) -> dict[str, Any]:
    """What residents see now."""
    alerts = feeds.current_public_alerts(session)
    return {"alerts": [alert_json(a, staff_view=False) for a in alerts]}


@public.get("/alerts/{alert_id}", response_class=HTMLResponse, summary="A published alert as a page")
def alert_page(alert_id: AlertId, session: SessionDep) -> HTMLResponse:
    """Every language of a published alert, one section each."""
    alert = feeds.published_alert(session, alert_id)
    if alert is None:
        raise ProblemError(404, f"no published alert {alert_id}")
    sections = "".join(
        f'<section lang="{html.escape(lang)}"><h2>{html.escape(str(m.get("title", "")))}</h2>'
        f"<p>{html.escape(str(m.get('body', ''))).replace(chr(10), '<br>')}</p></section>"
        for lang, m in alert.messages.items()
        if lang in LANGUAGES
    )
    return HTMLResponse(
        f'<!doctype html><html lang="ja"><head><meta charset="utf-8"><meta name="viewport" '
        f'content="width=device-width,initial-scale=1"><title>{html.escape(alert.kind)}</title></head>'
        f'<body>{sections}<p><a href="/api/alerts/{alert.id}.cap">CAP</a></p></body></html>'
    )


@staff.get("", summary="Alerts for staff, newest first", dependencies=[Depends(require("staff.read"))])
def list_alerts(session: SessionDep, status: str | None = None, limit: int = 100) -> dict[str, Any]:
    """Drafts to decide on and what went out."""
    query = select(Alert).order_by(Alert.id.desc()).limit(min(max(limit, 1), 500))
    if status:
        if status not in set(lifecycle.AlertStatus):
            raise ProblemError(422, f"status must be one of {', '.join(lifecycle.AlertStatus)}")
        query = query.where(Alert.status == status)
    return {"alerts": [alert_json(a, staff_view=True) for a in session.scalars(query)]}


@staff.get("/{alert_id}", summary="One alert (staff view)", dependencies=[Depends(require("staff.read"))])
def get_alert(alert_id: AlertId, session: SessionDep) -> dict[str, Any]:
    """The alert with its fallback report."""
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise ProblemError(404, f"alert {alert_id} not found")
    return alert_json(alert, staff_view=True)


@staff.get(
    "/{alert_id}/deliveries",
    summary="Per-channel delivery progress of an alert (sent, failed, pending, gone, skipped)",
    dependencies=[Depends(require("staff.read"))],
)
def get_deliveries(alert_id: AlertId, session: SessionDep) -> dict[str, Any]:
    """Counts per channel and status, so staff watch a fan-out progress."""
    if session.get(Alert, alert_id) is None:
        raise ProblemError(404, f"alert {alert_id} not found")
    channels = delivery_progress(session, alert_id=alert_id)
    for entry in channels.values():
        for key in ("first_at", "last_at"):
            entry[key] = entry[key].astimezone(UTC).isoformat().replace("+00:00", "Z") if entry[key] else None
    return {"alert_id": alert_id, "channels": channels}


def _decide(session: SessionDep, work: Any) -> dict[str, Any]:
    try:
        alert = work()
    except actions.AlertNotFound as exc:
        raise ProblemError(404, str(exc)) from None
    except PermissionError as exc:
        raise ProblemError(403, str(exc), problem_type="urn:bosai:problem:forbidden-role") from None
    except lifecycle.TransitionError as exc:
        raise ProblemError(409, str(exc), problem_type="urn:bosai:problem:alert-state") from None
    session.commit()
    return alert_json(alert, staff_view=True)


class ApproveBody(BaseModel):
    """Approve, and send at once unless told to hold."""

    send: bool = True


@staff.post("/{alert_id}/approve", summary="Approve a draft (and send it)")
def approve(alert_id: AlertId, session: SessionDep, actor: ActorDep, body: ApproveBody | None = None) -> dict[str, Any]:
    """draft → approved; the fan-out job is committed with the approval."""
    send = body.send if body else True
    return _decide(session, lambda: actions.approve(session, alert_id, actor, default_rules(), send=send))


@staff.post("/{alert_id}/send", summary="Send an approved alert that was held")
def send(alert_id: AlertId, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """Enqueue the fan-out of an approved alert."""
    return _decide(session, lambda: actions.send(session, alert_id, actor))


@staff.post("/{alert_id}/reject", summary="Reject a draft")
def reject(alert_id: AlertId, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """draft → rejected."""
    return _decide(session, lambda: actions.reject(session, alert_id, actor))


class Text(BaseModel):
    """A title and body in one language."""

    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=3000)


class UpdateBody(BaseModel):
    """What changes in an update (messages replace those languages; others keep the original's)."""

    messages: dict[str, Text] | None = None
    level: int | None = Field(default=None, ge=1, le=5)
    expires_at: Instant | None = None


@staff.post("/{alert_id}/update", summary="Send an update referencing the alert")
def update(alert_id: AlertId, body: UpdateBody, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """A new message (msgType Update) that every channel receives."""
    unknown = set(body.messages or {}) - set(LANGUAGES)
    if unknown:
        raise ProblemError(422, f"unknown languages: {', '.join(sorted(unknown))}")
    messages = {k: v.model_dump() for k, v in (body.messages or {}).items()} or None
    return _decide(
        session,
        lambda: actions.update_alert(
            session, alert_id, actor, messages=messages, level=body.level, expires_at=body.expires_at
        ),
    )


@staff.post("/{alert_id}/cancel", summary="Cancel the alert (a Cancel message if it was sent)")
def cancel(alert_id: AlertId, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """Stop a draft, or tell every channel the alert is cancelled."""
    return _decide(session, lambda: actions.cancel(session, alert_id, actor, now=datetime.now(UTC)))


def routers() -> list[APIRouter]:
    """Every router of the alert engine, for bosai.web."""
    from alerts import api_line, api_signage, api_subscriptions

    return [public, staff, api_subscriptions.router, api_line.router, *api_signage.routers()]
