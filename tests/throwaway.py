"""A PostgreSQL cluster of the test's own (initdb + pg_ctl in a temporary directory, on a free port).

Tests that stop, kill or restart a database do it to this cluster, never to the machine's. PostGIS comes
from the machine-wide installation of the same major version. As root (CI) the server runs as the
`postgres` OS user, because initdb and postgres refuse to run as root.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.server import free_port

PG_BINDIR = Path(os.environ.get("BOSAI_TEST_PG_BINDIR", "/usr/lib/postgresql/15/bin"))
SERVER_USER = "postgres"
START_TIMEOUT_S = 60
STOP_TIMEOUT_S = 60
KILL_TIMEOUT_S = 10.0
MIGRATE_TIMEOUT_S = 180
#: initdb without fsync (--no-sync, "useful for testing"), UTF-8 as the machine's cluster.
INITDB_OPTIONS = ("-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
#: Settings appended to postgresql.conf: loopback on our port, the socket in our directory, and no fsync (a
#: killed server still recovers from its WAL; only an operating-system crash would need fsync).
CONFIG = """
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{root}'
fsync = off
max_connections = 50
shared_buffers = 32MB
"""


def as_server_user(command: list[str]) -> list[str]:
    """The command run as the postgres OS user when we are root, else as ourselves."""
    return ["runuser", "-u", SERVER_USER, "--", *command] if os.geteuid() == 0 else command


class ThrowawayPostgres:
    """initdb'd cluster in a temporary directory: start, stop, kill (SIGKILL), restart, destroy."""

    def __init__(self, bindir: Path = PG_BINDIR) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="bosai-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.root, user=SERVER_USER, group=SERVER_USER)
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.port = free_port()
        try:
            self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", *INITDB_OPTIONS)
            with (self.data / "postgresql.conf").open("a") as conf:
                conf.write(CONFIG.format(port=self.port, root=self.root))
        except BaseException:
            shutil.rmtree(self.root, ignore_errors=True)
            raise

    def url(self, database: str = "bosai") -> str:
        """SQLAlchemy URL of a database in this cluster."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, tool: str, *args: str, timeout: float = START_TIMEOUT_S) -> None:
        command = as_server_user([str(self.bindir / tool), *args])
        result = subprocess.run(command, capture_output=True, timeout=timeout, cwd=self.root)
        if result.returncode:
            raise RuntimeError(f"{tool} failed: {result.stderr.decode()}{self.log_tail()}")

    def log_tail(self) -> str:
        """The last lines of the server log (for failure messages)."""
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""

    def start(self) -> None:
        """Start and wait until it accepts connections (after a kill: crash recovery first)."""
        self._run("pg_ctl", "start", "-D", str(self.data), "-l", str(self.log), "-w", "-t", str(START_TIMEOUT_S))

    def stop(self) -> None:
        """A fast shutdown: clients are disconnected, the server checkpoints and exits."""
        self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "fast", "-w", "-t", str(STOP_TIMEOUT_S))

    def restart(self) -> None:
        """Stop and start again on the same port."""
        self.stop()
        self.start()

    def postmaster_pid(self) -> int | None:
        """The pid of this cluster's running postmaster (None when stopped; a stale postmaster.pid is not it)."""
        try:
            pid = int((self.data / "postmaster.pid").read_text().split("\n", 1)[0])
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except (FileNotFoundError, ValueError):
            return None
        return pid if str(self.data).encode() in command else None

    def kill(self) -> None:
        """SIGKILL the postmaster and every backend: a crash, no checkpoint (pg_ctl made it a group leader)."""
        pid = self.postmaster_pid()
        if pid is None:
            return
        os.killpg(pid, signal.SIGKILL)
        deadline = time.monotonic() + KILL_TIMEOUT_S
        while True:
            try:
                os.killpg(pid, 0)
            except ProcessLookupError:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"PostgreSQL process group {pid} survived SIGKILL")
            time.sleep(0.05)

    def destroy(self) -> None:
        """Stop the server however it is, and remove the directory."""
        if self.postmaster_pid() is not None:
            try:
                self.stop()
            except (RuntimeError, subprocess.TimeoutExpired):
                self.kill()
        shutil.rmtree(self.root, ignore_errors=True)

    def migrate(self, database: str = "bosai") -> str:
        """Create and migrate a database the way a deployment does (`bosai db upgrade`); returns its URL."""
        url = self.url(database)
        env = {**os.environ, "BOSAI_DATABASE_URL": url}
        result = subprocess.run(
            [sys.executable, "-m", "bosai.cli", "db", "upgrade"],
            env=env,
            capture_output=True,
            timeout=MIGRATE_TIMEOUT_S,
        )
        if result.returncode:
            raise RuntimeError(f"bosai db upgrade failed: {result.stderr.decode()[-3000:]}")
        return url


@pytest.fixture
def throwaway_postgres() -> Iterator[ThrowawayPostgres]:
    """A started throwaway cluster holding the migrated database `bosai` (hub schema + job queue); removed after."""
    cluster = ThrowawayPostgres()
    try:
        cluster.start()
        cluster.migrate()
        yield cluster
    finally:
        cluster.destroy()
