"""A private Mosquitto for crash tests: our own port, persistence and unlimited queues; restartable."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from pathlib import Path

from tests.fakes.server import free_port

START_TIMEOUT_S = 15.0
#: `user root` keeps Mosquitto from switching to the mosquitto user (who cannot write our tmp dir) when the
#: tests run as root; without root it is ignored.
CONFIG = """\
user root
listener {port} 127.0.0.1
allow_anonymous true
persistence true
persistence_location {dir}/
autosave_interval 1
max_queued_messages 0
max_queued_bytes 0
max_inflight_messages 0
log_dest file {dir}/mosquitto.log
"""


class PrivateBroker:
    """mosquitto -c <tmp>/mosquitto.conf on a free port."""

    def __init__(self, workdir: Path) -> None:
        self.dir = workdir
        self.port = free_port()
        self.conf = workdir / "mosquitto.conf"
        self.conf.write_text(CONFIG.format(port=self.port, dir=workdir))
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start and wait until it accepts connections."""
        self.proc = subprocess.Popen(["mosquitto", "-c", str(self.conf)], stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"mosquitto did not start: {(self.dir / 'mosquitto.log').read_text()[-2000:]}")

    def stop(self) -> None:
        """A clean stop (SIGTERM): Mosquitto saves its sessions and queued messages."""
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=START_TIMEOUT_S)
            self.proc = None

    def restart(self) -> None:
        """Stop cleanly and start again on the same port."""
        self.stop()
        self.start()
