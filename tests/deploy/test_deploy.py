"""The shipped deployment files work: docker-compose.yml validates, the production broker config runs."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
import yaml
from paho.mqtt.enums import CallbackAPIVersion

from tests.conftest import REPO, free_port

SECRETS = {"POSTGRES_PASSWORD": "x", "MQTT_INGEST_PASSWORD": "y", "MQTT_SIM_PASSWORD": "z", "BOSAI_JWT_SECRET": "w"}


def test_compose_file_validates() -> None:
    env = os.environ | SECRETS
    result = subprocess.run(
        ["docker-compose", "-f", "docker-compose.yml", "config", "-q"], cwd=REPO, env=env, capture_output=True
    )
    assert result.returncode == 0, result.stderr.decode()
    services = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]
    assert {"db", "mqtt", "hub", "ingest", "worker", "sim"} <= services.keys()
    assert services["db"]["image"].startswith("postgis/postgis")
    assert all("healthcheck" in services[name] for name in ("db", "mqtt", "hub", "ingest"))


def test_compose_refuses_to_start_without_secrets() -> None:
    env = {k: v for k, v in os.environ.items() if k not in SECRETS}
    result = subprocess.run(
        ["docker-compose", "-f", "docker-compose.yml", "config", "-q"], cwd=REPO, env=env, capture_output=True
    )
    assert result.returncode != 0
    assert b"POSTGRES_PASSWORD" in result.stderr


@pytest.fixture
def production_broker() -> Iterator[int]:
    """The shipped mosquitto.conf + acl, with a password file, on a spare loopback port."""
    with tempfile.TemporaryDirectory(prefix="bosai-broker-") as directory:
        yield from _run_broker(Path(directory))


def _run_broker(tmp_path: Path) -> Iterator[int]:
    # The broker drops root privileges to the mosquitto user, which must read this directory.
    port = free_port()
    tmp_path.chmod(0o755)
    config = (REPO / "deploy/mosquitto/mosquitto.conf").read_text()
    config = config.replace("/mosquitto/config", str(tmp_path)).replace("/mosquitto/data/", f"{tmp_path}/")
    config = config.replace("listener 1883", f"listener {port} 127.0.0.1")
    (tmp_path / "mosquitto.conf").write_text(config)
    shutil.copy(REPO / "deploy/mosquitto/acl", tmp_path / "acl")
    passwd = tmp_path / "passwd"
    for i, (user, password) in enumerate([("bosai-ingest", "ingest-pw"), ("0900000067", "sensor-pw")]):
        flags = ["-b", "-c"] if i == 0 else ["-b"]
        subprocess.run(["mosquitto_passwd", *flags, str(passwd), user, password], check=True)
    for path in tmp_path.iterdir():
        path.chmod(0o644)
    shutil.chown(tmp_path, user="mosquitto")
    log = tmp_path / "broker.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(["mosquitto", "-c", str(tmp_path / "mosquitto.conf")], stderr=log_file)
    deadline = time.monotonic() + 10
    while subprocess.run(["bash", "-c", f"exec 3<>/dev/tcp/127.0.0.1/{port}"], capture_output=True).returncode:
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline
        time.sleep(0.1)
    yield port
    process.terminate()
    process.wait(timeout=10)


def _client(port: int, user: str | None, password: str | None) -> tuple[mqtt.Client, list[mqtt.MQTTMessage]]:
    received: list[mqtt.MQTTMessage] = []
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    if user:
        client.username_pw_set(user, password)
    client.on_message = lambda _c, _u, message: received.append(message)
    return client, received


def test_broker_acl_lets_a_sensor_publish_only_its_own_topic(production_broker: int) -> None:
    reader, received = _client(production_broker, "bosai-ingest", "ingest-pw")
    reader.connect("127.0.0.1", production_broker)
    reader.loop_start()
    reader.subscribe("$share/bosai-ingest/sensors/+/readings", qos=1)
    time.sleep(0.5)
    sensor, _ = _client(production_broker, "0900000067", "sensor-pw")
    sensor.connect("127.0.0.1", production_broker)
    sensor.loop_start()
    sensor.publish("sensors/0900000067/readings", b"own", qos=1).wait_for_publish(timeout=5)
    sensor.publish("sensors/0000000001/readings", b"someone-else", qos=1).wait_for_publish(timeout=5)
    time.sleep(1.0)
    for client in (sensor, reader):
        client.disconnect()
        client.loop_stop()
    assert [(m.topic, m.payload) for m in received] == [("sensors/0900000067/readings", b"own")]


def test_broker_refuses_anonymous_clients(production_broker: int) -> None:
    result = subprocess.run(
        ["mosquitto_pub", "-p", str(production_broker), "-t", "sensors/x/readings", "-m", "anon"], capture_output=True
    )
    assert result.returncode != 0
    assert b"not authori" in result.stderr.lower()


def test_broker_keeps_a_large_queue() -> None:
    config = (REPO / "deploy/mosquitto/mosquitto.conf").read_text().split("\n")
    limit = next(int(line.split()[1]) for line in config if line.startswith("max_queued_messages"))
    assert limit >= 1_000_000
    assert "persistence true" in config
