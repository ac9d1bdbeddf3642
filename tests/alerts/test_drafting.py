"""Drafting: station events through the rules into alerts with areas and five-language messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from alerts.drafting import complete_order_drafts, process_pending_events
from alerts.models import Alert
from alerts.rules import default_rules
from hub.orders.models import EvacuationOrder
from hub.shelters.models import Shelter
from hub.stations.models import Station, StationEvent
from tests.alerts.conftest import GAUGE, make_gauge

NOW = datetime(2026, 9, 1, 3, 0, tzinfo=UTC)


def add_event(
    session: Session,
    station: Station,
    from_state: str,
    to_state: str,
    level: int | None,
    kind: str = "level",
    minutes: int = 0,
) -> StationEvent:
    event = StationEvent(
        station_id=station.id,
        kind=kind,
        from_state=from_state,
        to_state=to_state,
        alert_level=level,
        water_level_m=2.6,
        observed_at=NOW + timedelta(minutes=minutes),
    )
    session.add(event)
    session.flush()
    return event


def open_nearest_flood_shelter(session: Session) -> Shelter:
    shelter = session.scalars(
        select(Shelter)
        .where(Shelter.hazards.any_() == "flood")
        .order_by(
            func.ST_Distance(Shelter.location, func.ST_SetSRID(func.ST_MakePoint(GAUGE["lon"], GAUGE["lat"]), 4326))
        )
        .limit(1)
    ).one()
    shelter.status = "open"
    session.flush()
    return shelter


def test_danger_event_drafts_a_level_4_alert_for_the_rivers_zone(db: Session) -> None:
    station = make_gauge(db)
    shelter = open_nearest_flood_shelter(db)
    event = add_event(db, station, "evacuation", "danger", 4)
    seen, drafted = process_pending_events(db, default_rules(), clock=lambda: NOW)
    assert seen >= 1
    [alert] = [a for a in drafted if a.station_event_id == event.id]
    assert (alert.status, alert.level, alert.hazard, alert.scope, alert.kind) == (
        "draft",
        4,
        "flood",
        "Public",
        "river_level",
    )
    assert "13109" in alert.area_codes  # Shinagawa
    assert alert.expires_at == NOW + timedelta(hours=6)
    assert set(alert.messages) == {"ja", "ja-easy", "en", "zh-Hans", "ko"}
    assert not any(m.get("fallback") for m in alert.messages.values())
    assert shelter.name in alert.messages["ja"]["body"]
    assert "太鼓橋" in alert.messages["ja"]["title"]
    # the area follows the river: the gauge is inside, a point 3 km away from the river is not
    inside: bool = db.execute(
        text("SELECT ST_Intersects(geom, ST_SetSRID(ST_MakePoint(:x, :y), 4326)) FROM alerts WHERE id = :i"),
        {"x": GAUGE["lon"], "y": GAUGE["lat"], "i": alert.id},
    ).scalar_one()
    far: bool = db.execute(
        text("SELECT ST_Intersects(geom, ST_SetSRID(ST_MakePoint(139.80, 35.66), 4326)) FROM alerts WHERE id = :i"),
        {"i": alert.id},
    ).scalar_one()
    assert inside and not far
    assert db.get(StationEvent, event.id).processed_at == NOW  # type: ignore[union-attr]


def test_the_same_state_is_not_drafted_twice_and_a_higher_one_updates_the_sent_alert(db: Session) -> None:
    station = make_gauge(db)
    add_event(db, station, "evacuation", "danger", 4)
    _, [first] = process_pending_events(db, default_rules(), clock=lambda: NOW)
    add_event(db, station, "danger", "danger", 4, minutes=10)
    _, again = process_pending_events(db, default_rules(), clock=lambda: NOW)
    assert again == []
    first.status = "sent"
    add_event(db, station, "danger", "flooding", 5, minutes=20)
    _, [higher] = process_pending_events(db, default_rules(), clock=lambda: NOW)
    assert (higher.level, higher.msg_type, higher.references_id) == (5, "Update", first.id)


def test_staff_notices_are_sent_without_an_approver_and_never_public(db: Session) -> None:
    station = make_gauge(db)
    add_event(db, station, "standby", "caution", 2)
    _, [notice] = process_pending_events(db, default_rules(), clock=lambda: NOW)
    assert (notice.status, notice.scope, notice.sent_at) == ("sent", "Restricted", NOW)
    assert set(notice.messages) == {"ja", "en"}


def test_an_issued_order_gets_its_messages_area_and_cap_fields(db: Session) -> None:
    order = EvacuationOrder(level=4, hazard="flood", status="issued", area_codes=["13109"], issued_at=NOW)
    db.add(order)
    db.flush()
    alert = Alert(
        kind="evacuation_order", status="draft", level=4, hazard="flood", area_codes=["13109"], order_id=order.id
    )
    db.add(alert)
    db.flush()
    assert alert.id in complete_order_drafts(db, default_rules(), clock=lambda: NOW)
    assert (alert.urgency, alert.severity, alert.certainty) == ("Immediate", "Severe", "Likely")
    assert alert.expires_at == NOW + timedelta(hours=12)
    assert "品川区" in alert.messages["ja"]["title"] and "避難指示" in alert.messages["ja"]["title"]
    assert "Shinagawa" in alert.messages["en"]["title"] or "品川区" in alert.messages["en"]["title"]
    assert alert.geom is not None
