"""The map's HTTP routes: page and language negotiation, manifest, service worker, static files, base map."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient
from shapely.geometry import shape

from hub.i18n import LANGUAGES as CODES
from maps import assets
from maps.config import available_endpoints, offline_paths
from tests.conftest import DATA

WARDS = json.loads((DATA / "boundaries/n03_4wards.geojson").read_text("utf-8"))["features"]


def boot_of(html: str) -> dict[str, object]:
    found = re.search(r'<script id="boot" type="application/json">(.*?)</script>', html, re.S)
    assert found
    data: dict[str, object] = json.loads(found.group(1))
    return data


def test_page_language_from_the_browser_or_the_query(client: TestClient) -> None:
    ja = client.get("/", headers={"Accept-Language": "fr-FR,ja;q=0.8,en;q=0.5"})
    assert ja.status_code == 200 and '<html lang="ja" data-lang="ja">' in ja.text
    assert "どこへ避難する？" in ja.text and "Accept-Language" in ja.headers["vary"]
    en = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en"' in en.text and "Where do I go?" in en.text
    assert '<html lang="zh-Hans"' in client.get("/", headers={"Accept-Language": "zh-TW"}).text
    easy = client.get("/", params={"lang": "ja-easy"}, headers={"Accept-Language": "en"})
    assert 'data-lang="ja-easy"' in easy.text and "<ruby>逃<rt>に</rt></ruby>" in easy.text
    assert boot_of(easy.text)["lang"] == "ja-easy"
    assert '<html lang="ja"' in client.get("/", params={"lang": "xx"}, headers={"Accept-Language": "de"}).text


def test_page_loads_nothing_from_other_hosts(client: TestClient) -> None:
    html = client.get("/").text
    loaded = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert loaded and all(url.startswith("/") for url in loaded), loaded


def test_boot_config_names_only_served_endpoints(client: TestClient) -> None:
    config = boot_of(client.get("/").text)["config"]
    assert isinstance(config, dict)
    endpoints = config["endpoints"]
    assert endpoints["shelters"] == "/api/shelters"
    for name, path in endpoints.items():
        if path and "{" not in path and name not in {"webpush", "webpush_delete", "events"}:
            assert client.get(path, params={"lat": 35.6, "lon": 139.7}).status_code != 404, name
    assert config["depth_colours"] == {
        "1": "#F7F5A9",
        "2": "#FFD8C0",
        "3": "#FFB7B7",
        "4": "#FF9191",
        "5": "#F285C9",
        "6": "#DC7ADC",
    }


def test_available_endpoints_matches_path_templates() -> None:
    found = available_endpoints([("/api/stations/{station_code}/readings", {"GET"}), ("/api/orders", {"POST"})])
    assert found["station_readings"] == "/api/stations/{code}/readings"
    assert found["orders"] is None, "a POST route does not make the public GET available"
    assert found["events"] is None


def test_manifest_and_service_worker(client: TestClient) -> None:
    manifest = client.get("/manifest.webmanifest")
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    body = manifest.json()
    assert body["start_url"] == "/" and body["display"] == "standalone"
    for icon in body["icons"]:
        assert client.get(icon["src"]).status_code == 200
    worker = client.get("/sw.js")
    assert worker.headers["service-worker-allowed"] == "/" and worker.headers["cache-control"] == "no-cache"
    assert "__PRECACHE__" not in worker.text and assets.version() in worker.text
    precache = json.loads(re.search(r"const PRECACHE = (\[.*?\]);", worker.text).group(1))  # type: ignore[union-attr]
    assert "/" in precache and "/map/base.geojson" in precache
    for url in precache:
        assert client.get(url).status_code == 200, url


def test_service_worker_keeps_only_public_reads(client: TestClient) -> None:
    """Issue 20: the worker's offline list names public GETs only; staff reads and the live stream are not on it."""
    kept = offline_paths()
    assert {"/api/shelters", "/api/shelters/{id}", "/api/stations/{code}/readings", "/api/point-info"} <= set(kept)
    for staff_or_stream in ("/api/audit", "/api/auth/me", "/api/orders/all", "/api/alerts", "/api/events"):
        assert staff_or_stream not in kept
    worker = client.get("/sw.js").text
    listed = json.loads(re.search(r"const OFFLINE_PATHS = (\[.*?\])\.map", worker).group(1))  # type: ignore[union-attr]
    assert listed == kept and "__OFFLINE_PATHS__" not in worker
    assert 'request.headers.has("Authorization")' in worker, "a request with credentials is never answered or stored"


def test_static_files_and_traversal(client: TestClient) -> None:
    versioned = client.get(f"/static/app.css?v={assets.version()}")
    assert versioned.status_code == 200 and "immutable" in versioned.headers["cache-control"]
    assert client.get("/static/app.css").headers["cache-control"] == "no-cache"
    script = client.get("/static/app.js")
    assert script.headers["content-type"].startswith("text/javascript")
    assert all(f"/* {name} */" in script.text for name in assets.JS_MODULES)
    assert client.get("/static/vendor/leaflet/leaflet.js").status_code == 200
    assert client.get("/static/vendor/leaflet/LICENSE").status_code == 200
    for bad in (
        "/static/../router.py",
        "/static/%2e%2e/router.py",
        "/static/nope.js",
        "/static/vendor/../../router.py",
    ):
        assert client.get(bad).status_code == 404, bad


def test_catalogue_route(client: TestClient) -> None:
    for code in CODES:
        assert client.get(f"/map/i18n/{code}.json").json()["Where do I go?"]
    missing = client.get("/map/i18n/fr.json")
    assert missing.status_code == 404 and "ja-easy" in missing.text


def test_base_map_has_the_wards_and_rivers(client: TestClient) -> None:
    response = client.get("/map/base.geojson")
    assert response.headers["content-type"] == "application/geo+json"
    body = response.json()
    wards = {f["properties"]["code"]: f for f in body["features"] if f["properties"].get("kind") == "ward"}
    assert set(wards) == {f["properties"]["N03_007"] for f in WARDS}
    for source in WARDS:
        original = shape(source["geometry"])
        simplified = shape(wards[source["properties"]["N03_007"]]["geometry"])
        assert abs(simplified.area - original.area) / original.area < 0.01, "simplified, not distorted"
        point = wards[source["properties"]["N03_007"]]["properties"]["label_point"]
        assert original.buffer(1e-4).contains(shape({"type": "Point", "coordinates": point}))
    assert sum(1 for f in body["features"] if f["properties"]["layer"] == "river") == 61
    context = [f["properties"]["name"] for f in body["features"] if f["properties"]["layer"] == "context"]
    assert "大田区" in context and "渋谷区" in context and "港区" not in context
    etag = response.headers["etag"]
    assert client.get("/map/base.geojson", headers={"If-None-Match": etag}).status_code == 304


def test_config_route(client: TestClient) -> None:
    config = client.get("/map/config.json").json()
    west, south, east, north = config["extent"]
    assert 139.6 < west < east < 139.9 and 35.5 < south < north < 35.8
    assert {s["id"] for s in config["official_tiles"]} >= {"gsi-flood-l2", "gsi-storm-surge"}
