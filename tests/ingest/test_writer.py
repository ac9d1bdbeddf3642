"""The batch writer on the real database: readings once, dead letters, states, events with NOTIFY."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from ingest.stations import StationDirectory
from ingest.thresholds import Policy
from ingest.writer import BatchWriter, Incoming, parse_batch
from tests.ingest.conftest import SiteRow

T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)


def msg(root: str, code: str, payload: Any, at: datetime = T0, kind: str = "readings") -> Incoming:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return Incoming(f"{root}/{code}/{kind}", raw, at)


def reading(minute: int, level: float, **extra: Any) -> dict[str, Any]:
    return {"ts": (T0 + timedelta(minutes=minute)).isoformat(), "water_level_m": level, **extra}


def writer_for(pg: psycopg.Connection[Any], now: datetime = T0) -> tuple[BatchWriter, StationDirectory]:
    directory = StationDirectory.load(pg)
    return BatchWriter(directory, policy=Policy(), clock=lambda: now), directory


def test_readings_are_stored_once_and_states_follow(
    pg: psycopg.Connection[Any], stations: list[SiteRow], root: str
) -> None:
    writer, directory = writer_for(pg)
    a, b = stations[0], stations[1]
    batch = [
        msg(root, a.code, reading(0, 0.5, seq=1)),
        msg(root, a.code, [reading(10, 1.5), reading(20, 2.5)]),
        msg(root, a.code, reading(20, 2.5)),  # the same reading twice in one batch
        msg(root, b.code, reading(0, 4.2, rain_mm_10min=12.5, battery_v=12.1)),
    ]
    parsed = parse_batch(batch, directory, now=T0 + timedelta(hours=1), root=root)
    first = writer.write(pg, parsed)
    assert (first.readings, first.inserted, first.dead_letters) == (5, 4, 0)
    again = writer.write(pg, parse_batch(batch, directory, now=T0 + timedelta(hours=1), root=root))
    assert (again.inserted, again.event_ids) == (0, [])
    rows = pg.execute(
        "SELECT station_id, water_level_m, rain_mm_10min, battery_v, seq FROM readings"
        " WHERE station_id = ANY(%s) ORDER BY station_id, observed_at",
        ([a.id, b.id],),
    ).fetchall()
    assert rows == [
        (a.id, 0.5, None, None, 1),
        (a.id, 1.5, None, None, None),
        (a.id, 2.5, None, None, None),
        (b.id, 4.2, 12.5, 12.1, None),
    ]
    states = pg.execute(
        "SELECT station_id, band, alert_level, water_level_m, trend, stale FROM station_states"
        " WHERE station_id = ANY(%s) ORDER BY station_id",
        ([a.id, b.id],),
    ).fetchall()
    assert states == [(a.id, "caution", 2, 2.5, "rising", False), (b.id, "danger", 4, 4.2, None, False)]
    events = pg.execute(
        "SELECT id, station_id, kind, from_state, to_state, alert_level, water_level_m, observed_at, processed_at"
        " FROM station_events WHERE station_id = ANY(%s) ORDER BY id",
        ([a.id, b.id],),
    ).fetchall()
    level_events = [(e[1], e[3], e[4], e[5], e[6], e[7]) for e in events if e[2] == "level"]
    assert level_events == [
        (a.id, "normal", "standby", None, 1.5, T0 + timedelta(minutes=10)),
        (a.id, "standby", "caution", 2, 2.5, T0 + timedelta(minutes=20)),
        (b.id, "normal", "danger", 4, 4.2, T0),
    ]
    assert [e[0] for e in events] == sorted(first.event_ids)
    assert all(e[8] is None for e in events)  # waiting for the alert engine


def test_events_are_announced_after_commit(
    pg: psycopg.Connection[Any], stations: list[SiteRow], root: str, settings: Any
) -> None:
    from tests.ingest.conftest import conninfo

    writer, directory = writer_for(pg)
    with psycopg.connect(conninfo(settings.database_url), autocommit=True) as listener:
        listener.execute("LISTEN station_events")
        result = writer.write(
            pg, parse_batch([msg(root, stations[0].code, reading(0, 3.1))], directory, now=T0, root=root)
        )
        received = [int(n.payload) for n in listener.notifies(timeout=5, stop_after=len(result.event_ids))]
    assert received == result.event_ids
    assert len(received) == 1


def test_nothing_is_written_when_the_transaction_fails(
    pg: psycopg.Connection[Any], stations: list[SiteRow], root: str
) -> None:
    writer, directory = writer_for(pg)
    parsed = parse_batch([msg(root, stations[0].code, reading(0, 3.1))], directory, now=T0, root=root)
    pg.execute("DELETE FROM stations WHERE id = %s", (stations[0].id,))  # the FK now fails
    try:
        writer.write(pg, parsed)
    except psycopg.errors.ForeignKeyViolation:
        pass
    else:
        raise AssertionError("the write should have failed")
    assert pg.execute("SELECT count(*) FROM station_events WHERE station_id = %s", (stations[0].id,)).fetchone() == (0,)


def test_dead_letters_keep_topic_payload_and_reason(
    pg: psycopg.Connection[Any], stations: list[SiteRow], root: str
) -> None:
    writer, directory = writer_for(pg)
    bad = [
        msg(root, "no-such-station", reading(0, 1.0)),
        msg(root, stations[0].code, b"{not json"),
        msg(root, stations[0].code, [reading(0, 1.0), reading(1, 99.0)]),
    ]
    result = writer.write(pg, parse_batch(bad, directory, now=T0, root=root))
    assert (result.inserted, result.dead_letters) == (1, 3)
    rows = pg.execute(
        "SELECT topic, payload, reason FROM dead_letters WHERE topic LIKE %s ORDER BY id", (root + "/%",)
    ).fetchall()
    assert [(t, bytes(p)) for t, p, _ in rows] == [(m.topic, m.payload) for m in bad]
    assert [r.split(":")[0] for _, _, r in rows] == ["unknown_station", "malformed_json", "out_of_range"]
    assert rows[2][2].endswith("(item 1)")


def test_status_changes_and_silence_become_events(
    pg: psycopg.Connection[Any], stations: list[SiteRow], root: str
) -> None:
    writer, directory = writer_for(pg)
    code, sid = stations[2].code, stations[2].id
    batch = [
        msg(root, code, reading(0, 0.5)),
        msg(root, code, b"online", kind="status"),
        msg(root, code, b"online", kind="status"),
    ]
    writer.write(pg, parse_batch(batch, directory, now=T0, root=root))
    silent = BatchWriter(directory, policy=Policy(stale_factor=3), clock=lambda: T0 + timedelta(minutes=31))
    stale_ids = silent.sweep_stale(pg)
    assert silent.sweep_stale(pg) == []  # once
    writer.write(
        pg,
        parse_batch(
            [
                msg(root, code, reading(40, 0.6), at=T0 + timedelta(minutes=40)),
                msg(root, code, b"offline", kind="status"),
            ],
            directory,
            now=T0 + timedelta(hours=1),
            root=root,
        ),
    )
    events = pg.execute(
        "SELECT id, kind, from_state, to_state FROM station_events WHERE station_id = %s ORDER BY id", (sid,)
    ).fetchall()
    assert [(k, f, t) for _, k, f, t in events] == [
        ("status", None, "online"),
        ("stale", "fresh", "stale"),
        ("stale", "stale", "fresh"),
        ("status", "online", "offline"),
    ]
    assert stale_ids == [events[1][0]]
    assert pg.execute("SELECT stale, status FROM station_states WHERE station_id = %s", (sid,)).fetchone() == (
        False,
        "offline",
    )
