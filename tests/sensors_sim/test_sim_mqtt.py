"""`bosai sim` against the real broker: valid readings, retained status, Last Will on a crash."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from hub.stations.levels import band_for
from ingest.protocol import StationRef, parse_message
from sensors_sim.stations import SimStation, load_master, pick
from tests.ingest.conftest import wait_until

DATA = Path(__file__).resolve().parents[2] / "data"
BROKER = ("127.0.0.1", 1883)


class Recorder:
    """Subscribes to a topic root and keeps every message."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.messages: list[tuple[str, bytes, bool]] = []
        self.lock = threading.Lock()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        self.client.on_message = self._on_message
        self.client.connect(*BROKER)
        self.client.subscribe(f"{root}/#", qos=1)
        self.client.loop_start()

    def _on_message(self, _c: mqtt.Client, _u: object, msg: mqtt.MQTTMessage) -> None:
        with self.lock:
            self.messages.append((msg.topic, bytes(msg.payload), bool(msg.retain)))

    def of(self, kind: str) -> list[tuple[str, bytes, bool]]:
        with self.lock:
            return [m for m in self.messages if m[0].endswith("/" + kind)]

    def close(self, codes: list[str]) -> None:
        for code in codes:  # clear retained statuses
            self.client.publish(f"{self.root}/{code}/status", b"", qos=1, retain=True).wait_for_publish(10)
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def root() -> str:
    return f"test-sim-{uuid.uuid4().hex[:8]}/sensors"


@pytest.fixture
def stations() -> list[SimStation]:
    return pick(load_master(DATA), count=2)


@pytest.fixture
def recorder(root: str, stations: list[SimStation]) -> Iterator[Recorder]:
    rec = Recorder(root)
    yield rec
    rec.close([s.code for s in stations])


def sim(*args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "BOSAI_MQTT_URL": f"mqtt://{BROKER[0]}:{BROKER[1]}", "BOSAI_LOG_LEVEL": "WARNING"}
    return subprocess.Popen(
        [sys.executable, "-m", "bosai.cli", "sim", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def test_typhoon_publishes_valid_readings_through_every_band(
    root: str, stations: list[SimStation], recorder: Recorder
) -> None:
    proc = sim("typhoon", "--stations", "2", "--speed", "36000", "--topic-root", root)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()
    assert "published" in out.decode()
    wait_until(lambda: len(recorder.of("status")) >= 4, "online and offline of both sensors")
    refs = {s.code: StationRef(i, s.code, *s.valid_range) for i, s in enumerate(stations)}
    by_code = {s.code: s for s in stations}
    bands: dict[str, set[str]] = {s.code: set() for s in stations}
    for topic, payload, _ in recorder.of("readings"):
        parsed = parse_message(topic, payload, stations=refs, now=datetime.now(UTC), root=root)
        assert parsed.rejections == []
        code = topic.split("/")[-2]
        for r in parsed.readings:
            assert r.water_level_m is not None
            bands[code].add(band_for(by_code[code].thresholds, r.water_level_m))
    for code, seen in bands.items():
        assert {"normal", "flooding"} <= seen, code
    statuses = [(t.split("/")[-2], p) for t, p, _ in recorder.of("status")]
    for s in stations:
        assert [p for c, p in statuses if c == s.code][:1] == [b"online"]
        assert [p for c, p in statuses if c == s.code][-1] == b"offline"


def test_load_mode_sends_count_readings(root: str, stations: list[SimStation], recorder: Recorder) -> None:
    proc = sim("calm", "--stations", "2", "--rate", "500", "--count", "200", "--topic-root", root)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()
    wait_until(lambda: len(recorder.of("readings")) == 200, "200 readings")


def test_last_will_says_offline_when_the_sensor_dies(root: str, stations: list[SimStation], recorder: Recorder) -> None:
    proc = sim("calm", "--stations", "2", "--speed", "1", "--topic-root", root)
    try:
        wait_until(lambda: len(recorder.of("status")) >= 2, "both sensors online")
        assert {p for _, p, _ in recorder.of("status")} == {b"online"}
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    wait_until(lambda: len(recorder.of("status")) >= 4, "the Last Will of both sensors")
    assert [p for _, p, _ in recorder.of("status")][2:] == [b"offline", b"offline"]
