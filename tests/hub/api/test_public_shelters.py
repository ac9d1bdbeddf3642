"""Public shelter reads: nearest against a geodesic brute force on the real data, filters, one shelter, caching."""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from pyproj import Geod
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hub.shelters.models import Shelter
from hub.shelters.nearest import first_candidates, min_metres_per_degree, ranking_is_exact

GEOD = Geod(ellps="WGS84")
WARDS_BBOX = (139.66, 35.57, 139.86, 35.71)
#: The API rounds distances to 0.1 m.
ROUNDING_M = 0.051


@dataclass(frozen=True)
class Place:
    """A shelter as the brute force sees it."""

    id: int
    lon: float
    lat: float
    hazards: frozenset[str]
    status: str


def places(db: Session) -> list[Place]:
    """Every shelter with its coordinates, read back from PostGIS."""
    from geoalchemy2.shape import to_shape

    return [
        Place(s.id, to_shape(s.location).x, to_shape(s.location).y, frozenset(s.hazards), s.status)
        for s in db.scalars(select(Shelter))
    ]


def geodesic_m(lat: float, lon: float, place: Place) -> float:
    """WGS 84 geodesic distance in metres (Karney, pyproj)."""
    return float(GEOD.inv(lon, lat, place.lon, place.lat)[2])


def brute_force(candidates: list[Place], lat: float, lon: float, limit: int) -> list[float]:
    """The `limit` smallest distances."""
    return sorted(geodesic_m(lat, lon, p) for p in candidates)[:limit]


@pytest.mark.parametrize("seed", range(12))
def test_nearest_matches_geodesic_brute_force(client: TestClient, db: Session, seed: int) -> None:
    rng = random.Random(seed)
    lat, lon = rng.uniform(WARDS_BBOX[1], WARDS_BBOX[3]), rng.uniform(WARDS_BBOX[0], WARDS_BBOX[2])
    hazard = rng.choice([None, "flood", "earthquake", "storm_surge", "inland_flood", "tsunami", "large_fire"])
    limit = rng.choice([1, 3, 10, 50])
    params: dict[str, str | int | float] = {"lat": lat, "lon": lon, "limit": limit}
    if hazard:
        params["hazard"] = hazard
    response = client.get("/api/shelters/nearest", params=params)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    features = response.json()["features"]
    everything = {p.id: p for p in places(db)}
    eligible = [p for p in everything.values() if hazard is None or hazard in p.hazards]
    expected = brute_force(eligible, lat, lon, limit)
    got = [f["properties"]["distance_m"] for f in features]
    assert len(got) == len(expected) == min(limit, len(eligible))
    assert got == sorted(got)
    for distance, want in zip(got, expected, strict=True):
        assert abs(distance - want) < ROUNDING_M
    for feature in features:
        place = everything[feature["id"]]
        assert abs(geodesic_m(lat, lon, place) - feature["properties"]["distance_m"]) < ROUNDING_M
        assert hazard is None or hazard in feature["properties"]["hazards"]


def test_nearest_open_only_skips_closed_and_full(client: TestClient, db: Session) -> None:
    ids = db.scalars(select(Shelter.id).where(Shelter.hazards.any_() == "flood").order_by(Shelter.id)).all()
    opened, full = ids[::5], ids[1::5]
    db.execute(update(Shelter).where(Shelter.id.in_(opened)).values(status="open"))
    db.execute(update(Shelter).where(Shelter.id.in_(full)).values(status="full"))
    db.flush()
    lat, lon = 35.62, 139.73
    body = client.get(
        "/api/shelters/nearest", params={"lat": lat, "lon": lon, "hazard": "flood", "open_only": "true", "limit": 5}
    ).json()
    eligible = [p for p in places(db) if p.id in set(opened)]
    assert [round(f["properties"]["distance_m"], 1) for f in body["features"]] == [
        round(d, 1) for d in brute_force(eligible, lat, lon, 5)
    ]
    assert {f["properties"]["status"] for f in body["features"]} == {"open"}


def _add(db: Session, name: str, lat: float, lon: float) -> Shelter:
    shelter = Shelter(
        source="test",
        source_id=f"test:{name}",
        name=name,
        location=f"SRID=4326;POINT({lon!r} {lat!r})",
        kinds=["designated_emergency_site"],
        hazards=["flood"],
    )
    db.add(shelter)
    return shelter


def test_nearest_in_metres_not_in_degrees_even_past_the_first_candidates(client: TestClient, db: Session) -> None:
    """A degree of longitude is 0.81 of a degree of latitude here: KNN by degrees alone gets this wrong."""
    lat, lon = 34.0, 133.0  # far from the bundled data
    _, _, metres_per_deg_lat = GEOD.inv(lon, lat, lon, lat + 1)
    north = [
        _add(db, f"north-{i}", lat + (850 + i) / abs(metres_per_deg_lat), lon) for i in range(first_candidates(1) + 5)
    ]
    east_lon = GEOD.fwd(lon, lat, 90, 800)[0]
    east = _add(db, "east", lat, east_lon)
    db.flush()
    farthest_north_deg = (850 + len(north)) / abs(metres_per_deg_lat)
    assert east_lon - lon > farthest_north_deg  # east is nearest in metres but farthest in degrees
    body = client.get("/api/shelters/nearest", params={"lat": lat, "lon": lon, "limit": 1}).json()
    assert [f["id"] for f in body["features"]] == [east.id]
    assert body["features"][0]["properties"]["distance_m"] == pytest.approx(800, abs=0.1)


def test_ranking_bound() -> None:
    assert ranking_is_exact(fetched=3, asked=20, nth_distance_m=9e9, last_deg=0.1, lat=35)
    bound = 0.01 * min_metres_per_degree(35.6, 0.01)
    assert 890 < bound < 910  # a degree of longitude at ~36.6° is ~89.4 km
    assert ranking_is_exact(fetched=20, asked=20, nth_distance_m=bound - 1, last_deg=0.01, lat=35.6)
    assert not ranking_is_exact(fetched=20, asked=20, nth_distance_m=bound + 1, last_deg=0.01, lat=35.6)
    assert not ranking_is_exact(fetched=20, asked=20, nth_distance_m=1.0, last_deg=0.01, lat=70.0)


def test_one_shelter_and_unknown_id(client: TestClient, db: Session) -> None:
    shelter = db.scalars(select(Shelter).where(Shelter.source_id == "E1310900037201")).one()
    body = client.get(f"/api/shelters/{shelter.id}").json()
    assert body["type"] == "Feature"
    assert body["properties"]["name"] == "大井第一小学校"
    assert body["geometry"]["coordinates"] == pytest.approx([139.730713, 35.598705])
    missing = client.get("/api/shelters/2000000000")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")


def test_crowding_and_status_label(client: TestClient, db: Session) -> None:
    shelter = db.scalars(select(Shelter).where(Shelter.kinds.any_() == "designated_shelter").limit(1)).one()
    shelter.capacity, shelter.occupancy, shelter.status = 200, 170, "open"
    db.flush()
    properties = client.get(f"/api/shelters/{shelter.id}").json()["properties"]
    assert properties["crowding"]["key"] == "crowded"
    assert properties["crowding"]["label"] == "混雑"
    assert properties["status_label"] == "開設"
    listed = client.get("/api/shelters", params={"status": "open"}).json()["features"]
    assert [f["id"] for f in listed] == [shelter.id]


def test_paging_and_unknown_area(client: TestClient) -> None:
    everything = client.get("/api/shelters").json()["features"]
    page = client.get("/api/shelters", params={"limit": 10, "offset": 20}).json()
    assert [f["id"] for f in page["features"]] == [f["id"] for f in everything[20:30]]
    assert page["numberReturned"] == 10
    response = client.get("/api/shelters", params={"area": "99999"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.area"


def test_etag_and_304(client: TestClient, db: Session) -> None:
    first = client.get("/api/shelters", params={"kind": "wide_area_site"})
    etag = first.headers["etag"]
    assert etag.startswith('"') and "max-age" in first.headers["cache-control"]
    again = client.get("/api/shelters", params={"kind": "wide_area_site"}, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    shelter_id = first.json()["features"][0]["id"]
    db.execute(update(Shelter).where(Shelter.id == shelter_id).values(status="open"))
    db.flush()
    changed = client.get("/api/shelters", params={"kind": "wide_area_site"}, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lat": "95", "lon": "139.7"}, "query.lat"),
        ({"lat": "35.6"}, "query.lon"),
        ({"lat": "35.6", "lon": "139.7", "limit": "0"}, "query.limit"),
        ({"lat": "35.6", "lon": "139.7", "hazard": "meteor"}, "query.hazard"),
    ],
)
def test_nearest_bad_input(client: TestClient, params: dict[str, str], field: str) -> None:
    response = client.get("/api/shelters/nearest", params=params)
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]
