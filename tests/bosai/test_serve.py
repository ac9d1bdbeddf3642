"""`bosai serve` as deployed: uvicorn believes no forwarded header by itself (not even from 127.0.0.1), and its
access log carries no token."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from hub.settings import Settings
from tests.fakes.server import free_port

START_TIMEOUT_S = 30.0
SIGN_TOKEN = "sign-token-Hk2mQ9rT4vX7zA1c"
LINK_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzaGVsdGVyX2lkIjoyfQ.c2VydmVk"


class Served:
    """A `bosai serve` process on a free port, its output in a file."""

    def __init__(self, url: str, log: Path) -> None:
        self.url = url
        self.log = log


@pytest.fixture
def served(settings: Settings, engine: Engine, tmp_path: Path) -> Iterator[Served]:
    """`bosai serve` on the test database, two public reads a minute per client, logging at INFO."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOSAI_", "FORWARDED_ALLOW_IPS"))}
    env |= {
        "BOSAI_DATABASE_URL": settings.database_url,
        "BOSAI_JWT_SECRET": "serve-test-secret-not-for-production",
        "BOSAI_RATE_LIMITS": '{"login": "10/minute", "public": "2/minute"}',
        "BOSAI_LOG_LEVEL": "INFO",
    }
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bosai.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=tmp_path,  # no .env of the repository
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "bosai serve did not start"
                time.sleep(0.1)
        yield Served(f"http://127.0.0.1:{port}", log)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=START_TIMEOUT_S)


def test_serve_trusts_no_forwarded_header_and_logs_no_token(served: Served) -> None:
    with httpx.Client(base_url=served.url) as http:
        spoofed = [
            http.get("/ogcapi/conformance", headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code
            for n in range(3)
        ]
        http.get("/signage/some-sign/state", params={"token": SIGN_TOKEN})
        http.get(f"/staff/s/{LINK_TOKEN}")
    assert spoofed == [200, 200, 429]  # one bucket: the peer's, whatever the header says
    time.sleep(0.2)  # the access log line is written by the server process
    log = served.log.read_text()
    assert "/signage/some-sign/state?token=***" in log and "/staff/s/***" in log, log
    assert SIGN_TOKEN not in log and LINK_TOKEN not in log
    assert "198.51.100." not in log  # nor does the access log name the made-up address
