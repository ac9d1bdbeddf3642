"""A paho-mqtt client that drains every packet waiting on the socket per wake-up."""

from __future__ import annotations

import time

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

#: Bytes asked of the socket per recv(); paho asks for 1 byte, then the length bytes, then the rest.
RECV_CHUNK = 256 * 1024
#: PUBACK fixed header with remaining length 2: packet id only, reason Success (MQTT 5 §3.4.2.1).
PUBACK_HEADER = bytes((0x40, 0x02))


class BurstClient(mqtt.Client):
    """paho Client tuned for receiving thousands of QoS 1 messages/s and acknowledging them late.

    paho 2 reads one packet per select() with three recv() calls, and writes every PUBACK with its
    own send(); this client reads until the socket is drained through a buffer, and writes the
    acknowledgements of a whole batch at once (`ack_many`). Tested against paho-mqtt 2.x.
    """

    _rbuf: bytearray
    _rbuf_sock: object = None

    def loop_read(self, max_packets: int = 1) -> MQTTErrorCode:
        """Read packets until neither our buffer nor the socket has data.

        Stopping earlier would strand buffered bytes: select() only sees the socket. The broker
        stops sending at our Receive Maximum, so this loop ends.
        """
        while True:
            if self._sock is None:
                return MQTTErrorCode.MQTT_ERR_NO_CONN
            rc = self._packet_read()
            if rc > 0:
                return self._loop_rc_handle(rc)
            if rc == MQTTErrorCode.MQTT_ERR_AGAIN:
                return MQTTErrorCode.MQTT_ERR_SUCCESS

    def _sock_recv(self, bufsize: int) -> bytes:
        """Serve paho's small reads from a buffer filled with large recv() calls."""
        if self._sock is not self._rbuf_sock:  # a new connection: forget the old one's bytes
            self._rbuf, self._rbuf_sock = bytearray(), self._sock
        if not self._rbuf:
            data = super()._sock_recv(RECV_CHUNK)
            if not data:
                return data  # the broker closed the connection
            self._rbuf += data
        out = bytes(self._rbuf[:bufsize])
        del self._rbuf[:bufsize]
        return out

    def ack_many(self, mids: list[int]) -> None:
        """Acknowledge QoS 1 messages (manual_ack mode) with one write for all of them."""
        if mids:
            blob = b"".join(PUBACK_HEADER + mid.to_bytes(2, "big") for mid in mids)
            self._packet_queue(mqtt.PUBACK, blob, 0, 0)


def purge_session(host: str, port: int, client_id: str, timeout_s: float = 10.0) -> None:
    """Delete a persistent session and its queued messages (connect with clean start, expiry 0)."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
    props.SessionExpiryInterval = 0
    client.connect(host, port, clean_start=True, properties=props)
    client.loop_start()
    deadline = time.monotonic() + timeout_s
    while not client.is_connected() and time.monotonic() < deadline:
        time.sleep(0.02)
    client.disconnect()
    client.loop_stop()
