"""GET /healthz names the failing dependency."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from bosai.web import create_app
from hub.db import make_engine
from hub.settings import Settings
from tests.fakes.server import free_port


def test_ok_when_database_and_broker_answer(settings: Settings, engine: Engine) -> None:
    with TestClient(create_app(settings, engine)) as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}, "failing": []}


def test_503_names_the_broker_when_it_is_down(settings: Settings, engine: Engine) -> None:
    down = settings.model_copy(update={"mqtt_url": f"mqtt://127.0.0.1:{free_port()}"})
    with TestClient(create_app(down, engine)) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]
    assert response.json()["checks"]["database"] == "ok"


def test_503_names_the_database_when_it_is_down(settings: Settings) -> None:
    url = f"postgresql+psycopg://postgres:secret-pw@127.0.0.1:{free_port()}/bosai"
    bad_engine = make_engine(url)
    try:
        with TestClient(create_app(settings.model_copy(update={"database_url": url}), bad_engine)) as client:
            response = client.get("/healthz")
    finally:
        bad_engine.dispose()
    assert response.status_code == 503
    assert response.json()["failing"] == ["database"]
    assert "secret-pw" not in response.text
