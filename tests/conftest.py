"""Shared fixtures: a real PostGIS test database with the demo data, rolled-back sessions, app clients."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bosai import migrate
from hub.api.deps import get_reader, get_session
from hub.api.reader import Reader
from hub.db import create_database_if_missing, drop_database_if_exists, make_engine
from hub.demo import load_demo
from hub.settings import Settings
from tests.fakes.server import ThreadedServer, free_port

pytest_plugins = ["tests.browser", "tests.throwaway", "tests.machine_guard"]

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"
TEST_DATABASE_URL = os.environ.get("BOSAI_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bosai_test")


def fresh_database(url: str) -> None:
    """Drop and re-create the database of the URL, with PostGIS."""
    drop_database_if_exists(url)
    create_database_if_missing(url)


@contextmanager
def scratch_database(suffix: str, *, create: bool = True) -> Iterator[str]:
    """The URL of a database of its own, `<test database>_<suffix>`: fresh with PostGIS (or absent), dropped after."""
    url = make_url(TEST_DATABASE_URL)
    scratch = url.set(database=f"{url.database}_{suffix}").render_as_string(hide_password=False)
    if create:
        fresh_database(scratch)
    else:
        drop_database_if_exists(scratch)
    try:
        yield scratch
    finally:
        drop_database_if_exists(scratch)


@pytest.fixture(scope="session")
def settings() -> Settings:
    """Settings pointing at the test database and the local broker.

    Every browser test logs in from 127.0.0.1 on the one session server, dozens a minute on a quiet machine: the
    login limit here is generous; the limit itself is tested on apps of its own (test_auth, test_http_guards).
    """
    return Settings(
        database_url=TEST_DATABASE_URL,
        data_dir=DATA,
        jwt_secret="test-secret-not-for-production",
        rate_limits=Settings().rate_limits | {"login": "600/minute"},
    )


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Iterator[Engine]:
    """A freshly migrated test database holding the bundled demo data (committed once)."""
    fresh_database(settings.database_url)
    migrate.upgrade(settings.database_url)
    eng = make_engine(settings.database_url, pool_size=10)
    load_demo(eng, DATA)
    yield eng
    eng.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    with engine.connect() as conn:
        outer = conn.begin()
        try:
            yield conn
        finally:
            outer.rollback()


@pytest.fixture
def db(connection: Connection) -> Iterator[Session]:
    """A session whose commits become savepoints of the rolled-back test transaction."""
    with Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False) as session:
        yield session


@pytest.fixture
def app(settings: Settings, engine: Engine) -> FastAPI:
    """The full web application on the test database."""
    from bosai.web import create_app

    return create_app(settings, engine)


@pytest.fixture
def client(app: FastAPI, db: Session) -> Iterator[TestClient]:
    """An HTTP client of the app whose database work is rolled back after the test."""

    def session_override() -> Iterator[Session]:
        yield db

    app.dependency_overrides[get_session] = session_override

    app.dependency_overrides[get_reader] = lambda: Reader(db)
    with TestClient(app) as test_client:
        yield test_client
    app.dependency_overrides.clear()


class LiveServer(ThreadedServer):
    """The full app with its lifespan on a real uvicorn server in a thread, for browsers, SSE and external tools."""

    def __init__(self, app: FastAPI, port: int | None = None) -> None:
        # As `bosai serve`: uvicorn's own proxy handling off, the app's trusted_proxies decide; access log on.
        super().__init__(app, port, lifespan="on", access_log=True, proxy_headers=False)


@pytest.fixture(scope="session")
def live_server(settings: Settings, engine: Engine) -> Iterator[LiveServer]:
    """The full app served over real HTTP on the test database (changes are committed: clean up), published
    at its own address (links the hub builds on its public URL lead back to it)."""
    from bosai.web import create_app

    port = free_port()
    published = settings.model_copy(update={"public_url": f"http://127.0.0.1:{port}"})
    server = LiveServer(create_app(published, engine), port=port)
    server.start()
    yield server
    server.stop()
