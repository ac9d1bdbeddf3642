"""The console's page, config and static files, and its message catalogues (no browser)."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient

from console.config import ENDPOINTS, available_endpoints, normalise
from console.router import STATIC_DIR

CATALOGUES = STATIC_DIR / "i18n"
#: t("key") and tOr("key", …) calls with a literal key in the scripts.
LITERAL_KEY = re.compile(r"\bt(?:Or)?\(\"([a-z0-9_.]+)\"")


def test_page_headers_forbid_cdns_framing_and_referrers(client: TestClient) -> None:
    for path in ("/staff", "/staff/s/eyJhbGciOiJIUzI1NiJ9.e30.sig"):
        response = client.get(path)
        assert response.status_code == 200
        assert '<script type="module" src="/staff/static/js/app.js?v=' in response.text
        policy = response.headers["content-security-policy"]
        assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy and "https:" not in policy
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["cache-control"] == "no-store"
    assert "__VERSION__" not in client.get("/staff").text
    assert client.get("/staff/", follow_redirects=False).headers["location"] == "/staff"


def test_no_external_urls_in_the_page_or_scripts() -> None:
    for path in STATIC_DIR.rglob("*"):
        if path.suffix in {".html", ".js", ".css"}:
            text = path.read_text("utf-8")
            assert not re.search(r"https?://", text), f"{path.name} loads something from outside the hub"


def test_config_names_the_endpoints_the_hub_serves(client: TestClient) -> None:
    config = client.get("/staff/config.json").json()
    endpoints = config["endpoints"]
    assert set(endpoints) == set(ENDPOINTS)
    for name in ("login", "me", "shelters", "shelter_status", "shelter_occupancy", "order_draft", "order_approve"):
        assert endpoints[name] == ENDPOINTS[name][1], name
    assert endpoints["order_targets"] == "/api/orders/preview-targets"
    assert endpoints["import_shelters_preview"] == "/api/imports/shelters/preview"
    assert config["shelter_transitions"]["closed"] == ["open", "opening"]
    assert config["permissions"]["order.approve"] == ["approver"]
    assert [level["key"] for level in config["crowding"]["levels"]][-1] == "full"


def test_endpoint_matching_is_by_method_and_template() -> None:
    routes = [("/api/orders/{order_id}/approve", {"POST"}), ("/api/shelters", {"GET"})]
    found = available_endpoints(routes, ["/opendata"])
    assert found["order_approve"] == "/api/orders/{}/approve"
    assert found["shelters"] == "/api/shelters"
    assert found["shelter"] is None and found["order_issue"] is None
    assert found["opendata"] == "/opendata/"
    assert normalise("/staff/static/{path:path}") == "/staff/static/{}"


def test_static_files_stay_inside_the_package(client: TestClient) -> None:
    assert client.get("/staff/static/js/app.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/staff/static/i18n/ja.json").json()["app.title"] == "防災ハブ 職員コンソール"
    for path in ("../router.py", "..%2Frouter.py", "js/../../router.py", "nope.js"):
        assert client.get(f"/staff/static/{path}").status_code == 404, path


def test_catalogues_have_the_same_keys_and_every_literal_key() -> None:
    ja = json.loads((CATALOGUES / "ja.json").read_text("utf-8"))
    en = json.loads((CATALOGUES / "en.json").read_text("utf-8"))
    assert set(ja) == set(en)
    assert all(value.strip() for value in [*ja.values(), *en.values()])
    used = {key for path in STATIC_DIR.rglob("*.js") for key in LITERAL_KEY.findall(path.read_text("utf-8"))}
    assert used, "no keys found: the pattern is wrong"
    assert sorted(used - set(ja)) == []
    for key, text in ja.items():
        assert set(re.findall(r"\{(\w+)\}", text)) == set(re.findall(r"\{(\w+)\}", en[key])), key
