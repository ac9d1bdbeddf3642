"""Walking routes through an OSRM-compatible router (a local fake that speaks OSRM's HTTP API v1)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from bosai.web import create_app
from hub.routing.service import RouterUnavailableError, parse_route
from hub.settings import Settings
from tests.fake_osrm import FakeRouterState, haversine_m
from tests.fake_osrm import create_app as create_router
from tests.fakes.server import ThreadedServer, free_port

HOME = (35.6155, 139.7145)  # 戸越銀座 (lat, lon)
SHELTER = (35.6092, 139.7302)  # 品川区役所


@pytest.fixture(scope="module")
def router() -> Iterator[tuple[FakeRouterState, str]]:
    state = FakeRouterState()
    with ThreadedServer(create_router(state)) as server:
        yield state, server.url


def client_for(settings: Settings, engine: Engine, router_url: str | None) -> TestClient:
    return TestClient(create_app(settings.model_copy(update={"walk_router_url": router_url}), engine))


def query(start: tuple[float, float], end: tuple[float, float]) -> dict[str, float]:
    return {"from_lat": start[0], "from_lon": start[1], "to_lat": end[0], "to_lon": end[1]}


def test_route_follows_the_router_in_lon_lat_order(
    settings: Settings, engine: Engine, router: tuple[FakeRouterState, str]
) -> None:
    state, url = router
    with client_for(settings, engine, url) as client:
        r = client.get("/api/route/walk", params=query(HOME, SHELTER))
    assert r.status_code == 200, r.text
    feature = r.json()
    line = feature["geometry"]["coordinates"]
    assert line[0] == pytest.approx([HOME[1], HOME[0]]) and line[-1] == pytest.approx([SHELTER[1], SHELTER[0]])
    assert len(line) == 3  # the router's way, not a straight line
    expected = haversine_m((HOME[1], HOME[0]), (SHELTER[1], HOME[0])) + haversine_m(
        (SHELTER[1], HOME[0]), (SHELTER[1], SHELTER[0])
    )
    assert feature["properties"]["distance_m"] == pytest.approx(expected, abs=0.1)
    assert feature["properties"]["duration_s"] == round(expected / (4.8 / 3.6))
    assert state.requests[-1] == ((HOME[1], HOME[0]), (SHELTER[1], SHELTER[0]))


def test_no_route_is_404_and_a_dead_router_is_502(
    settings: Settings, engine: Engine, router: tuple[FakeRouterState, str]
) -> None:
    state, url = router
    state.unreachable.add((139.7, 35.6))
    with client_for(settings, engine, url) as client:
        assert client.get("/api/route/walk", params=query(HOME, (35.6, 139.7))).status_code == 404
    with client_for(settings, engine, f"http://127.0.0.1:{free_port()}") as client:
        r = client.get("/api/route/walk", params=query(HOME, SHELTER))
    assert r.status_code == 502 and r.headers["content-type"].startswith("application/problem+json")


def test_far_points_and_bad_input_are_refused_before_the_router(
    settings: Settings, engine: Engine, router: tuple[FakeRouterState, str]
) -> None:
    state, url = router
    asked = len(state.requests)
    with client_for(settings, engine, url) as client:
        assert client.get("/api/route/walk", params=query(HOME, (35.0, 139.0))).status_code == 422  # ~95 km
        assert client.get("/api/route/walk", params=query(HOME, (95.0, 139.0))).status_code == 422
        assert client.get("/api/route/walk", params={"from_lat": 35.6}).status_code == 422
    assert len(state.requests) == asked


def test_without_a_router_the_endpoint_is_not_served(settings: Settings, engine: Engine) -> None:
    with client_for(settings, engine, None) as client:
        assert client.get("/api/route/walk", params=query(HOME, SHELTER)).status_code == 404
        assert "/api/route/walk" not in client.get("/openapi.json").json()["paths"]


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"code": "InvalidUrl", "message": "bad"},
        {"code": "Ok", "routes": []},
        {
            "code": "Ok",
            "routes": [{"geometry": {"type": "Point", "coordinates": [1, 2]}, "distance": 1, "duration": 1}],
        },
        {"code": "Ok", "routes": [{"geometry": "polyline6-string", "distance": 1, "duration": 1}]},
    ],
)
def test_unusable_router_answers_are_errors_not_routes(body: object) -> None:
    with pytest.raises(RouterUnavailableError):
        parse_route(body)
