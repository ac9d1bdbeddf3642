"""Run a fake service's ASGI app on a real local HTTP port, in a thread or as its own process."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any, Literal

import uvicorn

START_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 10.0


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ThreadedServer:
    """uvicorn serving an app on 127.0.0.1 in a daemon thread."""

    def __init__(
        self,
        app: Any,
        port: int | None = None,
        *,
        lifespan: Literal["auto", "on", "off"] = "off",
        start_timeout_s: float = START_TIMEOUT_S,
        access_log: bool = False,
        proxy_headers: bool = True,
    ) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.start_timeout_s = start_timeout_s
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan=lifespan,
            access_log=access_log,
            proxy_headers=proxy_headers,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> None:
        """Start and wait until it accepts connections."""
        self.thread.start()
        deadline = time.monotonic() + self.start_timeout_s
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError(f"server on port {self.port} did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        """Stop and wait for the thread."""
        self.server.should_exit = True
        self.thread.join(timeout=STOP_TIMEOUT_S)

    def __enter__(self) -> ThreadedServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
