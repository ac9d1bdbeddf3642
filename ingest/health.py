"""The ingestor's health: connection states logged once per change, counters, a /healthz endpoint."""

from __future__ import annotations

import json
import logging
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

log = logging.getLogger("bosai.ingest")


class Health:
    """Thread-safe state of the ingestor."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.mqtt_connected = False
        self.database_ok: bool | None = None
        self.database_error: str | None = None
        self.last_commit_at: datetime | None = None
        self.queue_depth = 0
        self.counters = dict.fromkeys(
            ("received", "committed_messages", "readings", "readings_inserted", "dead_letters", "events", "acked"),
            0,
        )

    def set_mqtt(self, connected: bool, detail: str = "") -> None:
        """Record the broker connection; log only when it changes."""
        with self._lock:
            changed, self.mqtt_connected = connected != self.mqtt_connected, connected
        if changed and connected:
            log.info("broker connected %s", detail)
        elif changed:
            log.warning("broker connection lost: %s; reconnecting", detail)

    def set_database(self, ok: bool, error: str | None = None) -> None:
        """Record the database state; log only when it changes."""
        with self._lock:
            changed = ok != self.database_ok
            self.database_ok, self.database_error = ok, (None if ok else error)
        if changed and ok:
            log.info("database available")
        elif changed:
            log.error("database unavailable, not acknowledging, retrying with backoff: %s", error)

    def add(self, **counts: int) -> None:
        """Add to the counters."""
        with self._lock:
            for name, value in counts.items():
                self.counters[name] += value

    @property
    def ok(self) -> bool:
        """Healthy: connected to the broker and the database."""
        return self.mqtt_connected and bool(self.database_ok)

    def snapshot(self) -> dict[str, Any]:
        """The state as JSON-ready data."""
        with self._lock:
            return {
                "status": "ok" if self.mqtt_connected and self.database_ok else "unavailable",
                "broker": "connected" if self.mqtt_connected else "disconnected",
                "database": "ok" if self.database_ok else f"down: {self.database_error or 'not connected yet'}",
                "queue_depth": self.queue_depth,
                "last_commit_at": self.last_commit_at.isoformat() if self.last_commit_at else None,
                **self.counters,
            }


class HealthServer:
    """GET /healthz → 200 when healthy, 503 otherwise, JSON body either way."""

    def __init__(self, health: Health, host: str, port: int) -> None:
        outer = health

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.split("?")[0] not in ("/healthz", "/"):
                    self.send_error(404)
                    return
                body = json.dumps(outer.snapshot()).encode()
                self.send_response(200 if outer.ok else 503)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.port: int = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, name="ingest-health", daemon=True)

    def start(self) -> None:
        """Serve in a background thread."""
        self.thread.start()

    def stop(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()
