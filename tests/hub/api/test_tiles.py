"""Vector tiles: decoded with mapbox-vector-tile, they hold exactly the features inside the tile."""

from __future__ import annotations

import math
import typing
from typing import Any

import mapbox_vector_tile
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from hub.tiles.api import Layer
from hub.tiles.queries import BUFFER, EXTENT, LAYERS
from tests.hub.api.public_fixtures import add_zone
from tests.hub.api.test_public_shelters import places

RADIUS = 6378137.0
HALF = math.pi * RADIUS


def mercator(lon: float, lat: float) -> tuple[float, float]:
    """EPSG:3857 metres."""
    return math.radians(lon) * RADIUS, math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) * RADIUS


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """XYZ tile indices of a point."""
    x, y = mercator(lon, lat)
    size = 2 * HALF / 2**z
    return int((x + HALF) // size), int((HALF - y) // size)


def tile_pixel(lon: float, lat: float, z: int, x: int, y: int) -> tuple[float, float]:
    """Position in tile units, y up (mapbox-vector-tile's default when decoding)."""
    mx, my = mercator(lon, lat)
    size = 2 * HALF / 2**z
    left, top = -HALF + x * size, HALF - y * size
    return (mx - left) / size * EXTENT, EXTENT - (top - my) / size * EXTENT


def decode(client: TestClient, url: str) -> dict[str, Any]:
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    decoded: dict[str, Any] = mapbox_vector_tile.decode(response.content)
    return decoded


def test_layer_names_match_the_queries() -> None:
    assert set(typing.get_args(Layer)) == set(LAYERS)


@pytest.mark.parametrize(("lon", "lat", "z"), [(139.7125, 35.6055, 14), (139.74, 35.63, 13), (139.70, 35.64, 15)])
def test_shelter_tile_holds_the_shelters_inside(
    client: TestClient, db: Session, lon: float, lat: float, z: int
) -> None:
    x, y = tile_of(lon, lat, z)
    tile = decode(client, f"/tiles/shelters/{z}/{x}/{y}.mvt")
    everything = {p.id: p for p in places(db)}
    inside = set()
    for place in everything.values():
        px, py = (round(v) for v in tile_pixel(place.lon, place.lat, z, x, y))  # PostGIS snaps to the grid first
        if -BUFFER <= px <= EXTENT + BUFFER and -BUFFER <= py <= EXTENT + BUFFER:
            inside.add(place.id)
    features = tile["shelters"]["features"] if inside else []
    assert isinstance(features, list)
    assert {f["id"] for f in features} == inside
    assert inside, "the sample tiles are chosen to hold shelters"
    for feature in features:
        place = everything[feature["id"]]
        fx, fy = tile_pixel(place.lon, place.lat, z, x, y)
        gx, gy = feature["geometry"]["coordinates"]
        assert abs(gx - fx) <= 1 and abs(gy - fy) <= 1
        assert feature["properties"]["status"] == place.status
        assert set(feature["properties"]) >= {"name", "kinds", "hazards", "status", "occupancy"}  # nulls are left out
        assert "status_changed_by" not in feature["properties"]


def test_hazard_zone_tile_and_filter(client: TestClient, db: Session) -> None:
    zone = add_zone(db, "tile", kind="river_flood", rank=3, lon=139.7125, lat=35.6055)
    add_zone(db, "tile-surge", kind="storm_surge", rank=2, lon=139.7125, lat=35.6055, half=0.001)
    for z in (9, 12, 16):  # simplified copies at low zooms, full geometry above
        x, y = tile_of(139.7125, 35.6055, z)
        tile = decode(client, f"/tiles/hazard-zones/{z}/{x}/{y}.mvt")
        layer = tile["hazard-zones"]
        assert isinstance(layer, dict)
        assert {f["properties"]["kind"] for f in layer["features"]} == {"river_flood", "storm_surge"}
        flood = next(f for f in layer["features"] if f["id"] == zone.id)
        assert flood["properties"]["depth_rank"] == 3
        assert flood["geometry"]["type"] == "Polygon"
        only = decode(client, f"/tiles/hazard-zones/{z}/{x}/{y}.mvt?filter=storm_surge")["hazard-zones"]
        assert isinstance(only, dict)
        assert [f["properties"]["kind"] for f in only["features"]] == ["storm_surge"]


def test_area_and_river_tiles(client: TestClient, db: Session) -> None:
    x, y = tile_of(139.73, 35.61, 11)
    areas = decode(client, f"/tiles/areas/11/{x}/{y}.mvt")["areas"]
    assert isinstance(areas, dict)
    assert {"13109"} <= {f["properties"]["code"] for f in areas["features"]}
    rivers = decode(client, f"/tiles/rivers/11/{x}/{y}.mvt")
    assert rivers and all(
        f["geometry"]["type"] in {"LineString", "MultiLineString"} for f in rivers["rivers"]["features"]
    )


def test_empty_tile_and_bad_coordinates(client: TestClient) -> None:
    empty = client.get("/tiles/shelters/10/0/0.mvt")
    assert empty.status_code == 200 and empty.content == b""
    assert client.get("/tiles/shelters/3/8/0.mvt").json()["errors"][0]["field"] == "path.x"
    assert client.get("/tiles/shelters/23/0/0.mvt").status_code == 422
    assert client.get("/tiles/volcanoes/3/0/0.mvt").status_code == 422
    assert client.get("/tiles/rivers/3/0/0.mvt?filter=x").json()["errors"][0]["field"] == "query.filter"


def test_tile_etag(client: TestClient) -> None:
    x, y = tile_of(139.7125, 35.6055, 14)
    first = client.get(f"/tiles/shelters/14/{x}/{y}.mvt")
    again = client.get(f"/tiles/shelters/14/{x}/{y}.mvt", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert "max-age=15" in first.headers["cache-control"]  # shelters change while a disaster unfolds
