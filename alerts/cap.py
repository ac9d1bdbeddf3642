"""CAP 1.2 messages (one info block per language, areas as polygons) and the Atom index of current alerts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from lxml import etree

from alerts.render import event_name
from hub.i18n import parse_language

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
CAP_MEDIA_TYPE = "application/cap+xml"
ATOM_MEDIA_TYPE = "application/atom+xml"
TOKYO = ZoneInfo("Asia/Tokyo")
SENDER_NAME = "Bosai Hub"
CATEGORIES = {
    "flood": "Met",
    "inland_flood": "Met",
    "storm_surge": "Met",
    "landslide": "Geo",
    "earthquake": "Geo",
    "tsunami": "Geo",
    "volcano": "Geo",
    "large_fire": "Fire",
}
#: Polygons are simplified to about 20 m before publication (CAP consumers choke on huge polygons).
POLYGON_TOLERANCE_DEG = 0.0002
GEOCODE_NAME = "JIS X 0402"


@dataclass(frozen=True)
class CapAlert:
    """Everything a CAP message says, already loaded from the database."""

    identifier: str
    sent: datetime
    msg_type: str
    scope: str
    kind: str
    hazard: str | None
    level: int | None
    urgency: str
    severity: str
    certainty: str
    expires: datetime | None
    messages: Mapping[str, Any]
    area_desc: str
    area_codes: Sequence[str]
    geometry: Mapping[str, Any] | None
    web: str
    references: Sequence[tuple[str, datetime]] = ()


def cap_time(moment: datetime) -> str:
    """CAP dateTime: seconds precision with an explicit offset (Tokyo time; 'Z' is not allowed)."""
    return moment.astimezone(TOKYO).replace(microsecond=0).isoformat()


def sender_of(public_url: str) -> str:
    """The CAP sender: an address at the hub's own host."""
    return f"bosai-hub@{urlsplit(public_url).hostname or 'localhost'}"


def cap_identifier(identifier: str) -> str:
    """A CAP identifier (no spaces, commas or < &)."""
    return f"urn:uuid:{identifier}"


def polygons(geometry: Mapping[str, Any] | None) -> list[str]:
    """CAP polygons ('lat,lon' pairs, first = last) of every outer ring of a (Multi)Polygon."""
    if not geometry:
        return []
    kind, coords = geometry.get("type"), geometry.get("coordinates") or []
    parts = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else []
    out = []
    for polygon in parts:
        ring = polygon[0] if polygon else []
        if len(ring) < 4:
            continue
        out.append(" ".join(f"{lat:.5f},{lon:.5f}" for lon, lat in ring))
    return out


def _el(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    node = etree.SubElement(parent, f"{{{CAP_NS}}}{name}")
    if text is not None:
        node.text = text
    return node


def _response_type(alert: CapAlert) -> str:
    if alert.msg_type == "Cancel":
        return "AllClear"
    return "Evacuate" if (alert.level or 0) >= 3 and alert.scope == "Public" else "Monitor"


def build_cap(alert: CapAlert, *, sender: str) -> bytes:
    """The CAP 1.2 XML of an alert: one info block per language, areas as polygons and ward geocodes."""
    root = etree.Element(f"{{{CAP_NS}}}alert", nsmap={None: CAP_NS})
    _el(root, "identifier", cap_identifier(alert.identifier))
    _el(root, "sender", sender)
    _el(root, "sent", cap_time(alert.sent))
    _el(root, "status", "Actual")
    _el(root, "msgType", alert.msg_type)
    _el(root, "scope", alert.scope)
    if alert.scope == "Restricted":
        _el(root, "restriction", "ward disaster staff only")
    if alert.references:
        refs = " ".join(f"{sender},{cap_identifier(i)},{cap_time(t)}" for i, t in alert.references)
        _el(root, "references", refs)
    for language, message in alert.messages.items():
        found = parse_language(language)
        if not isinstance(message, Mapping) or found is None:
            continue
        info = _el(root, "info")
        _el(info, "language", found.cap_tag)
        _el(info, "category", CATEGORIES.get(alert.hazard or "", "Safety"))
        _el(info, "event", event_name(alert.kind, found))
        _el(info, "responseType", _response_type(alert))
        _el(info, "urgency", alert.urgency)
        _el(info, "severity", alert.severity)
        _el(info, "certainty", alert.certainty)
        if alert.expires is not None:
            _el(info, "expires", cap_time(alert.expires))
        _el(info, "senderName", SENDER_NAME)
        _el(info, "headline", str(message.get("title", "")))
        _el(info, "description", str(message.get("body", "")))
        _el(info, "web", alert.web)
        if alert.level is not None:
            parameter = _el(info, "parameter")
            _el(parameter, "valueName", "警戒レベル")
            _el(parameter, "value", str(alert.level))
        area = _el(info, "area")
        _el(area, "areaDesc", alert.area_desc or "—")
        for ring in polygons(alert.geometry):
            _el(area, "polygon", ring)
        for code in alert.area_codes:
            geocode = _el(area, "geocode")
            _el(geocode, "valueName", GEOCODE_NAME)
            _el(geocode, "value", code)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


@lru_cache
def cap_schema(path: Path) -> etree.XMLSchema:
    """The OASIS CAP 1.2 XML Schema."""
    return etree.XMLSchema(etree.parse(str(path)))


def validate_cap(xml: bytes, schema_path: Path) -> list[str]:
    """Schema errors of a CAP document (empty when valid)."""
    schema = cap_schema(schema_path)
    document = etree.fromstring(xml)
    if schema.validate(document):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


@dataclass(frozen=True)
class FeedEntry:
    """One current alert in the Atom index."""

    identifier: str
    title: str
    summary: str
    updated: datetime
    cap_url: str
    page_url: str


def build_atom(entries: Sequence[FeedEntry], *, feed_url: str, title: str, now: datetime | None = None) -> bytes:
    """An Atom feed of current alerts, each linking its CAP message."""
    updated = max((e.updated for e in entries), default=now or datetime.now(UTC))
    feed = etree.Element(f"{{{ATOM_NS}}}feed", nsmap={None: ATOM_NS})

    def sub(parent: etree._Element, name: str, text: str | None = None, **attrs: str) -> etree._Element:
        node = etree.SubElement(parent, f"{{{ATOM_NS}}}{name}", attrs)
        if text is not None:
            node.text = text
        return node

    sub(feed, "id", feed_url)
    sub(feed, "title", title)
    sub(feed, "updated", updated.astimezone(UTC).isoformat())
    sub(sub(feed, "author"), "name", SENDER_NAME)
    sub(feed, "link", rel="self", href=feed_url, type=ATOM_MEDIA_TYPE)
    for entry in entries:
        item = sub(feed, "entry")
        sub(item, "id", cap_identifier(entry.identifier))
        sub(item, "title", entry.title)
        sub(item, "updated", entry.updated.astimezone(UTC).isoformat())
        sub(item, "summary", entry.summary)
        sub(item, "link", rel="alternate", href=entry.cap_url, type=CAP_MEDIA_TYPE)
        sub(item, "link", rel="related", href=entry.page_url, type="text/html")
    return bytes(etree.tostring(feed, xml_declaration=True, encoding="UTF-8", pretty_print=True))
