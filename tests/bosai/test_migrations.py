"""The Alembic migration runs up, down and up again on an empty database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import inspect

from bosai import migrate
from bosai.models import metadata
from hub.db import make_engine
from tests.conftest import scratch_database

POSTGIS_TABLES = {"spatial_ref_sys"}


@pytest.fixture
def empty_database() -> Iterator[str]:
    """A new, empty database (PostGIS only) named after the test database."""
    with scratch_database("migrations") as target:
        yield target


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - POSTGIS_TABLES
    finally:
        engine.dispose()


def test_up_down_up(empty_database: str) -> None:
    assert migrate.current(empty_database) is None
    migrate.upgrade(empty_database)
    assert migrate.current(empty_database) is not None
    assert {"alerts", "evacuation_orders", "shelters"} <= set(metadata.tables)  # hub's and alerts' models
    assert set(metadata.tables) <= _tables(empty_database)

    migrate.downgrade(empty_database, "base")
    assert migrate.current(empty_database) is None
    assert _tables(empty_database) <= {"alembic_version"}

    migrate.upgrade(empty_database)
    assert {"alerts", "evacuation_orders", "shelters"} <= set(metadata.tables)  # hub's and alerts' models
    assert set(metadata.tables) <= _tables(empty_database)


def test_models_match_migration(empty_database: str) -> None:
    """Autogenerate finds nothing to add: the migration creates what the models declare."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    migrate.upgrade(empty_database)
    engine = make_engine(empty_database)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": False})
            diff = compare_metadata(context, metadata)
    finally:
        engine.dispose()
    relevant = [d for d in diff if not (isinstance(d, tuple) and d[0] == "remove_table")]
    relevant = [d for d in relevant if "spatial_ref_sys" not in str(d) and "procrastinate" not in str(d)]
    assert relevant == []
