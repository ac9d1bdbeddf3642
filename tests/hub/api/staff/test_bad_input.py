"""Hostile input answers 4xx problem+json and writes nothing (issue 20, 'Low: 5xx on bad input').

Alert text and expiry are attacked in tests/alerts/test_bad_input.py (they need the job queue)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.audit.models import AuditEntry
from hub.hazards.models import HazardZone
from hub.orders.models import EvacuationOrder
from hub.shelters.models import Shelter
from tests.hub.api.staff.conftest import MakeStaff

#: Deep enough to overflow any recursive parser (Python's json, shapely, GeoJSON walkers).
DEEP = 100_000
#: A CSV field past the csv module's default 128 KiB field limit, well inside the 5 MiB body limit.
HUGE_FIELD = 4 * 1024 * 1024
SQUARE = [[[139.70, 35.60], [139.71, 35.60], [139.71, 35.61], [139.70, 35.61], [139.70, 35.60]]]


@dataclass(frozen=True)
class Attack:
    """One hostile request: who sends it and how."""

    role: str | None
    send: Callable[[TestClient, dict[str, str]], Any]


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


def _order(geometry: Any, reason: str | None = None) -> Callable[[TestClient, dict[str, str]], Any]:
    body = {"level": 4, "hazard": "flood", "geometry": geometry, "reason": reason}
    return lambda client, headers: client.post("/api/orders", json=body, headers=headers)


def _raw_order(text: str) -> Callable[[TestClient, dict[str, str]], Any]:
    content = '{"level": 4, "hazard": "flood", "geometry": ' + text + "}"
    json_type = {"Content-Type": "application/json"}
    return lambda client, headers: client.post("/api/orders", content=content, headers=headers | json_type)


def _upload(kind: str, name: str, content: bytes) -> Callable[[TestClient, dict[str, str]], Any]:
    return lambda client, headers: client.post(
        f"/api/imports/{kind}", files={"file": (name, io.BytesIO(content))}, headers=headers
    )


def _get(path: str) -> Callable[[TestClient, dict[str, str]], Any]:
    return lambda client, headers: client.get(path)


def _zone_geojson(properties: dict[str, Any]) -> bytes:
    feature = {"type": "Feature", "properties": properties, "geometry": {"type": "Polygon", "coordinates": SQUARE}}
    return json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()


ATTACKS: dict[str, Attack] = {
    "nul-in-geojson-properties": Attack(
        "coordinator",
        _order(
            {"type": "Feature", "properties": {"name": "\x00"}, "geometry": {"type": "Polygon", "coordinates": SQUARE}}
        ),
    ),
    "deep-geojson-order": Attack("coordinator", _raw_order('{"type": "Polygon", "coordinates": ' + _deep(DEEP) + "}")),
    "deep-geojson-upload": Attack(
        "admin",
        _upload("hazard", "deep.geojson", ('{"type": "FeatureCollection", "features": ' + _deep(DEEP) + "}").encode()),
    ),
    "nul-in-uploaded-geojson-properties": Attack(
        "admin", _upload("hazard", "nul.geojson", _zone_geojson({"depth_rank": 1, "name": "a\x00b"}))
    ),
    "huge-csv-field": Attack(
        "admin",
        _upload(
            "shelters",
            "huge.csv",
            ("施設・場所名,住所,緯度,経度\r\n" + "x" * HUGE_FIELD + ",品川区,35.6,139.7\r\n").encode(),
        ),
    ),
    "ogc-bad-datetime": Attack(None, _get("/ogcapi/collections/shelters/items?datetime=not-a-date")),
    "ogc-datetime-year-0": Attack(None, _get("/ogcapi/collections/shelters/items?datetime=0000-01-01T00:00:00Z")),
    "ogc-six-number-bbox": Attack(None, _get("/ogcapi/collections/shelters/items?bbox=139,35,0,140,36,100")),
    "ogc-huge-offset": Attack(None, _get(f"/ogcapi/collections/shelters/items?offset={10**20}")),
}


def written(db: Session) -> tuple[int, ...]:
    """Counts of every table an attack could write."""
    return tuple(
        db.scalar(select(func.count()).select_from(model)) or 0
        for model in (EvacuationOrder, HazardZone, Shelter, AuditEntry)
    )


@pytest.mark.parametrize("name", list(ATTACKS))
def test_hostile_input_is_a_4xx_problem_and_writes_nothing(
    client: TestClient, db: Session, make_staff: MakeStaff, name: str
) -> None:
    attack = ATTACKS[name]
    headers = make_staff(attack.role).headers if attack.role else {}
    before = written(db)
    response = attack.send(client, headers)
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:500])
    assert response.headers["content-type"] == "application/problem+json"
    assert written(db) == before
