"""Cross-cutting HTTP behaviour: problem+json shapes, body size limit, CORS, public rate limit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bosai.web import create_app
from hub.api.deps import get_reader, get_session
from hub.api.reader import Reader
from hub.settings import Settings
from tests.hub.api.staff.conftest import MakeStaff

ORIGIN = "https://bosai.city.example"


@pytest.fixture
def guarded(settings: Settings, engine: Engine, db: Session) -> Iterator[TestClient]:
    """The app with a small body limit, one CORS origin and a tight public limit."""
    custom = settings.model_copy(
        update={
            "max_body_bytes": 1000,
            "cors_origins": [ORIGIN],
            "rate_limits": {"login": "10/minute", "public": "5/hour"},
        }
    )
    app = create_app(custom, engine)
    app.dependency_overrides[get_session] = lambda: db
    app.dependency_overrides[get_reader] = lambda: Reader(db)
    with TestClient(app) as client:
        yield client


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/api/no-such-thing", 404), ("DELETE", "/api/orders", 405), ("GET", "/api/auth/me", 401)],
)
def test_errors_are_problem_json(client: TestClient, method: str, path: str, status: int) -> None:
    response = client.request(method, path)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status and problem["title"] and problem["type"]
    assert problem["instance"] == path


def test_body_too_large_by_length_and_by_stream(guarded: TestClient, make_staff: MakeStaff) -> None:
    headers = make_staff("coordinator").headers
    big = {"level": 4, "hazard": "flood", "area_codes": ["13109"], "reason": "x" * 2000}
    response = guarded.post("/api/orders", json=big, headers=headers)
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert "1000 bytes" in response.json()["detail"]

    def chunks() -> Iterator[bytes]:
        yield b'{"level": 4, "hazard": "flood", "area_codes": ["13109"], "reason": "'
        for _ in range(20):
            yield b"y" * 100
        yield b'"}'

    streamed = guarded.post("/api/orders", content=chunks(), headers=headers | {"Content-Type": "application/json"})
    assert streamed.status_code == 413
    small = guarded.post("/api/orders", json=big | {"reason": "ok"}, headers=headers)
    assert small.status_code == 201


def test_cors_only_for_configured_origins(guarded: TestClient) -> None:
    allowed = guarded.options("/api/orders", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"})
    assert allowed.headers["access-control-allow-origin"] == ORIGIN
    denied = guarded.options(
        "/api/orders", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in denied.headers
    simple = guarded.get("/api/orders", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in simple.headers


def test_no_cors_headers_without_configured_origins(client: TestClient) -> None:
    response = client.get("/api/orders", headers={"Origin": ORIGIN})
    assert "access-control-allow-origin" not in response.headers


def test_public_rate_limit_spares_staff(guarded: TestClient, make_staff: MakeStaff) -> None:
    statuses = [guarded.get("/api/orders").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    limited = guarded.get("/api/orders")
    assert limited.headers["content-type"] == "application/problem+json"
    assert int(limited.headers["retry-after"]) > 0
    # Staff with a validly signed token are not counted against the anonymous public bucket; a made-up one is.
    assert guarded.get("/api/orders", headers=make_staff("viewer").headers).status_code == 200
    assert guarded.get("/api/orders", headers={"Authorization": "Bearer made.up.token"}).status_code == 429
