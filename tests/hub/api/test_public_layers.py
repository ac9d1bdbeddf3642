"""Public gauges, readings series, hazard zones, flood history and areas."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from hub.stations.models import Reading, Station
from hub.stations.queries import bucket_seconds
from tests.hub.api.public_fixtures import add_zone

#: A gauge of the bundled master with 危険水位 3.78 m, 氾濫開始水位 4.9 m, 観測開始水位 0.99 m (埼玉県).
CODE = "1100000028"
JST = timedelta(hours=9)


def station(db: Session) -> Station:
    return db.scalars(select(Station).where(Station.code == CODE)).one()


def add_readings(db: Session, station_id: int, series: list[tuple[datetime, float]]) -> None:
    db.execute(
        insert(Reading),
        [
            {"station_id": station_id, "observed_at": at, "received_at": at, "water_level_m": level}
            for at, level in series
        ],
    )
    db.flush()


def gauge(client: TestClient, db: Session) -> dict[str, Any]:
    from geoalchemy2.shape import to_shape

    point = to_shape(station(db).location)
    bbox = f"{point.x - 0.0001},{point.y - 0.0001},{point.x + 0.0001},{point.y + 0.0001}"
    [feature] = client.get("/api/stations", params={"bbox": bbox}).json()["features"]
    assert feature["properties"]["code"] == CODE
    properties: dict[str, Any] = feature["properties"]
    return properties


def test_station_without_readings(client: TestClient, db: Session) -> None:
    properties = gauge(client, db)
    assert properties["latest"] is None
    assert properties["band"] is None and properties["alert_level"] is None
    assert properties["stale"] is False
    assert properties["thresholds"] == {"danger": 3.78, "flooding": 4.9}


def test_rising_gauge_over_danger_level(client: TestClient, db: Session) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    series = [(now - timedelta(minutes=10 * i), 3.9 - 0.05 * i) for i in range(6, -1, -1)]
    add_readings(db, station(db).id, series)
    properties = gauge(client, db)
    assert properties["latest"]["water_level_m"] == 3.9
    assert properties["band"] == "danger"
    assert properties["alert_level"] == 4
    assert properties["trend"] == "rising"
    assert properties["stale"] is False
    assert properties["next_threshold"] == {"band": "flooding", "level_m": 4.9}
    level4 = client.get("/api/stations", params={"alert_level_min": 4}).json()["features"]
    assert [f["properties"]["code"] for f in level4] == [CODE]


def test_silent_active_gauge_is_stale(client: TestClient, db: Session) -> None:
    then = datetime.now(UTC) - timedelta(hours=2)
    add_readings(db, station(db).id, [(then - timedelta(minutes=10), 1.5), (then, 1.5)])
    properties = gauge(client, db)
    assert properties["band"] == "normal"
    assert properties["trend"] == "steady"
    assert properties["expected_interval_s"] == 600  # above 観測開始水位: 10-minute mode
    assert properties["stale"] is True


def test_readings_raw_and_downsampled(client: TestClient, db: Session) -> None:
    end = datetime(2026, 9, 30, 15, 0, tzinfo=UTC)  # 2026-10-01 00:00 JST
    start = end - timedelta(days=30)
    series = [(start + timedelta(minutes=10 * i), 1.0 + (i % 37) / 10) for i in range(30 * 144)]
    add_readings(db, station(db).id, series)
    one_day = client.get(
        f"/api/stations/{CODE}/readings",
        params={"from": (end - timedelta(days=1)).isoformat(), "to": end.isoformat()},
    ).json()
    assert one_day["bucket_s"] is None
    assert len(one_day["readings"]) == 144
    assert one_day["readings"][0]["water_level_m"] == series[-144][1]

    month = client.get(f"/api/stations/{CODE}/readings", params={"from": start.isoformat(), "to": end.isoformat()})
    body = month.json()
    assert body["bucket_s"] == bucket_seconds(end - start) == 3600
    assert len(body["readings"]) == 30 * 24
    first_hour = [level for at, level in series if at < start + timedelta(hours=1)]
    bucket = body["readings"][0]
    assert datetime.fromisoformat(bucket["observed_at"]) == start
    assert bucket["water_level_m"] == pytest.approx(statistics.fmean(first_hour))
    assert bucket["water_level_max_m"] == max(first_hour)
    assert bucket["samples"] == 6

    days = client.get(
        f"/api/stations/{CODE}/readings",
        params={"from": (start - timedelta(days=300)).isoformat(), "to": end.isoformat()},
    ).json()
    assert days["bucket_s"] == 12 * 3600
    starts_jst = {(datetime.fromisoformat(r["observed_at"]) + JST).time() for r in days["readings"]}
    assert {(t.hour, t.minute) for t in starts_jst} == {(0, 0), (12, 0)}  # half days of Japan time
    assert sum(r["samples"] for r in days["readings"]) == len(series)


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"from": "2026-09-02T00:00:00+09:00", "to": "2026-09-01T00:00:00+09:00"}, 422),
        ({"from": "2024-01-01T00:00:00+09:00", "to": "2026-01-01T00:00:00+09:00"}, 422),
        ({"from": "2026-09-01T00:00:00"}, 422),
        ({"to": "0001-01-01T00:00:00Z"}, 422),
    ],
)
def test_readings_bad_ranges(client: TestClient, params: dict[str, str], status: int) -> None:
    response = client.get(f"/api/stations/{CODE}/readings", params=params)
    assert response.status_code == status
    assert response.json()["errors"][0]["field"] in {"query.from", "query.to"}


def test_readings_unknown_station(client: TestClient) -> None:
    assert client.get("/api/stations/nope/readings").status_code == 404


def test_hazard_zones_filters(client: TestClient, db: Session) -> None:
    flood = add_zone(db, "flood", kind="river_flood", rank=3, lon=139.7125, lat=35.6055)
    add_zone(db, "flood-l1", kind="river_flood", rank=2, lon=139.7125, lat=35.6055, scenario="計画規模")
    add_zone(db, "surge", kind="storm_surge", rank=2, lon=139.75, lat=35.62)
    everything = client.get("/api/hazard-zones").json()
    assert everything["numberReturned"] == 3
    body = client.get("/api/hazard-zones", params={"kind": "river_flood", "scenario": "想定最大規模"}).json()
    [feature] = body["features"]
    assert feature["id"] == flood.id
    assert feature["properties"]["depth_label"] == "3m以上5m未満"
    assert feature["properties"]["kind_label"] == "洪水浸水想定区域"
    assert feature["geometry"]["type"] == "MultiPolygon"
    inside = client.get("/api/hazard-zones", params={"bbox": "139.74,35.61,139.76,35.63"}).json()
    assert [f["properties"]["kind"] for f in inside["features"]] == ["storm_surge"]
    assert client.get("/api/hazard-zones", params={"bbox": "139.0,35.0,139.1,35.1"}).json()["features"] == []
    coarse = client.get("/api/hazard-zones", params={"kind": "storm_surge", "zoom": 5}).json()["features"][0]
    assert len(coarse["geometry"]["coordinates"][0][0]) == 5
    assert client.get("/api/hazard-zones", params={"kind": "volcano"}).status_code == 422


def test_inundation_by_ward(client: TestClient) -> None:
    body = client.get("/api/inundation", params={"ward": "13109"}).json()
    assert body["numberReturned"] == 19
    towns = {f["properties"]["town_name"] for f in body["features"]}
    assert {"中延二丁目", "二葉四丁目"} <= towns
    cumulative = next(
        f for f in body["features"] if f["properties"]["town_name"] == "中延六丁目" and f["properties"]["above_floor"]
    )
    assert (cumulative["properties"]["above_floor"], cumulative["properties"]["below_floor"]) == (99, 119)
    assert client.get("/api/inundation", params={"ward": "13103"}).json()["features"] == []


def test_areas_simplified_by_zoom(client: TestClient) -> None:
    full = client.get("/api/areas", params={"kind": "ward"}).json()["features"]
    assert sorted(f["properties"]["code"] for f in full) == ["13103", "13108", "13109", "13110"]
    coarse = client.get("/api/areas", params={"kind": "ward", "zoom": 8}).json()["features"]

    def vertices(features: list[dict[str, Any]]) -> int:
        return sum(len(ring) for f in features for polygon in f["geometry"]["coordinates"] for ring in polygon)

    assert vertices(coarse) < vertices(full) / 4
    assert client.get("/api/areas", params={"parent": "13109"}).json()["features"] == []
