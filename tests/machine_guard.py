"""The suite leaves the machine's own PostgreSQL and Mosquitto running as it found them.

A session-wide check: the start time of the PostgreSQL server the test database lives on, and of the
broker on 1883, must be the same at the end of the run as at its start. A test that must stop, kill or
restart a server starts its own (tests/throwaway.py, tests/ingest/broker.py).
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from datetime import datetime

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import TEST_DATABASE_URL

MACHINE_BROKER = ("127.0.0.1", 1883)
CONNECT_TIMEOUT_S = 5
#: Mosquitto publishes $SYS/broker/uptime every sys_interval (10 s by default): start times derived from it
#: differ by up to that much without a restart.
BROKER_UPTIME_SLACK_S = 15.0


def machine_postgres_started(database_url: str = TEST_DATABASE_URL) -> datetime | None:
    """pg_postmaster_start_time() of the server holding the test database (None if it does not answer)."""
    url = make_url(database_url).set(drivername="postgresql", database="postgres")
    try:
        with psycopg.connect(url.render_as_string(hide_password=False), connect_timeout=CONNECT_TIMEOUT_S) as conn:
            row = conn.execute("SELECT pg_postmaster_start_time()").fetchone()
    except psycopg.OperationalError:
        return None
    return row[0] if row else None


def machine_broker_started() -> float | None:
    """The machine broker's start (epoch seconds, from $SYS/broker/uptime), None if it does not answer."""
    host, port = MACHINE_BROKER
    try:
        result = subprocess.run(
            ["mosquitto_sub", "-h", host, "-p", str(port), "-t", "$SYS/broker/uptime", "-C", "1", "-W", "5"],
            capture_output=True,
            timeout=10,
        )
    except (FileNotFoundError, subprocess.TimeoutExpired):
        return None
    words = result.stdout.split()
    if result.returncode or not words or not words[0].isdigit():
        return None
    return time.time() - int(words[0])


@pytest.fixture(scope="session", autouse=True)
def machine_services_untouched() -> Iterator[None]:
    """Fail the run if the machine's PostgreSQL or Mosquitto was restarted while it ran."""
    postgres_before = machine_postgres_started()
    broker_before = machine_broker_started()
    yield
    if postgres_before is not None:
        postgres_after = machine_postgres_started()
        assert postgres_after == postgres_before, (
            f"the machine's PostgreSQL (start {postgres_before}) was stopped or restarted during the run "
            f"(now: {postgres_after or 'down'}): tests must use tests/throwaway.py"
        )
    if broker_before is not None:
        broker_after = machine_broker_started()
        assert broker_after is not None and abs(broker_after - broker_before) <= BROKER_UPTIME_SLACK_S, (
            "the machine's Mosquitto on 1883 was stopped or restarted during the run: "
            "tests must use tests/ingest/broker.py"
        )
