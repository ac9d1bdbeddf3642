"""Attacks on the shipped broker configuration: client-id takeover by a sensor login, and TLS for sensors."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from dataclasses import dataclass, field

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from tests.conftest import REPO
from tests.deploy.conftest import USERS, ProductionBroker

#: The client id an ingestor on host "ingest-1" uses by default (predictable: bosai-ingest-<host name>).
INGESTOR_ID = "bosai-ingest-ingest-1"
SENSOR = "0900000067"
SHARED = "$share/bosai-ingest/sensors/+/readings"
WAIT_S = 10.0
SESSION_EXPIRY_S = 3600


@dataclass
class Probe:
    """A paho client and what happened to it: CONNACKs, disconnections, messages."""

    client: mqtt.Client
    connacks: list[ReasonCode] = field(default_factory=list)
    disconnects: list[ReasonCode] = field(default_factory=list)
    messages: list[bytes] = field(default_factory=list)
    connected: threading.Event = field(default_factory=threading.Event)


def probe(user: str, client_id: str, *, ca: str | None = None, tls: bool = False) -> Probe:
    """A client logging in as user with client_id; over TLS trusting ca (the system CAs if None) when tls."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    client.username_pw_set(user, USERS[user])
    if tls:
        client.tls_set(ca_certs=ca, tls_version=ssl.PROTOCOL_TLS_CLIENT)
    client.reconnect_delay_set(min_delay=30, max_delay=30)  # a kicked client must not take its id straight back
    state = Probe(client)

    def on_connect(_c: mqtt.Client, _u: object, _f: object, reason: ReasonCode, _p: object) -> None:
        state.connacks.append(reason)
        state.connected.set()

    def on_disconnect(_c: mqtt.Client, _u: object, _f: object, reason: ReasonCode, _p: object) -> None:
        state.disconnects.append(reason)

    client.on_connect = on_connect
    client.on_disconnect = on_disconnect
    client.on_message = lambda _c, _u, message: state.messages.append(bytes(message.payload))
    return state


def start(state: Probe, port: int, *, clean_start: bool = True) -> Probe:
    """Connect (a persistent session unless clean_start) and wait for the CONNACK."""
    properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
    properties.SessionExpiryInterval = 0 if clean_start else SESSION_EXPIRY_S
    state.client.connect("127.0.0.1", port, clean_start=clean_start, properties=properties)
    state.client.loop_start()
    assert state.connected.wait(WAIT_S), "no CONNACK"
    return state


def stop(state: Probe) -> None:
    """Disconnect cleanly and stop the network loop."""
    state.client.disconnect()
    state.client.loop_stop()


def wait_for(condition: object, timeout: float = WAIT_S) -> bool:
    """Poll a zero-argument callable until it is true or the timeout passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        time.sleep(0.05)
    return False


def publish_readings(broker: ProductionBroker, payloads: list[bytes]) -> None:
    """The sensor publishes its own readings over TLS, QoS 1, and leaves."""
    sensor = start(probe(SENSOR, "any", ca=str(broker.certificate.ca), tls=True), broker.tls_port)
    for payload in payloads:
        sensor.client.publish(f"sensors/{SENSOR}/readings", payload, qos=1).wait_for_publish(timeout=WAIT_S)
    stop(sensor)


def test_a_sensor_login_with_the_ingestors_client_id_does_not_kick_the_ingestor(
    production_broker: ProductionBroker,
) -> None:
    ingestor = start(probe("bosai-ingest", INGESTOR_ID), production_broker.port, clean_start=False)
    ingestor.client.subscribe(SHARED, qos=1)
    time.sleep(0.3)
    ca = str(production_broker.certificate.ca)
    attacker = start(probe(SENSOR, INGESTOR_ID, ca=ca, tls=True), production_broker.tls_port)
    attacker.client.publish(f"sensors/{SENSOR}/readings", b"after the attempt", qos=1).wait_for_publish(WAIT_S)
    assert wait_for(lambda: ingestor.messages), "the ingestor no longer receives"
    time.sleep(0.5)
    stop(attacker)
    stop(ingestor)
    assert [reason.is_failure for reason in attacker.connacks] == [False]  # logged in, but as itself
    assert ingestor.disconnects == [ReasonCode(PacketTypes.DISCONNECT, "Normal disconnection")]  # only our own
    assert ingestor.connacks and len(ingestor.connacks) == 1
    assert ingestor.messages == [b"after the attempt"]


def test_a_sensor_login_cannot_drop_the_ingestors_queued_readings(production_broker: ProductionBroker) -> None:
    ingestor = start(probe("bosai-ingest", INGESTOR_ID), production_broker.port, clean_start=False)
    ingestor.client.subscribe(SHARED, qos=1)
    time.sleep(0.3)
    stop(ingestor)  # the ingestor restarts; its persistent session queues the readings meanwhile
    publish_readings(production_broker, [b"r1", b"r2", b"r3"])
    ca = str(production_broker.certificate.ca)
    attacker = start(probe(SENSOR, INGESTOR_ID, ca=ca, tls=True), production_broker.tls_port, clean_start=True)
    stop(attacker)
    back = start(probe("bosai-ingest", INGESTOR_ID), production_broker.port, clean_start=False)
    assert wait_for(lambda: len(back.messages) >= 3), f"queued readings lost: {back.messages}"
    stop(back)
    assert back.messages == [b"r1", b"r2", b"r3"]


def test_sensors_reach_the_ingestor_over_tls(production_broker: ProductionBroker) -> None:
    ingestor = start(probe("bosai-ingest", INGESTOR_ID), production_broker.port)
    ingestor.client.subscribe(SHARED, qos=1)
    time.sleep(0.3)
    publish_readings(production_broker, [b"over tls"])
    assert wait_for(lambda: ingestor.messages)
    stop(ingestor)
    assert ingestor.messages == [b"over tls"]


# paho does not close its socket when the TLS handshake fails; the garbage collector reports it.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_the_tls_listener_refuses_a_client_that_does_not_trust_the_ca(production_broker: ProductionBroker) -> None:
    client = probe(SENSOR, SENSOR, tls=True).client  # the system's CAs: the throwaway CA is not among them
    with pytest.raises(ssl.SSLCertVerificationError):
        client.connect("127.0.0.1", production_broker.tls_port)


def test_the_tls_listener_refuses_plain_mqtt(production_broker: ProductionBroker) -> None:
    plain = probe(SENSOR, SENSOR)
    plain.client.connect("127.0.0.1", production_broker.tls_port)
    plain.client.loop_start()
    connected = plain.connected.wait(2.0)
    plain.client.loop_stop()
    assert not connected and not plain.connacks


def test_the_tls_listener_negotiates_tls_1_2_or_later(production_broker: ProductionBroker) -> None:
    context = ssl.create_default_context(cafile=str(production_broker.certificate.ca))
    with ssl_socket(context, production_broker.tls_port) as tls:
        assert tls.version() in {"TLSv1.2", "TLSv1.3"}
    config = (REPO / "deploy/mosquitto/mosquitto.conf").read_text()
    listener = config.split("listener 8883\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert {"tls_version tlsv1.2", "use_username_as_clientid true"} <= set(listener)


def ssl_socket(context: ssl.SSLContext, port: int) -> ssl.SSLSocket:
    """A TLS connection to the broker's port (the handshake done)."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=WAIT_S)
    try:
        return context.wrap_socket(raw, server_hostname="localhost")
    except ssl.SSLError:
        raw.close()
        raise
