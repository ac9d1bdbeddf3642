"""GET /api/shelters filters, checked against Shapely and plain Python on the same real data."""

from __future__ import annotations

import json
import random

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import box, shape

from tests.conftest import DATA

EMERGENCY = json.loads((DATA / "shelters/gsi_designated_emergency_evacuation_sites_4wards.geojson").read_text("utf-8"))
SHELTERS = json.loads((DATA / "shelters/gsi_designated_shelters_4wards.geojson").read_text("utf-8"))
WARDS = {
    f["properties"]["N03_007"]: shape(f["geometry"])
    for f in json.loads((DATA / "boundaries/n03_4wards.geojson").read_text("utf-8"))["features"]
}
GSI = EMERGENCY["features"] + SHELTERS["features"]


def gsi_ids(response: dict[str, object]) -> set[str]:
    features = response["features"]
    assert isinstance(features, list)
    return {f["properties"]["source_id"] for f in features if f["properties"]["source_id"].startswith("E")}


def test_hazard_filter_returns_exactly_the_flagged_sites(client: TestClient) -> None:
    for hazard, column in [("flood", "洪水"), ("inland_flood", "内水氾濫"), ("storm_surge", "高潮")]:
        response = client.get("/api/shelters", params={"hazard": hazard})
        assert response.status_code == 200
        expected = {f["properties"]["共通ID"] for f in EMERGENCY["features"] if f["properties"][column] == "1"}
        assert expected and gsi_ids(response.json()) == expected
        assert all(hazard in f["properties"]["hazards"] for f in response.json()["features"])


def test_kind_filter(client: TestClient) -> None:
    body = client.get("/api/shelters", params={"kind": "designated_shelter"}).json()
    assert gsi_ids(body) == {f["properties"]["共通ID"] for f in SHELTERS["features"]}
    wide = client.get("/api/shelters", params={"kind": "wide_area_site"}).json()
    assert len(wide["features"]) == 10  # 品川区 広域避難場所


@pytest.mark.parametrize("seed", range(5))
def test_random_bboxes_match_shapely(client: TestClient, seed: int) -> None:
    rng = random.Random(seed)
    x, y = rng.uniform(139.68, 139.82), rng.uniform(35.58, 35.68)
    bounds = (x, y, x + rng.uniform(0.01, 0.06), y + rng.uniform(0.01, 0.06))
    body = client.get("/api/shelters", params={"bbox": ",".join(f"{v:.6f}" for v in bounds)}).json()
    area = box(*(round(v, 6) for v in bounds))
    expected = {f["properties"]["共通ID"] for f in GSI if area.intersects(shape(f["geometry"]))}
    assert gsi_ids(body) == expected


def test_area_filter_matches_ward_polygon(client: TestClient) -> None:
    body = client.get("/api/shelters", params={"area": "13110", "hazard": "flood"}).json()
    expected = {
        f["properties"]["共通ID"]
        for f in EMERGENCY["features"]
        if f["properties"]["洪水"] == "1" and WARDS["13110"].intersects(shape(f["geometry"]))
    }
    assert expected and gsi_ids(body) == expected


def test_status_filter(client: TestClient) -> None:
    assert client.get("/api/shelters", params={"status": "open"}).json()["features"] == []
    everything = client.get("/api/shelters", params={"status": "closed"}).json()
    assert len(everything["features"]) == 111 + 413 + 62 + 165


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"hazard": "zombies"}, "query.hazard"),
        ({"kind": "castle"}, "query.kind"),
        ({"bbox": "1,2,3"}, None),
        ({"bbox": "139.8,35.7,139.7,35.6"}, None),
    ],
)
def test_bad_filters_get_problem_json(client: TestClient, params: dict[str, str], field: str | None) -> None:
    response = client.get("/api/shelters", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == 422
    if field:
        assert [e["field"] for e in problem["errors"]] == [field]
    else:
        assert "bbox" in problem["detail"]


def test_public_features_carry_no_staff_fields(client: TestClient) -> None:
    feature = client.get("/api/shelters", params={"kind": "designated_shelter"}).json()["features"][0]
    assert "status_changed_by" not in feature["properties"]
    assert feature["geometry"]["type"] == "Point"
