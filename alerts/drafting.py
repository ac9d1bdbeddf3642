"""Turn station events and issued evacuation orders into alert drafts (rules applied, messages rendered)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from geoalchemy2 import WKTElement
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from alerts import lifecycle
from alerts import queries as q
from alerts.channels import notify_signs
from alerts.lifecycle import AlertStatus
from alerts.models import Alert
from alerts.render import MessageParams, Place, Rendered, render
from alerts.rules import AlertDraft, EventFacts, RuleSet, alert_drafts
from hub.db import transaction
from hub.i18n import LANGUAGES, STAFF_LANGUAGES
from hub.orders.models import EvacuationOrder
from hub.stations.models import Station, StationEvent

log = logging.getLogger(__name__)
#: Staff-only notices are written in these languages.
#: Events examined per call of process_pending_events.
EVENT_BATCH = 100
SHELTERS_IN_MESSAGE = 3

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """The current time, timezone-aware."""
    return datetime.now(UTC)


def facts_of(event: StationEvent) -> EventFacts:
    """What the rules see of a station event."""
    return EventFacts(
        source="station_event",
        kind=event.kind,
        observed_at=event.observed_at,
        from_state=event.from_state,
        to_state=event.to_state,
        alert_level=event.alert_level,
    )


def geometry_value(geom: object) -> Any:
    """A geometry value for an ORM column from PostGIS EWKT ('SRID=4326;…')."""
    return WKTElement(str(geom).split(";", 1)[1], srid=4326) if geom else None


def languages_for(scope: str) -> tuple[str, ...]:
    """Public alerts in all five languages; staff notices in ja and en."""
    return LANGUAGES if scope == "Public" else STAFF_LANGUAGES


def messages_json(rendered: Rendered) -> dict[str, object]:
    """Stored messages; fallbacks are logged so translators can see them."""
    for language, reason in rendered.fallbacks.items():
        log.warning("alert message fell back to ja for %s (%s)", language, reason)
    return rendered.as_json()


def _current_for_station(session: Session, station_id: int, kind: str, now: datetime) -> tuple[Alert, str] | None:
    """The newest current alert of this kind drafted for the station, with the state that drafted it."""
    stmt = (
        select(Alert, StationEvent.to_state)
        .join(StationEvent, StationEvent.id == Alert.station_event_id)
        .where(
            StationEvent.station_id == station_id,
            Alert.kind == kind,
            Alert.status.in_((AlertStatus.DRAFT, AlertStatus.APPROVED, AlertStatus.SENT)),
            (Alert.expires_at.is_(None)) | (Alert.expires_at > now),
        )
        .order_by(Alert.id.desc())
        .limit(1)
    )
    row = session.execute(stmt).first()
    return (row[0], row[1]) if row else None


def _params(session: Session, *, ewkt: str | None, hazard: str | None, **fields: object) -> MessageParams:
    areas = [Place(a.name, a.name_en) for a in q.wards_touching(session, ewkt=ewkt)] if ewkt else []
    shelters = (
        [
            Place(s.name, s.name_en)
            for s in q.open_shelters_near(session, ewkt=ewkt, hazard=hazard, limit=SHELTERS_IN_MESSAGE)
        ]
        if ewkt
        else []
    )
    return MessageParams(hazard=hazard, areas=areas, shelters=shelters, **fields)  # type: ignore[arg-type]


def draft_for_event(session: Session, event: StationEvent, draft: AlertDraft, now: datetime) -> Alert | None:
    """Insert the alert a rule drafted for a station event (None when an equal one is already current)."""
    station = session.get(Station, event.station_id)
    if station is None:
        return None
    found = _current_for_station(session, station.id, draft.kind, now)
    if found is not None and found[0].level == draft.level and found[1] == event.to_state:
        return None  # the same state is already drafted, approved or out
    current = found[0] if found else None
    ewkt = q.station_alert_area(
        session,
        station_id=station.id,
        use_river=draft.target.area == "river_flood_zone",
        buffer_m=draft.target.buffer_m,
        radius_m=draft.target.radius_m,
    )
    params = _params(
        session,
        ewkt=ewkt,
        hazard=draft.hazard,
        time=event.observed_at,
        level=draft.level,
        river=station.river or "",
        station=station.name,
        state=event.to_state,
        water_level_m=event.water_level_m,
        expires=draft.expires_at,
    )
    rendered = render(draft.template, params, languages_for(draft.scope))
    areas = q.wards_touching(session, ewkt=ewkt) if ewkt else []
    alert = Alert(
        kind=draft.kind,
        status=AlertStatus.DRAFT,
        level=draft.level,
        hazard=draft.hazard,
        urgency=draft.urgency,
        severity=draft.severity,
        certainty=draft.certainty,
        scope=draft.scope,
        auto_send=draft.auto_send,
        messages=messages_json(rendered),
        area_codes=[a.code for a in areas],
        geom=geometry_value(ewkt),
        station_event_id=event.id,
        expires_at=draft.expires_at,
    )
    if current is not None and current.status == AlertStatus.SENT and draft.scope == "Public":
        alert.msg_type = "Update"
        alert.references_id = current.id
    session.add(alert)
    if lifecycle.can_auto_send(draft.scope, draft.auto_send):
        lifecycle.transition(alert, "auto_send")
        alert.sent_at = now
    session.flush()
    return alert


def process_pending_events(
    session: Session, rules: RuleSet, *, clock: Clock = utcnow, limit: int = EVENT_BATCH
) -> tuple[int, list[Alert]]:
    """Apply the rules to unprocessed station events (locked, so workers share them): (events seen, drafts)."""
    events = session.scalars(
        select(StationEvent)
        .where(StationEvent.processed_at.is_(None))
        .order_by(StationEvent.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    drafted: list[Alert] = []
    now = clock()
    for event in events:
        for draft in alert_drafts(rules, facts_of(event)):
            alert = draft_for_event(session, event, draft, now)
            if alert is not None:
                drafted.append(alert)
        event.processed_at = now
    session.flush()
    return len(events), drafted


def complete_order_alert(session: Session, alert: Alert, rules: RuleSet, *, clock: Clock = utcnow) -> bool:
    """Fill an evacuation order's alert (area, CAP fields, messages) from the rules; False if no rule fits."""
    order = session.get(EvacuationOrder, alert.order_id) if alert.order_id else None
    level = alert.level or (order.level if order else None)
    hazard = alert.hazard or (order.hazard if order else None)
    facts = EventFacts(source="evacuation_order", kind="issued", observed_at=clock(), order_level=level, hazard=hazard)
    drafts = alert_drafts(rules, facts)
    if not drafts:
        return False
    draft = drafts[0]
    if not alert.area_codes and order is not None:
        alert.area_codes = list(order.area_codes)
    if alert.geom is None:
        ewkt = q.areas_union(session, area_codes=alert.area_codes)
        if ewkt is None and order is not None and order.geom is not None:
            ewkt = session.execute(
                select(func.ST_AsEWKT(EvacuationOrder.geom)).where(EvacuationOrder.id == order.id)
            ).scalar_one_or_none()
        alert.geom = geometry_value(ewkt)
    else:
        ewkt = session.execute(select(func.ST_AsEWKT(Alert.geom)).where(Alert.id == alert.id)).scalar_one_or_none()
    issued = (order.issued_at if order and order.issued_at else None) or clock()
    alert.level, alert.hazard = level, hazard
    alert.urgency, alert.severity, alert.certainty = draft.urgency, draft.severity, draft.certainty
    alert.expires_at = alert.expires_at or issued + (draft.expires_at - facts.observed_at)
    if not alert.messages:
        params = _params(session, ewkt=str(ewkt) if ewkt else None, hazard=hazard, time=issued, level=level)
        alert.messages = messages_json(render(draft.template, params, LANGUAGES))
    session.flush()
    return True


def complete_order_drafts(session: Session, rules: RuleSet, *, clock: Clock = utcnow) -> list[int]:
    """Complete every evacuation-order draft that has no messages yet; returns their ids."""
    alerts = session.scalars(
        select(Alert)
        .where(
            Alert.kind == "evacuation_order", Alert.status == AlertStatus.DRAFT, text("alerts.messages = '{}'::jsonb")
        )
        .with_for_update(skip_locked=True)
    ).all()
    return [a.id for a in alerts if complete_order_alert(session, a, rules, clock=clock)]


def draft_pending(engine: Engine, rules: RuleSet, *, clock: Clock = utcnow) -> int:
    """Draft from every unprocessed station event and complete order drafts, a batch per transaction; how many."""
    total = 0
    while True:
        with transaction(engine) as session:
            seen, drafted = process_pending_events(session, rules, clock=clock)
            complete_order_drafts(session, rules, clock=clock)
            if drafted:
                notify_signs(session)
        total += len(drafted)
        if seen < EVENT_BATCH:
            return total
