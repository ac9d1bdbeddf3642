"""GET /api/point-info: hazard depth, floods here and near, orders covering the place, suitable shelters."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hub.areas.models import Area
from hub.hazards.models import InundationRecord
from hub.orders.models import EvacuationOrder
from hub.shelters.models import Shelter
from tests.hub.api.public_fixtures import add_zone, square
from tests.hub.api.test_public_shelters import brute_force, places

LAT, LON = 35.6055, 139.7125  # 品川区, near 中延


@pytest.fixture
def place(db: Session) -> None:
    """Hazard zones, a town block, mapped floods and orders around the place."""
    add_zone(db, "here-flood", kind="river_flood", rank=4, lon=LON, lat=LAT)
    add_zone(db, "here-inland", kind="inland_flood", rank=2, lon=LON, lat=LAT)
    add_zone(db, "elsewhere", kind="storm_surge", rank=3, lon=139.75, lat=35.62)
    db.add(
        Area(
            code="131090999",
            kind="town_block",
            name="品川区中延三丁目",
            parent_code="13109",
            geom=square(LON, LAT, 0.002),
        )
    )
    cumulative = select(InundationRecord).where(InundationRecord.event_name.startswith("累計"))
    records = {r.town_name: r for r in db.scalars(cumulative)}
    records["中延二丁目"].geom = square(LON + 0.0005, LAT, 0.001)  # type: ignore[assignment]
    records["二葉一丁目"].geom = square(LON, LAT + 0.0035, 0.0005)  # type: ignore[assignment]
    records["二葉四丁目"].geom = square(LON, LAT + 0.03, 0.0005)  # type: ignore[assignment]
    now = datetime.now(UTC)
    db.add_all(
        [
            EvacuationOrder(level=4, hazard="flood", status="issued", area_codes=["13109"], issued_at=now),
            EvacuationOrder(level=5, hazard="flood", status="issued", area_codes=["13103"], issued_at=now),
            EvacuationOrder(level=5, hazard="flood", status="draft", area_codes=["13109"]),
            EvacuationOrder(level=3, hazard="flood", status="issued", geom=square(LON, LAT, 0.0001), issued_at=now),
        ]
    )
    db.flush()


@pytest.mark.usefixtures("place")
def test_point_info(client: TestClient, db: Session) -> None:
    suitable = db.scalars(
        select(Shelter.id).where(Shelter.hazards.contains(["flood", "inland_flood"])).order_by(Shelter.id)
    ).all()
    opened = suitable[::3]
    db.execute(update(Shelter).where(Shelter.id.in_(opened)).values(status="open"))
    db.flush()

    body = client.get("/api/point-info", params={"lat": LAT, "lon": LON}).json()
    assert [a["code"] for a in body["areas"]] == ["13109", "131090999"]
    assert body["deepest_ranks"] == {"inland_flood": 2, "river_flood": 4}
    flood = next(h for h in body["hazards"] if h["kind"] == "river_flood")
    assert flood["depth_label"] == "5m以上10m未満"

    history = body["flood_history"]
    here = sorted((r["town_name"], r["event_name"][:2]) for r in history["here"])
    assert here == [("中延三丁目", "20"), ("中延三丁目", "累計"), ("中延二丁目", "累計")]  # by polygon or by name
    assert [(r["town_name"], r["event_name"][:2]) for r in history["nearby"]] == [("二葉一丁目", "累計")]
    assert 250 < history["nearby"][0]["distance_m"] < 400
    unmapped = [(r["town_name"], r["event_name"][:2]) for r in history["in_ward"]]
    assert ("二葉四丁目", "20") in unmapped
    assert ("二葉四丁目", "累計") not in unmapped  # mapped and 3 km away: not shown
    assert len(unmapped) == 19 - 3 - 1 - 1

    assert [(o["level"], o["area_codes"]) for o in body["orders"]] == [(4, ["13109"]), (3, [])]
    assert all("drafted_by" not in o for o in body["orders"])

    assert body["shelter_hazards"] == ["flood", "inland_flood"]
    everything = places(db)
    open_ones = [p for p in everything if p.id in set(opened)]
    assert [round(f["properties"]["distance_m"], 1) for f in body["shelters"]] == [
        round(d, 1) for d in brute_force(open_ones, LAT, LON, 3)
    ]
    assert all(f["properties"]["status"] == "open" for f in body["shelters"])
    any_status = [p for p in everything if p.id in set(suitable)]
    assert [round(f["properties"]["distance_m"], 1) for f in body["sites"]] == [
        round(d, 1) for d in brute_force(any_status, LAT, LON, 3)
    ]


@pytest.mark.usefixtures("place")
def test_point_info_for_a_chosen_hazard(client: TestClient) -> None:
    body = client.get("/api/point-info", params={"lat": LAT, "lon": LON, "hazard": "earthquake"}).json()
    assert body["shelter_hazards"] == ["earthquake"]
    assert body["shelters"] == []  # nothing is open
    assert all("earthquake" in f["properties"]["hazards"] for f in body["sites"])


def test_point_info_outside_the_wards(client: TestClient) -> None:
    body = client.get("/api/point-info", params={"lat": 43.0, "lon": 141.3}).json()
    assert body["areas"] == [] and body["hazards"] == [] and body["orders"] == []
    assert body["flood_history"] == {"here": [], "nearby": [], "in_ward": []}
    assert len(body["sites"]) == 3


def test_point_info_bad_input(client: TestClient) -> None:
    response = client.get("/api/point-info", params={"lat": "north", "lon": 139.7})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.lat"
