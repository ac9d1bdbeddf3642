"""Property-based API test: schemathesis generates requests from /openapi.json for every operation of the app.

No answer may be a 5xx, and every documented answer must match its documented schema and media type.
Runs in the rolled-back test transaction (nothing generated is kept); a bounded number of examples per
operation keeps the whole run under a minute. The two Server-Sent Events streams never end, so they
are left out (tests/hub/api/staff and tests/alerts cover them).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from pydantic import SecretStr
from schemathesis.checks import content_type_conformance, not_a_server_error, response_schema_conformance
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from alerts.channels.vapid import generate_vapid_key
from bosai.web import create_app
from hub.api.deps import get_reader, get_session
from hub.api.reader import Reader
from hub.db import make_engine
from hub.settings import Settings
from tests.conftest import DATA, TEST_DATABASE_URL

EXAMPLES_PER_OPERATION = 5
STREAMS = r"(^/api/events$|/events$)"
#: Nothing listens here: no generated request can reach the real LINE API (signatures cannot be forged anyway).
UNREACHABLE_URL = "http://127.0.0.1:9"
SETTINGS = Settings(database_url=TEST_DATABASE_URL, data_dir=DATA, jwt_secret="test-secret-not-for-production")
#: Built at import for schemathesis (its lazy fixture loader does not run on pytest 9); the test points it at
#: the session's migrated database and the rolled-back session before any call.
APP = create_app(SETTINGS, make_engine(TEST_DATABASE_URL, pool_size=1))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP).exclude(path_regex=STREAMS)


@pytest.fixture(scope="session")
def deployed_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings of a fully configured hub: Web Push key and LINE channel (secrets outside the repo)."""
    key = tmp_path_factory.mktemp("schemathesis-secrets") / "vapid.pem"
    generate_vapid_key(key)
    return SETTINGS.model_copy(
        update={
            "vapid_private_key_file": key,
            "line_channel_secret": SecretStr("schemathesis-line-secret"),
            "line_channel_access_token": SecretStr("schemathesis-line-token"),
            "line_api_base_url": UNREACHABLE_URL,
        }
    )


@pytest.fixture
def rolled_back_app(engine: Engine, db: Session, deployed_settings: Settings) -> Iterator[FastAPI]:
    """The configured app on the test database, every request in the rolled-back test transaction."""

    def session_override() -> Iterator[Session]:
        yield db

    APP.state.engine = engine
    APP.state.settings = deployed_settings
    APP.dependency_overrides[get_session] = session_override
    APP.dependency_overrides[get_reader] = lambda: Reader(db)
    yield APP
    APP.dependency_overrides.clear()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api(case: schemathesis.Case[Any], rolled_back_app: FastAPI) -> None:
    case.call_and_validate(checks=[not_a_server_error, response_schema_conformance, content_type_conformance])
