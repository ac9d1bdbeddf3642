"""The manual acknowledgement contract against the real broker: PUBACK only after the commit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from hub.settings import Settings
from ingest.mqttclient import purge_session
from ingest.service import Ingestor
from tests.ingest.conftest import BROKER, Publisher, SiteRow, ingest_config, proxied, wait_until
from tests.ingest.proxy import Proxy

T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)


def stored_seqs(pg: psycopg.Connection[Any], station: SiteRow) -> list[int]:
    rows = pg.execute("SELECT seq FROM readings WHERE station_id = %s ORDER BY seq", (station.id,)).fetchall()
    return [int(r[0]) for r in rows]


def test_a_reading_whose_write_fails_is_not_acknowledged_and_comes_back_after_a_restart(
    settings: Settings,
    stations: list[SiteRow],
    root: str,
    publisher: Publisher,
    pg: psycopg.Connection[Any],
    proxy: Proxy,
) -> None:
    """Unacknowledged, the broker redelivers it to the next ingestor of the session; acknowledged, never again."""
    config = ingest_config(settings, root, database_url=proxied(settings, proxy))
    a = stations[0]
    first = Ingestor(config)
    first.start()
    try:
        wait_until(lambda: first.health.ok, "the first ingestor to start")
        proxy.cut()
        publisher.send(a.code, {"ts": T0.isoformat(), "water_level_m": 0.5, "seq": 1})
        wait_until(lambda: first.health.counters["received"] == 1, "the reading to reach the writer")
        wait_until(lambda: not first.health.database_ok, "the failed write")
    finally:
        first.stop()  # gives up on the batch in hand
    assert first.health.counters["acked"] == 0
    assert stored_seqs(pg, a) == []

    proxy.restore()
    second = Ingestor(config)  # the same client id: the broker resumes the session
    second.start()
    try:
        wait_until(lambda: stored_seqs(pg, a) == [1], "the redelivered reading")
        wait_until(lambda: second.health.counters["acked"] == 1, "its acknowledgement")
    finally:
        second.stop()

    third = Ingestor(config)
    third.start()
    try:
        wait_until(lambda: third.health.ok, "the third ingestor to start")
        publisher.send(a.code, {"ts": (T0 + timedelta(minutes=10)).isoformat(), "water_level_m": 0.5, "seq": 2})
        wait_until(lambda: stored_seqs(pg, a) == [1, 2], "the next reading")
        assert third.health.counters["received"] == 1  # the acknowledged reading was not sent again
    finally:
        third.stop()
        purge_session(*BROKER, config.client_id)
