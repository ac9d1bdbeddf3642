"""The MQTT ingestor: shared subscription, batches, acknowledgement (paho manual_ack) only after the commit."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple, TypeVar

import paho.mqtt.client as mqtt
import psycopg
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from sqlalchemy.engine import make_url
from tenacity import (
    Retrying,
    retry_if_exception_type,
    sleep_using_event,
    stop_when_event_set,
    wait_exponential,
)

from ingest.health import Health, HealthServer
from ingest.inbox import Inbox
from ingest.protocol import DEFAULT_TOPIC_ROOT, parse_topic
from ingest.stations import StationDirectory
from ingest.thresholds import Policy
from ingest.writer import BatchWriter, Incoming, ParsedBatch, parse_batch

log = logging.getLogger("bosai.ingest")
T = TypeVar("T")

TRANSIENT_DB_ERRORS = (psycopg.OperationalError, psycopg.InterfaceError)
DB_RETRY_INITIAL_S = 0.2
DB_RETRY_MAX_S = 5.0
DB_CONNECT_TIMEOUT_S = 5
DB_STATEMENT_TIMEOUT_MS = 30_000
MQTT_KEEPALIVE_S = 30
MQTT_RECONNECT_MIN_S = 1
MQTT_RECONNECT_MAX_S = 15
#: An unknown station code triggers a directory reload at most this often.
DIRECTORY_RELOAD_MIN_S = 30.0
DIRECTORY_REFRESH_S = 300.0
STOP_JOIN_TIMEOUT_S = 30.0
#: Messages parsed at a time while a batch is collected (how far a batch may overshoot batch_readings).
CHUNK_MESSAGES = 32


@dataclass(frozen=True)
class IngestConfig:
    """Everything the ingestor needs to run."""

    database_url: str
    mqtt_host: str = "127.0.0.1"
    mqtt_port: int = 1883
    mqtt_username: str | None = None
    mqtt_password: str | None = None
    client_id: str = field(default_factory=lambda: f"bosai-ingest-{socket.gethostname()}")
    topic_root: str = DEFAULT_TOPIC_ROOT
    share_group: str = "bosai-ingest"
    batch_size: int = 5000
    #: A batch is also flushed once it holds this many readings (bounds a transaction's size and time).
    batch_readings: int = 5000
    batch_window_s: float = 0.2
    session_expiry_s: int = 86_400
    receive_maximum: int = 20_000
    stale_sweep_s: float = 60.0
    #: With no batch to store for this long, the writer checks the database anyway, so /healthz reports an
    #: outage while the gauges are quiet too.
    idle_db_check_s: float = 5.0
    health_host: str = "127.0.0.1"
    health_port: int | None = None
    policy: Policy = field(default_factory=Policy)

    @property
    def conninfo(self) -> str:
        """libpq connection string of the SQLAlchemy database URL."""
        return make_url(self.database_url).set(drivername="postgresql").render_as_string(hide_password=False)

    @property
    def subscriptions(self) -> list[tuple[str, int]]:
        """Readings through the shared subscription; statuses (retained) to every ingestor."""
        return [
            (f"$share/{self.share_group}/{self.topic_root}/+/readings", 1),
            (f"{self.topic_root}/+/status", 1),
        ]


class Pending(NamedTuple):
    """A received message waiting for its commit, with what is needed to acknowledge it (a tuple: cheap to make)."""

    message: Incoming
    mid: int
    qos: int
    generation: int


def _check_database(conn: psycopg.Connection[Any]) -> None:
    """A round trip that fails when the database is gone."""
    conn.execute("SELECT 1")


class Stopping(Exception):
    """The ingestor is stopping; the batch stays unacknowledged and the broker will redeliver it."""


class Ingestor:
    """MQTT network thread → inbox → writer thread (parse while the window is open, write, commit, acknowledge)."""

    def __init__(self, config: IngestConfig, *, clock: Callable[[], datetime] | None = None) -> None:
        self.config = config
        self.clock = clock or (lambda: datetime.now(UTC))
        self.health = Health()
        self.inbox: Inbox[Pending] = Inbox()
        self._stopping = threading.Event()
        self._generation = 0
        self._session = "new"
        self._conn: psycopg.Connection[Any] | None = None
        self._directory = StationDirectory()
        self._directory_loaded_at = -1e9
        self.writer = BatchWriter(self._directory, policy=config.policy, clock=self.clock)
        self.client = self._make_client()
        self._thread = threading.Thread(target=self._run_writer, name="ingest-writer", daemon=True)
        self.health_server = (
            HealthServer(self.health, config.health_host, config.health_port)
            if config.health_port is not None
            else None
        )

    def _make_client(self) -> mqtt.Client:
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self.config.client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        if self.config.mqtt_username:
            client.username_pw_set(self.config.mqtt_username, self.config.mqtt_password)
        client.reconnect_delay_set(MQTT_RECONNECT_MIN_S, MQTT_RECONNECT_MAX_S)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        return client

    def start(self) -> None:
        """Connect (persistent session) and start the writer and the health endpoint."""
        if self.health_server:
            self.health_server.start()
        self._thread.start()
        props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        props.SessionExpiryInterval = self.config.session_expiry_s
        props.ReceiveMaximum = self.config.receive_maximum
        self.client.connect_async(
            self.config.mqtt_host,
            self.config.mqtt_port,
            keepalive=MQTT_KEEPALIVE_S,
            clean_start=False,
            properties=props,
        )
        self.client.loop_start()

    def stop(self) -> None:
        """Finish the batch in hand, then disconnect; anything unacknowledged is redelivered later."""
        self._stopping.set()
        self._thread.join(timeout=STOP_JOIN_TIMEOUT_S)
        self.client.disconnect()
        self.client.loop_stop()
        if self.health_server:
            self.health_server.stop()
        if self._conn is not None:
            self._conn.close()
        log.info("stopped: %s", ", ".join(f"{k} {v}" for k, v in self.health.counters.items()))

    # --- MQTT callbacks (network thread) ---

    def _on_connect(self, client: mqtt.Client, _u: Any, flags: Any, reason: Any, _p: Any) -> None:
        if reason.is_failure:
            self.health.set_mqtt(False, f"connect refused: {reason}")
            return
        self._generation += 1  # acks of messages from an earlier connection are dropped
        self._session = "resumed" if flags.session_present else "new"
        client.subscribe(self.config.subscriptions)

    def _on_subscribe(self, _c: mqtt.Client, _u: Any, _mid: int, reasons: list[Any], _p: Any) -> None:
        failed = [str(r) for r in reasons if r.is_failure]
        if failed:
            log.error("subscription refused by the broker: %s", ", ".join(failed))
            return
        self.health.set_mqtt(True, f"as {self.config.client_id} ({self._session} session), subscribed")

    def _on_disconnect(self, _c: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        if self._stopping.is_set():
            self.health.mqtt_connected = False
            log.info("disconnected from the broker")
            return
        self.health.set_mqtt(False, str(reason))

    def _on_message(self, _c: mqtt.Client, _u: Any, msg: mqtt.MQTTMessage) -> None:
        """Hand the message to the writer; it is acknowledged (`client.ack`) once its batch has committed."""
        incoming = Incoming(msg.topic, bytes(msg.payload), self.clock())
        self.inbox.put(Pending(incoming, msg.mid, msg.qos, self._generation))

    # --- writer thread ---

    def _run_writer(self) -> None:
        sweep_every, check_every = self.config.stale_sweep_s, self.config.idle_db_check_s
        next_sweep = time.monotonic() + sweep_every
        next_check = time.monotonic() + check_every
        try:
            self._reload_directory()
            while not self._stopping.is_set():
                batch, parsed = self._collect(timeout=max(0.0, min(next_sweep, next_check) - time.monotonic()))
                if batch:
                    self._store_and_ack(batch, parsed)
                    next_check = time.monotonic() + check_every  # the batch spoke to the database
                if time.monotonic() >= next_sweep:
                    self._with_db(self.writer.sweep_stale)
                    next_sweep = time.monotonic() + sweep_every
                if time.monotonic() >= next_check:
                    self._with_db(_check_database)
                    next_check = time.monotonic() + check_every
        except Stopping:
            log.info("stopping with the current batch unacknowledged (the broker will redeliver it)")
        except Exception:
            log.exception("ingest writer crashed")
            raise

    def _collect(self, timeout: float) -> tuple[list[Pending], ParsedBatch]:
        """Gather until the batch is full or the window (from the oldest arrival) closes, parsing meanwhile."""
        arrived = self.inbox.wait(min(timeout, 1.0))
        parsed = ParsedBatch()
        if arrived is None:
            return [], parsed
        batch: list[Pending] = []
        deadline = arrived + self.config.batch_window_s
        while True:
            chunk = self.inbox.take(min(self.config.batch_size - len(batch), CHUNK_MESSAGES))
            if chunk:
                batch += chunk
                parsed.extend(self._parse([p.message for p in chunk]))
            if len(batch) >= self.config.batch_size or len(parsed.readings) >= self.config.batch_readings:
                break
            if chunk:
                continue  # what has arrived joins the batch, even once the window has closed
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self.inbox.wait(remaining)
        self.health.queue_depth = self.inbox.qsize()
        return batch, parsed

    def _parse(self, messages: list[Incoming]) -> ParsedBatch:
        """Parse and validate messages (reloading the station directory first when it is due)."""
        self._maybe_reload(messages)
        return parse_batch(messages, self._directory, now=self.clock(), root=self.config.topic_root)

    def _store_and_ack(self, batch: list[Pending], parsed: ParsedBatch) -> None:
        self.health.add(received=len(batch))
        messages = [p.message for p in batch]
        self._store(messages, parsed)
        self.health.add(acked=self._ack(batch), committed_messages=len(batch))
        self.health.last_commit_at = self.clock()

    def _ack(self, batch: list[Pending]) -> int:
        """Acknowledge the committed messages of the current connection (QoS 0 needs none); returns how many."""
        generation, acked = self._generation, 0
        for pending in batch:
            if pending.qos and pending.generation == generation:
                self.client.ack(pending.mid, pending.qos)
                acked += 1
        return acked

    def _store(self, messages: list[Incoming], parsed: ParsedBatch) -> None:
        """Commit the parsed messages; a batch the database rejects is retried message by message."""
        try:
            result = self._with_db(lambda conn: self.writer.write(conn, parsed))
        except TRANSIENT_DB_ERRORS:
            raise
        except psycopg.Error as exc:
            if len(messages) > 1:
                log.warning("database rejected a batch of %d messages (%s); storing one by one", len(messages), exc)
                for message in messages:
                    self._store([message], self._parse([message]))
                return
            msg = messages[0]
            reason = f"database_rejected: {str(exc).strip()[:300]}"
            dead = ParsedBatch(dead_letters=[(msg.topic, msg.payload, reason, msg.received_at)])
            result = self._with_db(lambda conn: self.writer.write(conn, dead))
        self.health.add(
            readings=result.readings,
            readings_inserted=result.inserted,
            dead_letters=result.dead_letters,
            events=len(result.event_ids),
        )

    def _with_db(self, work: Callable[[psycopg.Connection[Any]], T]) -> T:
        """Run work on the connection, reconnecting and retrying with backoff while the database is down."""
        retrying = Retrying(
            retry=retry_if_exception_type(TRANSIENT_DB_ERRORS),
            wait=wait_exponential(multiplier=DB_RETRY_INITIAL_S, max=DB_RETRY_MAX_S),
            stop=stop_when_event_set(self._stopping),
            sleep=sleep_using_event(self._stopping),
            before_sleep=lambda state: self._db_failed(state.outcome.exception() if state.outcome else None),
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    result = work(self._connection())
        except TRANSIENT_DB_ERRORS as exc:
            if self._stopping.is_set():
                raise Stopping from exc
            raise
        self.health.set_database(True)
        return result

    def _db_failed(self, exc: BaseException | None) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self.health.set_database(False, str(exc).strip().splitlines()[0] if exc else "unknown error")

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(
                self.config.conninfo,
                autocommit=True,
                connect_timeout=DB_CONNECT_TIMEOUT_S,
                application_name="bosai-ingest",
                options=f"-c statement_timeout={DB_STATEMENT_TIMEOUT_MS}",
            )
        return self._conn

    def _reload_directory(self) -> None:
        directory = self._with_db(StationDirectory.load)
        self._directory = self.writer.directory = directory
        self._directory_loaded_at = time.monotonic()
        log.info("station directory: %d stations", len(directory.refs))

    def _maybe_reload(self, messages: list[Incoming]) -> None:
        """Reload the directory periodically, or soon when a message names a station we do not know."""
        age = time.monotonic() - self._directory_loaded_at
        if age >= DIRECTORY_REFRESH_S:
            self._reload_directory()
            return
        if age < DIRECTORY_RELOAD_MIN_S:
            return
        for message in messages:
            where = parse_topic(message.topic, self.config.topic_root)
            if where is not None and where[0] not in self._directory.refs:
                self._reload_directory()
                return
