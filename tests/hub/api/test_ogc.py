"""OGC API – Features at /ogcapi: read by GDAL (ogrinfo / ogr2ogr over real HTTP) and checked endpoint by endpoint."""

from __future__ import annotations

import json
import re
import subprocess

from fastapi.testclient import TestClient
from shapely.geometry import Point, box
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.opendata.ogcapi import COLLECTIONS
from hub.settings import Settings
from hub.shelters.models import Shelter
from tests.conftest import LiveServer
from tests.hub.api.test_public_shelters import places

#: Seconds GDAL may take for one command against the local server.
GDAL_TIMEOUT_S = 120


def gdal(*args: str) -> str:
    done = subprocess.run(list(args), capture_output=True, text=True, timeout=GDAL_TIMEOUT_S, check=True)
    return done.stdout


def test_ogrinfo_lists_every_collection(live_server: LiveServer) -> None:
    out = gdal("ogrinfo", "-ro", "-q", f"OAPIF:{live_server.url}/ogcapi")
    assert re.findall(r"^\d+: (\S+)", out, re.MULTILINE) == list(COLLECTIONS)


def test_ogrinfo_summary_of_shelters(live_server: LiveServer) -> None:
    out = gdal("ogrinfo", "-ro", "-al", "-so", f"OAPIF:{live_server.url}/ogcapi", "shelters")
    assert "Geometry: Point" in out
    assert "Feature Count: 751" in out
    fields = set(re.findall(r"^(\w+): (?:String|Integer|Real|DateTime|Integer64)", out, re.MULTILINE))
    assert {"name", "hazards", "status", "occupancy"} <= fields
    assert not fields & {"status_changed_by", "attributes", "version"}


def test_ogr2ogr_reads_features_with_a_bbox(live_server: LiveServer, db: Session) -> None:
    bounds = (139.70, 35.60, 139.74, 35.63)
    out = gdal(
        "ogr2ogr", "-f", "GeoJSON", "/vsistdout/", "-spat", *map(str, bounds),
        f"OAPIF:{live_server.url}/ogcapi", "shelters",
    )  # fmt: skip
    features = json.loads(out)["features"]
    expected = {p.id for p in places(db) if box(*bounds).intersects(Point(p.lon, p.lat))}
    assert len(features) == len(expected) > 100  # more than one page of the server
    names = {s.id: s.name for s in db.scalars(select(Shelter).where(Shelter.id.in_(expected)))}
    assert sorted(f["properties"]["name"] for f in features) == sorted(names.values())


def test_ogr2ogr_reads_flood_history_without_geometry(live_server: LiveServer) -> None:
    out = gdal("ogr2ogr", "-f", "GeoJSON", "/vsistdout/", f"OAPIF:{live_server.url}/ogcapi", "inundation")
    features = json.loads(out)["features"]
    assert len(features) == 19
    assert {f["properties"]["town_name"] for f in features} >= {"中延二丁目", "二葉四丁目"}
    assert "geom" not in features[0]["properties"]


def test_landing_conformance_collections(client: TestClient) -> None:
    landing = client.get("/ogcapi")
    assert landing.status_code == 200
    rels = {link["rel"] for link in landing.json()["links"]}
    assert {"self", "conformance", "data"} <= rels
    conformance = client.get("/ogcapi/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conformance
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in conformance
    collections = client.get("/ogcapi/collections").json()["collections"]
    assert [c["id"] for c in collections] == list(COLLECTIONS)
    assert client.get("/ogcapi/collections/stations").json()["extent"]["spatial"]["bbox"][0][0] < 130
    openapi = client.get("/ogcapi/openapi?f=json")
    assert openapi.status_code == 200
    assert "/collections/shelters/items" in openapi.json()["paths"]


def test_items_paging_and_single_item(client: TestClient) -> None:
    page = client.get("/ogcapi/collections/shelters/items", params={"limit": 5, "offset": 10}).json()
    assert page["numberMatched"] == 751 and page["numberReturned"] == 5
    assert [f["id"] for f in page["features"]] == list(range(11, 16))
    assert {link["rel"] for link in page["links"]} >= {"next", "prev", "self"}
    one = client.get("/ogcapi/collections/shelters/items/11")
    assert one.status_code == 200 and one.headers["etag"]
    assert one.json()["properties"]["name"] == page["features"][0]["properties"]["name"]
    assert client.get("/ogcapi/collections/shelters/items/999999").status_code == 404
    assert client.get("/ogcapi/collections/shelters/items/abc").status_code == 404
    assert client.get("/ogcapi/collections/nothing/items").status_code == 404


def test_staff_columns_are_out_of_reach(client: TestClient) -> None:
    url = "/ogcapi/collections/shelters/items"
    assert client.get(url, params={"properties": "status_changed_by"}).status_code == 400
    assert client.get(url, params={"sortby": "status_changed_by"}).status_code == 400
    ignored = client.get(url, params={"status_changed_by": "nobody", "limit": 1}).json()
    assert ignored["numberMatched"] == 751  # not a filter: the column is not in the view
    queryables = client.get("/ogcapi/collections/shelters/queryables").json()["properties"]
    assert "status_changed_by" not in queryables and "name" in queryables


def test_links_use_the_public_url_whatever_the_host_header(client: TestClient, settings: Settings) -> None:
    public = settings.public_url
    for path in ("/ogcapi", "/ogcapi/collections", "/ogcapi/collections/shelters/items?limit=2"):
        poisoned = client.get(path, headers={"Host": "evil.example"})
        assert poisoned.status_code == 200
        hrefs = [link["href"] for link in poisoned.json()["links"]]
        assert hrefs and all(href.startswith(public) for href in hrefs), hrefs
        assert "evil.example" not in poisoned.text
        assert [link["href"] for link in client.get(path).json()["links"]] == hrefs  # the same for every Host
