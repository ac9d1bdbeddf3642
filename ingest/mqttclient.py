"""A paho-mqtt client that drains every packet waiting on the socket per wake-up."""

from __future__ import annotations

import time
from collections.abc import Callable

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

#: Bytes asked of the socket per recv(); paho asks for 1 byte, then the length bytes, then the rest.
RECV_CHUNK = 256 * 1024
#: PUBACK fixed header with remaining length 2: packet id only, reason Success (MQTT 5 §3.4.2.1).
PUBACK_HEADER = bytes((0x40, 0x02))
#: (topic, payload, packet id, QoS) of each PUBLISH decoded by the fast path.
Publish = tuple[str, bytes, int, int]


class BurstClient(mqtt.Client):
    """paho Client tuned for receiving thousands of QoS 1 messages/s and acknowledging them late.

    paho 2 reads one packet per select() with three recv() calls, and writes every PUBACK with its
    own send(); this client reads until the socket is drained through a buffer, and writes the
    acknowledgements of a whole batch at once (`ack_many`). With `on_publishes` set, plain PUBLISH
    packets (QoS 0/1, no properties) are decoded straight from the buffer and handed over a run at a
    time, skipping paho's per-packet Properties and MQTTMessage objects; every other packet still goes
    through paho. Tested against paho-mqtt 2.x.
    """

    _rbuf: bytearray
    _rbuf_sock: object = None
    #: Called with every run of PUBLISH packets the fast path decoded (instead of on_message).
    on_publishes: Callable[[list[Publish]], None] | None = None

    def loop_read(self, max_packets: int = 1) -> MQTTErrorCode:
        """Read packets until neither our buffer nor the socket has data.

        Stopping earlier would strand buffered bytes: select() only sees the socket. The broker
        stops sending at our Receive Maximum, so this loop ends.
        """
        while True:
            if self._sock is None:
                return MQTTErrorCode.MQTT_ERR_NO_CONN
            if self.on_publishes is not None and self._in_packet["command"] == 0 and self._rbuf_sock is self._sock:
                self._drain_publishes()
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
            if self.on_publishes is not None and self._in_packet["command"] == 0:
                self._drain_publishes()  # paho wants a new packet: take the plain PUBLISHes first
                if not self._rbuf:
                    raise BlockingIOError  # all taken: paho's reader reports "again"
        out = bytes(self._rbuf[:bufsize])
        del self._rbuf[:bufsize]
        return out

    def _drain_publishes(self) -> None:
        """Decode the complete QoS 0/1 PUBLISH packets without properties at the head of the buffer.

        Anything else (other packets, properties, QoS 2, a bad topic, a partial packet) stops the run
        and is left to paho's own reader.
        """
        buf, pos, end, out = self._rbuf, 0, len(self._rbuf), []
        v5 = self._protocol == mqtt.MQTTv5
        while pos + 2 <= end:
            header = buf[pos]
            if header & 0xF0 != mqtt.PUBLISH or header & 0x06 > 0x02:
                break
            length, mult, i = 0, 1, pos + 1
            while i < end and i < pos + 5:
                byte = buf[i]
                length += (byte & 127) * mult
                mult *= 128
                i += 1
                if not byte & 128:
                    break
            else:
                break
            stop = i + length
            if stop > end or i + 2 > stop:
                break
            tlen = (buf[i] << 8) | buf[i + 1]
            j = i + 2 + tlen
            qos = (header & 0x06) >> 1
            mid = 0
            if qos:
                if j + 2 > stop:
                    break
                mid = (buf[j] << 8) | buf[j + 1]
                j += 2
            if v5:
                if j >= stop or buf[j] != 0:  # properties (e.g. a topic alias): paho decodes them
                    break
                j += 1
            try:
                topic = buf[i + 2 : i + 2 + tlen].decode("utf-8")
            except UnicodeDecodeError:
                break
            if not topic:
                break
            out.append((topic, bytes(buf[j:stop]), mid, qos))
            pos = stop
        if not out:
            return
        del buf[:pos]
        with self._msgtime_mutex:
            self._last_bytes_received = mqtt.time_func()
        if self.on_publishes is not None:
            self.on_publishes(out)

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
