"""CAP 1.2 messages valid against the OASIS schema, and the Atom index of current alerts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from lxml import etree
from sqlalchemy import text
from sqlalchemy.orm import Session

from alerts.cap import CAP_NS, validate_cap
from alerts.drafting import process_pending_events
from alerts.models import Alert
from alerts.rules import default_rules
from tests.alerts.conftest import CAP_XSD, add_danger_event, make_gauge

NS = {"cap": CAP_NS, "atom": "http://www.w3.org/2005/Atom"}
NOW = datetime.now(UTC).replace(microsecond=0)


def sent_river_alert(db: Session) -> Alert:
    station = make_gauge(db)
    add_danger_event(db, station, at=NOW)
    _, [alert] = process_pending_events(db, default_rules(), clock=lambda: NOW)
    alert.status, alert.sent_at = "sent", NOW
    db.flush()
    return alert


def test_bundled_examples_validate_so_the_validator_is_real() -> None:
    example = (CAP_XSD.parent / "examples" / "oasis-cap12-a2-severe-thunderstorm-warning.xml").read_bytes()
    assert validate_cap(example, CAP_XSD) == []
    broken = example.replace(b"<urgency>Immediate</urgency>", b"<urgency>Soon</urgency>")
    assert validate_cap(broken, CAP_XSD)


def test_cap_of_a_sent_alert_is_valid_with_one_info_per_language_and_polygons(client: TestClient, db: Session) -> None:
    alert = sent_river_alert(db)
    response = client.get(f"/api/alerts/{alert.id}.cap")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/cap+xml")
    assert validate_cap(response.content, CAP_XSD) == []
    doc = etree.fromstring(response.content)
    assert doc.findtext("cap:identifier", namespaces=NS) == f"urn:uuid:{alert.identifier}"
    assert doc.findtext("cap:msgType", namespaces=NS) == "Alert"
    languages = [i.findtext("cap:language", namespaces=NS) for i in doc.findall("cap:info", NS)]
    assert languages == ["ja-JP", "ja-JP-x-easy", "en", "zh-Hans", "ko"]
    events = [i.findtext("cap:event", namespaces=NS) for i in doc.findall("cap:info", NS)]
    assert events[0] == "河川水位情報" and events[2] == "River water level information"  # each info in its language
    polygons = doc.findall("cap:info/cap:area/cap:polygon", NS)
    assert polygons
    assert polygons[0].text is not None
    first = polygons[0].text.split()
    assert first[0] == first[-1] and len(first) >= 4
    lat, lon = map(float, first[0].split(","))
    assert 35.4 < lat < 35.8 and 139.6 < lon < 139.95  # lat,lon order as CAP wants
    codes = {v.text for v in doc.findall("cap:info/cap:area/cap:geocode/cap:value", NS)}
    assert "13109" in codes
    assert doc.findtext("cap:info/cap:urgency", namespaces=NS) == "Immediate"


def test_update_and_cancel_reference_the_original(client: TestClient, db: Session) -> None:
    alert = sent_river_alert(db)
    update = Alert(
        kind=alert.kind,
        status="sent",
        msg_type="Cancel",
        references_id=alert.id,
        level=4,
        hazard="flood",
        messages=alert.messages,
        area_codes=alert.area_codes,
        sent_at=NOW + timedelta(minutes=5),
    )
    db.add(update)
    db.flush()
    body = client.get(f"/api/alerts/{update.id}.cap").content
    assert validate_cap(body, CAP_XSD) == []
    doc = etree.fromstring(body)
    assert doc.findtext("cap:msgType", namespaces=NS) == "Cancel"
    references = doc.findtext("cap:references", namespaces=NS)
    assert references is not None and f"urn:uuid:{alert.identifier}" in references
    assert references.startswith("bosai-hub@hub.example.org,")


def test_drafts_and_staff_notices_are_not_published(client: TestClient, db: Session) -> None:
    alert = sent_river_alert(db)
    alert.status = "draft"
    db.flush()
    assert client.get(f"/api/alerts/{alert.id}.cap").status_code == 404
    alert.status, alert.scope = "sent", "Restricted"
    db.flush()
    assert client.get(f"/api/alerts/{alert.id}.cap").status_code == 404
    assert client.get("/api/alerts/999999999.cap").status_code == 404


def test_atom_lists_current_public_alerts_linking_their_cap(client: TestClient, db: Session) -> None:
    db.execute(text("UPDATE alerts SET status = 'expired' WHERE status = 'sent'"))
    alert = sent_river_alert(db)
    old = sent_river_alert(db)
    old.expires_at = NOW - timedelta(minutes=1)
    db.flush()
    response = client.get("/api/alerts.atom")
    assert response.status_code == 200 and "atom+xml" in response.headers["content-type"]
    feed = etree.fromstring(response.content)
    entries = feed.findall("atom:entry", NS)
    assert [e.findtext("atom:id", namespaces=NS) for e in entries] == [f"urn:uuid:{alert.identifier}"]
    link = entries[0].find("atom:link[@rel='alternate']", NS)
    assert link is not None and link.get("type") == "application/cap+xml"
    assert link.get("href") == f"http://hub.example.org/api/alerts/{alert.id}.cap"
