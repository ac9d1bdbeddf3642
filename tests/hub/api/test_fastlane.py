"""The nearest lane: plainly valid reads answered exactly as the route would answer them, the rest left to it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from starlette.types import Message, Receive, Scope, Send

from bosai.web import create_app
from hub.api.fastlane import NearestLane, NearestParams, parse_nearest
from hub.api.lane_pool import APPLICATION_NAME, LanePool, dollar_sql
from hub.models import HAZARDS, SHELTER_KINDS
from hub.queries_public import Rows, RowsQuery
from hub.settings import Settings
from tests.conftest import LiveServer

Answer = tuple[int, list[tuple[str, str]], bytes]
#: Around the four wards, where the bundled shelters are.
LATS = st.floats(min_value=35.50, max_value=35.76)
LONS = st.floats(min_value=139.60, max_value=139.92)


@pytest.fixture(scope="module")
def servers(settings: Settings, engine: Engine) -> Iterator[tuple[LiveServer, LiveServer]]:
    """The hub over real HTTP twice on the committed demo data: with the lane, and with the route only."""
    lane = LiveServer(create_app(settings.model_copy(update={"nearest_lane": True}), engine))
    route = LiveServer(create_app(settings.model_copy(update={"nearest_lane": False}), engine))
    lane.start()
    route.start()
    yield lane, route
    lane.stop()
    route.stop()


def answer(server: LiveServer, query: str, method: str = "GET", **headers: str) -> Answer:
    """Status, headers (all but Date, in order) and body of one nearest request."""
    response = httpx.request(method, f"{server.url}/api/shelters/nearest?{query}", headers=headers, timeout=10)
    kept = [(name, value) for name, value in response.headers.multi_items() if name != "date"]
    return response.status_code, kept, response.content


def decimal_text(value: float) -> str:
    return f"{value:.6f}"


VALUES: dict[str, st.SearchStrategy[str]] = {
    "lat": st.one_of(
        LATS.map(decimal_text),
        LATS.map(repr),
        st.sampled_from(["1e1", " 35.6", "+35.6", "nan", "", "90.5", "-90", "035.60", "35,6"]),
    ),
    "lon": st.one_of(LONS.map(decimal_text), st.sampled_from(["139.7e0", "180.0001", "-180", "abc", ""])),
    "hazard": st.sampled_from([*HAZARDS, "bogus", "", "FLOOD"]),
    "kind": st.sampled_from([*SHELTER_KINDS, "school", ""]),
    "limit": st.sampled_from(["1", "3", "5", "50", "05", "0", "51", "-1", "2.0", "x"]),
    "open_only": st.sampled_from(["true", "false", "1", "0", "yes", "TRUE", ""]),
    "extra": st.just("1"),
}


PLAIN: dict[str, st.SearchStrategy[str]] = {
    "hazard": st.sampled_from(HAZARDS),
    "kind": st.sampled_from(SHELTER_KINDS),
    "limit": st.integers(1, 50).map(str),
    "open_only": st.sampled_from(["true", "false"]),
}


@st.composite
def plain_queries(draw: st.DrawFn) -> str:
    """Plainly valid query strings: what the lane answers itself."""
    names = draw(st.lists(st.sampled_from(list(PLAIN)), unique=True))
    pairs = [f"lat={draw(LATS.map(decimal_text))}", f"lon={draw(LONS.map(repr))}"]
    pairs += [f"{name}={draw(PLAIN[name])}" for name in names]
    return "&".join(draw(st.permutations(pairs)))


@st.composite
def odd_queries(draw: st.DrawFn) -> str:
    """Query strings the route may take or refuse: missing, unknown, repeated or encoded parameters, bad values."""
    names = draw(st.lists(st.sampled_from(list(VALUES)), unique=True, max_size=len(VALUES)))
    if draw(st.booleans()):
        names = ["lat", "lon", *[name for name in names if name not in ("lat", "lon")]]
    pairs = [f"{name}={draw(VALUES[name])}" for name in names]
    if pairs and draw(st.integers(0, 9)) == 0:
        pairs.append(pairs[0])  # repeated
    if pairs and draw(st.integers(0, 9)) == 0:
        pairs[-1] = pairs[-1].replace("=", "=%3", 1).replace("%3", "%33", 1)  # percent-encoded
    return "&".join(pairs)


@given(query=st.one_of(plain_queries(), odd_queries()))
@hypothesis_settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_lane_answers_exactly_as_the_route(servers: tuple[LiveServer, LiveServer], query: str) -> None:
    lane, route = servers
    assert answer(lane, query) == answer(route, query)


def test_plainly_valid_reads_are_answered_by_the_lane_with_the_same_bytes_etag_and_304(
    servers: tuple[LiveServer, LiveServer], engine: Engine
) -> None:
    lane, route = servers
    query = "lat=35.6055&lon=139.7125&hazard=flood&limit=5"
    status, headers, body = answer(lane, query)
    assert status == 200 and body.startswith(b'{"type":"FeatureCollection"')
    assert (status, headers, body) == answer(route, query)
    etag = dict(headers)["etag"]
    assert answer(lane, query, **{"If-None-Match": etag}) == answer(route, query, **{"If-None-Match": etag})
    assert answer(lane, query, **{"If-None-Match": etag})[0] == 304
    head = answer(lane, query, method="HEAD")
    assert head == answer(route, query, method="HEAD") and head[0] == 405  # the route takes GET only
    sql = "SELECT query FROM pg_stat_activity WHERE application_name = :name AND datname = current_database()"
    with engine.connect() as conn:
        lane_reads: list[str] = list(conn.execute(text(sql), {"name": APPLICATION_NAME}).scalars())
        assert any("candidates" in sql for sql in lane_reads)  # the lane's own pool ran the nearest query


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("lat=35.6&lon=139.7", NearestParams(35.6, 139.7)),
        (
            "lon=-139.7&lat=-35.6&hazard=flood&kind=designated_shelter&limit=50&open_only=true",
            NearestParams(-35.6, -139.7, "flood", "designated_shelter", 50, True),
        ),
        ("lat=90&lon=-180&open_only=false&limit=1", NearestParams(90.0, -180.0, limit=1)),
    ],
)
def test_plainly_valid_parameters_are_read_as_the_route_reads_them(query: str, expected: NearestParams) -> None:
    assert parse_nearest(query.encode()) == expected


@pytest.mark.parametrize(
    "query",
    [
        "",
        "lat=35.6",
        "lat=35.6&lon=139.7&lat=35.7",
        "lat=35.6&lon=139.7&hazard=",
        "lat=35.6&lon=139.7&hazard=tornado",
        "lat=35.6&lon=139.7&limit=0",
        "lat=35.6&lon=139.7&limit=51",
        "lat=35.6&lon=139.7&limit=05",
        "lat=35.6&lon=139.7&open_only=1",
        "lat=3.56e1&lon=139.7",
        "lat=35.6&lon=%3139.7",
        "lat=+35.6&lon=139.7",
        "lat=90.1&lon=139.7",
        "lat=35.6&lon=139.7&callback=x",
        "lat=35.6&lon=139.7&flag",
    ],
)
def test_anything_unusual_is_left_to_the_route(query: str) -> None:
    assert parse_nearest(query.encode()) is None


def test_a_failed_lane_read_is_answered_by_the_route() -> None:
    """With its database unreachable, the lane hands the request on before sending anything."""
    answered: list[str] = []

    async def route(scope: Scope, receive: Receive, send: Send) -> None:
        answered.append(scope["query_string"].decode())
        await send({"type": "http.response.start", "status": 503, "headers": []})
        await send({"type": "http.response.body", "body": b"from the route"})

    unreachable = LanePool(make_url("postgresql://postgres@127.0.0.1:9/nowhere"), max_size=1)
    lane = NearestLane(route, pool=unreachable)
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: dict[str, Any] = {
        "type": "http",
        "method": "GET",
        "path": "/api/shelters/nearest",
        "query_string": b"lat=35.6&lon=139.7",
        "headers": [],
    }
    asyncio.run(lane(scope, receive, send))
    assert answered == ["lat=35.6&lon=139.7"]
    assert [m.get("status") for m in sent] == [503, None] and sent[1]["body"] == b"from the route"


def test_rate_limits_apply_to_the_lane(settings: Settings, engine: Engine) -> None:
    limited = settings.model_copy(
        update={"nearest_lane": True, "rate_limits": {"login": "10/minute", "public": "2/minute"}}
    )
    with TestClient(create_app(limited, engine)) as client:
        statuses = [client.get("/api/shelters/nearest?lat=35.6&lon=139.7").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_postgresql_cancels_a_lane_statement_that_runs_too_long(engine: Engine) -> None:
    def slow() -> RowsQuery[Rows]:
        rows = yield "SELECT pg_sleep(:s) AS slept", {"s": 2.0}
        return rows

    async def scenario() -> None:
        pool = LanePool(engine.url, max_size=1, statement_timeout_ms=100)
        try:
            with pytest.raises(asyncpg.QueryCanceledError):
                await pool.query(slow())
        finally:
            await pool.close()

    asyncio.run(scenario())


def test_statements_take_asyncpg_parameters_in_order_of_first_use() -> None:
    sql, names = dollar_sql("SELECT :b AS b, s.location::geography, :a AS a, :b AS again FROM shelters s")
    assert sql == "SELECT $1 AS b, s.location::geography, $2 AS a, $1 AS again FROM shelters s"
    assert names == ("b", "a")
