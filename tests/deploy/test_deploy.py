"""The shipped deployment files work: docker-compose.yml validates and its commands parse, the broker config runs."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import time
from typing import Any

import paho.mqtt.client as mqtt
import pytest
import yaml
from paho.mqtt.enums import CallbackAPIVersion
from typer.core import TyperGroup
from typer.main import get_command

from bosai.cli import app as bosai_app
from hub.settings import Settings
from tests.conftest import REPO
from tests.deploy.conftest import ProductionBroker

#: The exit status of a command-line usage error (unknown command or option, missing or invalid value).
USAGE_ERROR = 2
SECRETS = {"POSTGRES_PASSWORD": "x", "MQTT_INGEST_PASSWORD": "y", "MQTT_SIM_PASSWORD": "z", "BOSAI_JWT_SECRET": "w"}
#: The image docker-compose.yml builds from the Dockerfile; other services run images of their own.
APP_IMAGE = "bosai-hub:latest"
#: Images of others: compose may not give them a command or entrypoint this test cannot check.
OTHER_IMAGES = ("postgis/postgis:", "eclipse-mosquitto:", "nginx:")


def compose_services() -> dict[str, dict[str, Any]]:
    """docker-compose.yml's services, YAML anchors and merge keys resolved."""
    services: dict[str, dict[str, Any]] = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]
    return services


def dockerfile_instruction(name: str) -> list[str]:
    """The exec-form (JSON array) argument of the Dockerfile's last NAME instruction (ENTRYPOINT, CMD)."""
    lines = [line for line in (REPO / "Dockerfile").read_text().splitlines() if line.startswith(name + " ")]
    assert lines, f"the Dockerfile has no {name}"
    value: list[str] = json.loads(lines[-1].removeprefix(name + " "))
    return value


def argv(value: str | list[str] | None, default: list[str]) -> list[str]:
    """A compose command/entrypoint as argv (a string is split as compose splits it)."""
    if value is None:
        return default
    return shlex.split(value) if isinstance(value, str) else [str(v) for v in value]


def resolve(args: list[str]) -> str:
    """The path of the `bosai` command these arguments select, every option parsed and converted; nothing runs.

    A usage error (exit status 2: unknown command or option, missing or invalid value) raises as in `bosai`.
    """
    command = get_command(bosai_app)
    ctx = command.make_context("bosai", list(args))
    while isinstance(command, TyperGroup):
        # A group parses its own options, then keeps the tokens after the subcommand's name in ctx.args.
        name = args[len(args) - len(ctx.args) - 1]
        _, sub, rest = command.resolve_command(ctx, [name, *ctx.args])
        assert sub is not None
        command, args = sub, rest
        ctx = command.make_context(name, list(rest), parent=ctx)
    return ctx.command_path


def usage_error(args: list[str]) -> str | None:
    """Why `bosai` would refuse these arguments (error class and message), None if it accepts them."""
    try:
        resolve(args)
    except Exception as exc:
        if getattr(exc, "exit_code", None) != USAGE_ERROR:
            raise
        return f"{type(exc).__name__}: {getattr(exc, 'format_message', exc.__str__)()}"
    return None


def test_every_compose_command_is_a_valid_bosai_command_line() -> None:
    entrypoint, cmd = dockerfile_instruction("ENTRYPOINT"), dockerfile_instruction("CMD")
    checked = {}
    for name, service in compose_services().items():
        if service.get("image") != APP_IMAGE:
            assert service["image"].startswith(OTHER_IMAGES), f"{name}: an image this test does not know"
            assert "command" not in service and "entrypoint" not in service, f"{name}: a command to check"
            continue
        line = [*argv(service.get("entrypoint"), entrypoint), *argv(service.get("command"), cmd)]
        assert line[0] == "bosai", f"{name}: runs {line[0]}, not the bosai CLI"
        assert usage_error(line[1:]) is None, f"{name}: `{shlex.join(line)}`: {usage_error(line[1:])}"
        checked[name] = resolve(line[1:])
    assert checked == {
        "migrate": "bosai db upgrade",
        "hub": "bosai serve",
        "ingest": "bosai ingest",
        "worker": "bosai worker",
        "sim": "bosai sim typhoon",
    }


@pytest.mark.parametrize(
    "args",
    [["sim", "--scenario", "typhoon"], ["sim"], ["nosuch"], ["ingest", "--health-port", "port"], ["serve", "extra"]],
)
def test_the_command_check_refuses_what_bosai_would_refuse(args: list[str]) -> None:
    assert usage_error(args)


def test_compose_file_validates() -> None:
    env = os.environ | SECRETS
    result = subprocess.run(
        ["docker-compose", "-f", "docker-compose.yml", "config", "-q"], cwd=REPO, env=env, capture_output=True
    )
    assert result.returncode == 0, result.stderr.decode()
    services = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]
    assert {"db", "mqtt", "hub", "ingest", "worker", "sim", "proxy"} <= services.keys()
    assert services["db"]["image"].startswith("postgis/postgis")
    assert all("healthcheck" in services[name] for name in ("db", "mqtt", "hub", "ingest"))


def test_compose_exposes_only_tls_to_the_outside() -> None:
    services = compose_services()
    published = {name: [str(p) for p in service.get("ports", [])] for name, service in services.items()}
    outside = {name: [p for p in ports if not p.startswith("127.0.0.1:")] for name, ports in published.items()}
    assert {name: ports for name, ports in outside.items() if ports} == {
        "mqtt": ["8883:8883"],  # sensors: MQTT over TLS
        "proxy": ["80:80", "443:443"],  # browsers: HTTPS (port 80 only redirects and answers ACME challenges)
    }
    certs = "${BOSAI_TLS_DIR:-./deploy/certs}"
    assert f"{certs}:/mosquitto/certs:ro" in services["mqtt"]["volumes"]
    assert f"{certs}:/etc/nginx/certs:ro" in services["proxy"]["volumes"]
    assert "./deploy/nginx/bosai.conf:/etc/nginx/conf.d/default.conf:ro" in services["proxy"]["volumes"]
    mosquitto = (REPO / "deploy/mosquitto/mosquitto.conf").read_text()
    nginx = (REPO / "deploy/nginx/bosai.conf").read_text()
    assert "/mosquitto/certs/fullchain.pem" in mosquitto and "/mosquitto/certs/privkey.pem" in mosquitto
    assert "/etc/nginx/certs/fullchain.pem" in nginx and "/etc/nginx/certs/privkey.pem" in nginx
    assert "http://hub:8000" in nginx and "8000" in [str(p) for p in services["hub"]["expose"]]


def test_the_hub_trusts_forwarded_headers_from_its_proxy_only() -> None:
    services = compose_services()
    proxy_address = services["proxy"]["networks"]["default"]["ipv4_address"]
    trusted = json.loads(services["hub"]["environment"]["BOSAI_TRUSTED_PROXIES"])
    assert trusted == [proxy_address]
    assert Settings(trusted_proxies=trusted).trusted_proxies == [proxy_address]  # what the hub accepts


def test_compose_refuses_to_start_without_secrets() -> None:
    env = {k: v for k, v in os.environ.items() if k not in SECRETS}
    result = subprocess.run(
        ["docker-compose", "-f", "docker-compose.yml", "config", "-q"], cwd=REPO, env=env, capture_output=True
    )
    assert result.returncode != 0
    assert b"POSTGRES_PASSWORD" in result.stderr


def _client(port: int, user: str | None, password: str | None) -> tuple[mqtt.Client, list[mqtt.MQTTMessage]]:
    received: list[mqtt.MQTTMessage] = []
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    if user:
        client.username_pw_set(user, password)
    client.on_message = lambda _c, _u, message: received.append(message)
    return client, received


def test_broker_acl_lets_a_sensor_publish_only_its_own_topic(production_broker: ProductionBroker) -> None:
    port = production_broker.port
    reader, received = _client(port, "bosai-ingest", "ingest-pw")
    reader.connect("127.0.0.1", port)
    reader.loop_start()
    reader.subscribe("$share/bosai-ingest/sensors/+/readings", qos=1)
    time.sleep(0.5)
    sensor, _ = _client(port, "0900000067", "sensor-pw")
    sensor.connect("127.0.0.1", port)
    sensor.loop_start()
    sensor.publish("sensors/0900000067/readings", b"own", qos=1).wait_for_publish(timeout=5)
    sensor.publish("sensors/0000000001/readings", b"someone-else", qos=1).wait_for_publish(timeout=5)
    time.sleep(1.0)
    for client in (sensor, reader):
        client.disconnect()
        client.loop_stop()
    assert [(m.topic, m.payload) for m in received] == [("sensors/0900000067/readings", b"own")]


def test_broker_refuses_anonymous_clients(production_broker: ProductionBroker) -> None:
    result = subprocess.run(
        ["mosquitto_pub", "-p", str(production_broker.port), "-t", "sensors/x/readings", "-m", "anon"],
        capture_output=True,
    )
    assert result.returncode != 0
    assert b"not authori" in result.stderr.lower()


def test_broker_keeps_a_large_queue() -> None:
    config = (REPO / "deploy/mosquitto/mosquitto.conf").read_text().split("\n")
    limit = next(int(line.split()[1]) for line in config if line.startswith("max_queued_messages"))
    assert limit >= 1_000_000
    assert "persistence true" in config
