"""The shipped broker configuration (deploy/mosquitto), run by a private mosquitto on spare loopback ports."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.deploy.certs import ServerCertificate, make_server_certificate
from tests.fakes.server import free_port

START_TIMEOUT_S = 10.0
#: The accounts of the password file: the ingestor and one sensor (user name = station code).
USERS = {"bosai-ingest": "ingest-pw", "0900000067": "sensor-pw"}


@dataclass(frozen=True)
class ProductionBroker:
    """The internal listener (1883 in compose), the sensors' TLS listener (8883) and the CA its certificate is from."""

    port: int
    tls_port: int
    certificate: ServerCertificate
    log: Path


@pytest.fixture
def production_broker() -> Iterator[ProductionBroker]:
    """The shipped mosquitto.conf + acl with a password file and a throwaway certificate."""
    with tempfile.TemporaryDirectory(prefix="bosai-broker-") as directory:
        yield from _run_broker(Path(directory))


def wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    """Wait until the process accepts TCP connections on the port; fail with its log if it exits or times out."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)


def _run_broker(tmp_path: Path) -> Iterator[ProductionBroker]:
    # The broker drops root privileges to the mosquitto user, which must read this directory.
    port, tls_port = free_port(), free_port()
    tmp_path.chmod(0o755)
    certs = tmp_path / "certs"
    certs.mkdir(mode=0o755)
    certificate = make_server_certificate(certs)
    config = (REPO / "deploy/mosquitto/mosquitto.conf").read_text()
    config = config.replace("/mosquitto/config", str(tmp_path)).replace("/mosquitto/data/", f"{tmp_path}/")
    config = config.replace("/mosquitto/certs", str(certs))
    config = config.replace("listener 1883\n", f"listener {port} 127.0.0.1\n")
    config = config.replace("listener 8883\n", f"listener {tls_port} 127.0.0.1\n")
    assert str(port) in config and str(tls_port) in config, "the listeners moved: update this fixture"
    (tmp_path / "mosquitto.conf").write_text(config)
    shutil.copy(REPO / "deploy/mosquitto/acl", tmp_path / "acl")
    passwd = tmp_path / "passwd"
    for i, (user, password) in enumerate(USERS.items()):
        flags = ["-b", "-c"] if i == 0 else ["-b"]
        subprocess.run(["mosquitto_passwd", *flags, str(passwd), user, password], check=True)
    for path in [*tmp_path.iterdir(), *certs.iterdir()]:
        if path.is_file():
            path.chmod(0o644)
    shutil.chown(tmp_path, user="mosquitto")
    log = tmp_path / "broker.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(["mosquitto", "-c", str(tmp_path / "mosquitto.conf")], stderr=log_file)
    try:
        wait_for_port(port, process, log)
        wait_for_port(tls_port, process, log)
        yield ProductionBroker(port, tls_port, certificate, log)
    finally:
        process.terminate()
        process.wait(timeout=START_TIMEOUT_S)
