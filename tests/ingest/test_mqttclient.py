"""The client's fast path for plain PUBLISH packets, against packets built by hand."""

from __future__ import annotations

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from ingest.mqttclient import BurstClient, Publish


def remaining_length(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (128 if n else 0))
        if not n:
            return bytes(out)


def publish(topic: str, payload: bytes, mid: int = 1, qos: int = 1, props: bytes = b"\x00") -> bytes:
    """An MQTT 5 PUBLISH packet."""
    name = topic.encode()
    body = len(name).to_bytes(2, "big") + name + (mid.to_bytes(2, "big") if qos else b"") + props + payload
    return bytes((0x30 | qos << 1,)) + remaining_length(len(body)) + body


def drain(data: bytes, protocol: MQTTProtocolVersion = mqtt.MQTTv5) -> tuple[list[Publish], bytes]:
    """What the fast path delivers from a buffer, and what it leaves for paho."""
    client = BurstClient(CallbackAPIVersion.VERSION2, client_id="t", protocol=protocol, manual_ack=True)
    got: list[Publish] = []
    client.on_publishes = got.extend
    client._rbuf = bytearray(data)
    client._drain_publishes()
    return got, bytes(client._rbuf)


def test_plain_publishes_are_decoded_in_order() -> None:
    big = b"x" * 300  # a two-byte remaining length
    data = publish("s/A/readings", b"{}", 7) + publish("s/B/readings", big, 65535) + publish("s/C/status", b"", qos=0)
    got, rest = drain(data)
    assert got == [("s/A/readings", b"{}", 7, 1), ("s/B/readings", big, 65535, 1), ("s/C/status", b"", 0, 0)]
    assert rest == b""


@pytest.mark.parametrize(
    "stopper",
    [
        publish("s/A/readings", b"{}", props=b"\x03\x23\x00\x01"),  # a topic alias property
        publish("s/A/readings", b"{}", qos=2),
        bytes((0x32, 0x08, 0x00, 0x02, 0xC3, 0x28, 0x00, 0x01, 0x00, 0x7B)),  # invalid UTF-8 topic
        bytes((0x40, 0x02, 0x00, 0x01)),  # a PUBACK
    ],
)
def test_anything_else_is_left_to_paho(stopper: bytes) -> None:
    first, last = publish("s/A/readings", b"1", 1), publish("s/A/readings", b"2", 2)
    got, rest = drain(first + stopper + last)
    assert got == [("s/A/readings", b"1", 1, 1)]
    assert rest == stopper + last


def test_mqtt_311_packets_have_no_properties() -> None:
    got, rest = drain(publish("s/A/readings", b"{}", 3, props=b""), protocol=mqtt.MQTTv311)
    assert got == [("s/A/readings", b"{}", 3, 1)]
    assert rest == b""


def test_an_incomplete_packet_waits_for_more_bytes() -> None:
    first, partial = publish("s/A/readings", b"1", 1), publish("s/A/readings", b"22", 2)[:-1]
    got, rest = drain(first + partial)
    assert got == [("s/A/readings", b"1", 1, 1)]
    assert rest == partial
    assert drain(partial[:1]) == ([], partial[:1])
