"""The ingestor end to end on the real broker and database."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from hub.settings import Settings
from ingest.mqttclient import purge_session
from ingest.service import Ingestor
from tests.ingest.conftest import BROKER, Publisher, SiteRow, ingest_config, proxied, wait_until
from tests.ingest.proxy import Proxy

T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)


def ts(minute: float) -> str:
    return (T0 + timedelta(minutes=minute)).isoformat()


def count(pg: psycopg.Connection[Any], station: SiteRow) -> int:
    row = pg.execute("SELECT count(*) FROM readings WHERE station_id = %s", (station.id,)).fetchone()
    return int(row[0]) if row else 0


def dead_letters(pg: psycopg.Connection[Any], root: str) -> list[tuple[str, bytes, str]]:
    rows = pg.execute(
        "SELECT topic, payload, reason FROM dead_letters WHERE topic LIKE %s ORDER BY id", (root + "/%",)
    ).fetchall()
    return [(t, bytes(p), r) for t, p, r in rows]


def health(ingestor: Ingestor) -> tuple[int, dict[str, Any]]:
    assert ingestor.health_server is not None
    url = f"http://127.0.0.1:{ingestor.health_server.port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, json.load(resp)
    except urllib.error.HTTPError as err:
        return err.code, json.load(err)


def test_single_batch_and_senml_payloads_are_stored_once(
    ingestor: Ingestor, publisher: Publisher, pg: psycopg.Connection[Any], stations: list[SiteRow]
) -> None:
    a = stations[0]
    publisher.send(a.code, {"ts": ts(0), "water_level_m": 0.8, "seq": 1})
    publisher.send(a.code, [{"ts": ts(10), "water_level_m": 1.2}, {"ts": ts(20), "water_level_m": 2.2}])
    base = (T0 + timedelta(minutes=30)).timestamp()
    publisher.send(
        a.code,
        [
            {"bn": f"urn:dev:{a.code}:", "bt": base, "n": "water_level", "u": "m", "v": 2.4},
            {"n": "rain", "u": "mm", "v": 8.5},
        ],
    )
    publisher.send(a.code, {"ts": ts(0), "water_level_m": 0.8, "seq": 1})  # sent twice
    publisher.send(a.code, [{"ts": ts(10), "water_level_m": 1.2}])
    wait_until(lambda: ingestor.health.counters["committed_messages"] >= 5, "five messages committed")
    rows = pg.execute(
        "SELECT observed_at, water_level_m, rain_mm_10min FROM readings WHERE station_id = %s ORDER BY observed_at",
        (a.id,),
    ).fetchall()
    assert rows == [
        (T0, 0.8, None),
        (T0 + timedelta(minutes=10), 1.2, None),
        (T0 + timedelta(minutes=20), 2.2, None),
        (T0 + timedelta(minutes=30), 2.4, 8.5),
    ]
    assert pg.execute("SELECT band, alert_level FROM station_states WHERE station_id = %s", (a.id,)).fetchone() == (
        "caution",
        2,
    )
    assert ingestor.health.counters["acked"] == 5


def test_every_bad_case_goes_to_dead_letters_and_the_ingestor_keeps_running(
    ingestor: Ingestor, publisher: Publisher, pg: psycopg.Connection[Any], stations: list[SiteRow], root: str
) -> None:
    code = stations[1].code
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    cases = [
        ("nosuch", b'{"ts": "2026-07-18T02:00:00Z", "water_level_m": 1}', "unknown_station"),
        (code, b'{"ts": "2026-07-18T02:00', "malformed_json"),
        (code, b'{"water_level_m": 1.0}', "invalid_time: ts is missing"),
        (code, b'{"ts": "18/07/2026 02:00", "water_level_m": 1.0}', "invalid_time"),
        (code, json.dumps({"ts": ts(0), "water_level_m": 25.0}).encode(), "out_of_range"),
        (code, json.dumps({"ts": future, "water_level_m": 1.0}).encode(), "future_time"),
    ]
    for station_code, payload, _ in cases:
        publisher.send(station_code, payload)
    publisher.send(code, {"ts": ts(5), "water_level_m": 0.5})
    wait_until(lambda: count(pg, stations[1]) == 1, "the good reading after the bad ones")
    letters = wait_until(lambda: len(got := dead_letters(pg, root)) == len(cases) and got, "dead letters")
    assert [(t, p) for t, p, _ in letters] == [(f"{root}/{c}/readings", p) for c, p, _ in cases]
    for (_, _, reason), (_, _, expected) in zip(letters, cases, strict=True):
        assert reason.startswith(expected)
    wait_until(lambda: ingestor.health.counters["dead_letters"] == len(cases), "the dead-letter count")


def test_status_last_will_becomes_events(
    ingestor: Ingestor, publisher: Publisher, pg: psycopg.Connection[Any], stations: list[SiteRow]
) -> None:
    code, sid = stations[2].code, stations[2].id
    try:
        publisher.send(code, b"online", kind="status", retain=True)
        publisher.send(code, b"offline", kind="status", retain=True)
        rows = wait_until(
            lambda: (
                len(
                    r := pg.execute(
                        "SELECT from_state, to_state FROM station_events WHERE station_id = %s"
                        " AND kind = 'status' ORDER BY id",
                        (sid,),
                    ).fetchall()
                )
                == 2
                and r
            ),
            "two status events",
        )
        assert rows == [(None, "online"), ("online", "offline")]
    finally:
        publisher.send(code, b"", kind="status", retain=True)  # clear the retained status


def test_health_endpoint(ingestor: Ingestor) -> None:
    status, body = health(ingestor)
    assert (status, body["status"], body["broker"], body["database"]) == (200, "ok", "connected", "ok")


def test_database_outage_stops_acks_and_resumes(
    settings: Settings,
    stations: list[SiteRow],
    root: str,
    publisher: Publisher,
    pg: psycopg.Connection[Any],
    proxy: Proxy,
) -> None:
    config = ingest_config(settings, root, database_url=proxied(settings, proxy))
    ingestor = Ingestor(config)
    ingestor.start()
    try:
        wait_until(lambda: ingestor.health.ok, "the ingestor to start")
        a = stations[0]
        for i in range(20):
            publisher.send(a.code, {"ts": ts(i), "water_level_m": 0.5})
        wait_until(lambda: count(pg, a) == 20, "the first 20 readings")
        wait_until(lambda: ingestor.health.counters["acked"] == 20, "their acknowledgements")
        acked = 20
        proxy.cut()
        for i in range(20, 40):
            publisher.send(a.code, {"ts": ts(i), "water_level_m": 0.5})
        wait_until(lambda: health(ingestor)[0] == 503, "/healthz to report the outage")
        _, body = health(ingestor)
        assert body["database"].startswith("down: ")
        assert ingestor.health.counters["acked"] == acked
        assert count(pg, a) == 20
        proxy.restore()
        wait_until(lambda: count(pg, a) == 40, "the readings held during the outage")
        wait_until(lambda: ingestor.health.counters["acked"] == acked + 20, "their acknowledgements")
        assert health(ingestor)[0] == 200
    finally:
        ingestor.stop()
        purge_session(*BROKER, config.client_id)


def test_a_quiet_ingestor_still_reports_a_database_outage(settings: Settings, root: str, proxy: Proxy) -> None:
    """No gauge speaks, yet /healthz must turn 503 soon after the database goes (not at the next stale sweep)."""
    config = ingest_config(
        settings,
        root,
        database_url=proxied(settings, proxy),
        idle_db_check_s=0.5,
        stale_sweep_s=3600.0,
    )
    ingestor = Ingestor(config)
    ingestor.start()
    try:
        wait_until(lambda: health(ingestor)[0] == 200, "the ingestor to start")
        proxy.cut()
        wait_until(lambda: health(ingestor)[0] == 503, "/healthz to report the outage", timeout=10)
        assert health(ingestor)[1]["database"].startswith("down: ")
        proxy.restore()
        wait_until(lambda: health(ingestor)[0] == 200, "/healthz to report the database back", timeout=20)
    finally:
        ingestor.stop()
        purge_session(*BROKER, config.client_id)


def test_a_restarted_ingestor_gets_what_was_published_while_it_was_away(
    settings: Settings, stations: list[SiteRow], root: str, publisher: Publisher, pg: psycopg.Connection[Any]
) -> None:
    config = ingest_config(settings, root)
    first = Ingestor(config)
    first.start()
    try:
        wait_until(lambda: first.health.ok, "the ingestor to start")
    finally:
        first.stop()
    a = stations[0]
    for i in range(30):
        publisher.send(a.code, {"ts": ts(i), "water_level_m": 0.5})  # queued in the persistent session
    second = Ingestor(config)
    second.start()
    try:
        wait_until(lambda: count(pg, a) == 30, "the queued readings")
    finally:
        second.stop()
        purge_session(*BROKER, config.client_id)
