"""Batch writer: readings, dead letters, station states and events of a batch in one transaction."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from operator import itemgetter
from typing import Any, NamedTuple

import psycopg

from hub.stations.levels import ACTIVE_INTERVAL_S, alert_level, trend
from ingest.protocol import DEFAULT_FUTURE_TOLERANCE, DEFAULT_TOPIC_ROOT, ValidReading, parse_message
from ingest.stations import StationDirectory
from ingest.thresholds import Observation, Policy, StateChange, StationState, apply_readings, apply_status, check_stale

NOTIFY_CHANNEL = "station_events"

READING_COLUMNS = "station_id, observed_at, water_level_m, rain_mm_10min, battery_v, seq"
READING_TYPES = ("int4", "timestamptz", "float8", "float8", "float8", "int8")
#: Readings are COPied (binary) into a session-local staging table, then inserted skipping duplicates.
CREATE_STAGING = """
CREATE TEMP TABLE IF NOT EXISTS staged_readings (
    station_id int, observed_at timestamptz, water_level_m float8, rain_mm_10min float8, battery_v float8,
    seq int8
) ON COMMIT DELETE ROWS
"""
COPY_STAGING = f"COPY staged_readings ({READING_COLUMNS}) FROM STDIN (FORMAT BINARY)"
INSERT_READINGS = f"""
INSERT INTO readings ({READING_COLUMNS}, received_at) SELECT {READING_COLUMNS}, clock_timestamp() FROM staged_readings
ON CONFLICT DO NOTHING
"""
INSERT_DEAD_LETTERS = """
INSERT INTO dead_letters (topic, payload, reason, received_at)
SELECT * FROM unnest(%s::text[], %s::bytea[], %s::text[], %s::timestamptz[])
"""
CREATE_STATES = """
INSERT INTO station_states (station_id) SELECT unnest(%s::int[]) ON CONFLICT DO NOTHING
"""
LOCK_STATES = """
SELECT station_id, state FROM station_states WHERE station_id = ANY(%s) ORDER BY station_id FOR UPDATE
"""
LOCK_QUIET_STATES = """
SELECT station_id, state FROM station_states WHERE NOT stale AND last_seen_at < %s
ORDER BY station_id FOR UPDATE SKIP LOCKED
"""
UPDATE_STATES = """
UPDATE station_states AS s
SET band = u.band, alert_level = u.alert_level, water_level_m = u.water_level_m, trend = u.trend,
    stale = u.stale, status = u.status, last_observed_at = u.last_observed_at,
    last_seen_at = u.last_seen_at, state = u.state::jsonb, updated_at = now()
FROM unnest(%s::int[], %s::text[], %s::int[], %s::float8[], %s::text[], %s::bool[], %s::text[],
            %s::timestamptz[], %s::timestamptz[], %s::text[])
     AS u(station_id, band, alert_level, water_level_m, trend, stale, status, last_observed_at,
          last_seen_at, state)
WHERE s.station_id = u.station_id
"""
INSERT_EVENTS = f"""
WITH ins AS (
    INSERT INTO station_events
        (station_id, kind, from_state, to_state, alert_level, water_level_m, observed_at, details)
    SELECT station_id, kind, from_state, to_state, alert_level, water_level_m, observed_at, details::jsonb
    FROM unnest(%s::int[], %s::text[], %s::text[], %s::text[], %s::int[], %s::float8[], %s::timestamptz[],
                %s::text[])
         AS u(station_id, kind, from_state, to_state, alert_level, water_level_m, observed_at, details)
    RETURNING id
)
SELECT id, pg_notify('{NOTIFY_CHANNEL}', id::text) FROM ins
"""


class Incoming(NamedTuple):
    """One MQTT message as received (a tuple: tens of thousands are made a second)."""

    topic: str
    payload: bytes
    received_at: datetime


@dataclass
class ParsedBatch:
    """A parsed batch: what to store and what to reject."""

    readings: list[tuple[ValidReading, datetime]] = field(default_factory=list)
    statuses: list[tuple[int, str, datetime]] = field(default_factory=list)
    dead_letters: list[tuple[str, bytes, str, datetime]] = field(default_factory=list)

    def extend(self, other: ParsedBatch) -> None:
        """Append another batch's parts (messages received later)."""
        self.readings += other.readings
        self.statuses += other.statuses
        self.dead_letters += other.dead_letters


@dataclass(frozen=True)
class WriteResult:
    """What one committed transaction stored."""

    readings: int
    inserted: int
    dead_letters: int
    event_ids: list[int]


def parse_batch(
    messages: Sequence[Incoming],
    directory: StationDirectory,
    *,
    now: datetime,
    root: str = DEFAULT_TOPIC_ROOT,
    future_tolerance: timedelta = DEFAULT_FUTURE_TOLERANCE,
) -> ParsedBatch:
    """Parse and validate a batch of messages (pure)."""
    out = ParsedBatch()
    for msg in messages:
        parsed = parse_message(
            msg.topic, msg.payload, stations=directory.refs, now=now, root=root, future_tolerance=future_tolerance
        )
        at = msg.received_at
        out.readings += [(reading, at) for reading in parsed.readings]
        if parsed.status is not None and parsed.station_id is not None:
            out.statuses.append((parsed.station_id, parsed.status, msg.received_at))
        if parsed.rejections:
            out.dead_letters.append((msg.topic, msg.payload, parsed.reason, msg.received_at))
    return out


class BatchWriter:
    """Writes parsed batches on one connection; the caller commits and retries."""

    def __init__(self, directory: StationDirectory, *, policy: Policy, clock: Callable[[], datetime]) -> None:
        self.directory = directory
        self.policy = policy
        self.clock = clock

    def write(self, conn: psycopg.Connection[Any], batch: ParsedBatch) -> WriteResult:
        """Store the batch and the state changes it causes in one transaction, then commit."""
        with conn.transaction(), conn.cursor() as cur:
            if batch.dead_letters:
                cur.execute(INSERT_DEAD_LETTERS, list(map(list, zip(*batch.dead_letters, strict=True))))
            ids = sorted({r.station_id for r, _ in batch.readings} | {s for s, _, _ in batch.statuses})
            event_ids = self._evaluate(cur, ids, batch) if ids else []
            inserted = self._readings(cur, batch.readings)  # last: received_at is then close to the commit
        return WriteResult(len(batch.readings), inserted, len(batch.dead_letters), event_ids)

    def sweep_stale(self, conn: psycopg.Connection[Any]) -> list[int]:
        """Mark gauges that went silent as stale; returns the ids of the events written."""
        now = self.clock()
        cutoff = now - timedelta(seconds=self.policy.stale_factor * ACTIVE_INTERVAL_S)
        with conn.transaction(), conn.cursor() as cur:
            rows = cur.execute(LOCK_QUIET_STATES, (cutoff,)).fetchall()
            states: dict[int, StationState] = {}
            events: list[tuple[int, StateChange]] = []
            for station_id, data in rows:
                state, new = check_stale(
                    StationState.from_json(data),
                    now=now,
                    profile=self.directory.profile(station_id),
                    policy=self.policy,
                )
                if new:
                    states[station_id] = state
                    events.extend((station_id, e) for e in new)
            return self._store(cur, states, events)

    def _readings(self, cur: psycopg.Cursor[Any], readings: list[tuple[ValidReading, datetime]]) -> int:
        if not readings:
            return 0
        cur.execute(CREATE_STAGING)
        with cur.copy(COPY_STAGING) as copy:
            copy.set_types(list(READING_TYPES))
            for reading, _ in readings:
                copy.write_row(reading)  # a ValidReading is a row in READING_COLUMNS order
        cur.execute(INSERT_READINGS)
        return cur.rowcount

    def _evaluate(self, cur: psycopg.Cursor[Any], ids: list[int], batch: ParsedBatch) -> list[int]:
        cur.execute(CREATE_STATES, (ids,))
        states = {sid: StationState.from_json(data) for sid, data in cur.execute(LOCK_STATES, (ids,))}
        by_station: dict[int, list[Observation]] = defaultdict(list)
        for r, received_at in batch.readings:
            by_station[r.station_id].append((r.observed_at, r.water_level_m, received_at))
        events: list[tuple[int, StateChange]] = []
        for station_id, items in by_station.items():
            items.sort(key=itemgetter(0))  # by observed_at, stable
            states[station_id], new = apply_readings(
                states[station_id],
                items,
                profile=self.directory.profile(station_id),
                policy=self.policy,
            )
            events.extend((station_id, e) for e in new)
        for station_id, status, received_at in batch.statuses:
            states[station_id], new = apply_status(states[station_id], status=status, at=received_at)
            events.extend((station_id, e) for e in new)
        return self._store(cur, states, events)

    def _store(
        self, cur: psycopg.Cursor[Any], states: dict[int, StationState], events: list[tuple[int, StateChange]]
    ) -> list[int]:
        if states:
            items = sorted(states.items())
            cur.execute(
                UPDATE_STATES,
                (
                    [sid for sid, _ in items],
                    [s.band for _, s in items],
                    [alert_level(s.band) for _, s in items],
                    [s.water_level_m for _, s in items],
                    [trend(s.samples) for _, s in items],
                    [s.stale for _, s in items],
                    [s.status for _, s in items],
                    [s.last_observed_at for _, s in items],
                    [s.last_seen_at for _, s in items],
                    [json.dumps(s.to_json()) for _, s in items],
                ),
            )
        if not events:
            return []
        cur.execute(
            INSERT_EVENTS,
            (
                [sid for sid, _ in events],
                [e.kind for _, e in events],
                [e.from_state for _, e in events],
                [e.to_state for _, e in events],
                [e.alert_level for _, e in events],
                [e.water_level_m for _, e in events],
                [e.observed_at for _, e in events],
                [json.dumps(e.details, ensure_ascii=False) for _, e in events],
            ),
        )
        return [row[0] for row in cur.fetchall()]
