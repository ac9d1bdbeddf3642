"""No test controls the machine's own services: servers a test stops or kills are its own (tests/throwaway.py)."""

from __future__ import annotations

import re

from tests.conftest import REPO
from tests.machine_guard import machine_postgres_started
from tests.throwaway import ThrowawayPostgres

TESTS = REPO / "tests"
#: Ways to stop, start or reconfigure a machine's service, or to touch its PostgreSQL cluster's files.
MACHINE_CONTROL = re.compile(
    r"pg_ctlcluster|pg_ctl\b|\bsystemctl\b|\binvoke-rc\.d\b|/etc/init\.d/|\bservice\s+(postgresql|mosquitto)\b"
    r"|[\"']service[\"']|/var/lib/postgresql|/etc/postgresql|/etc/mosquitto|mosquitto\.pid"
)
#: The one module that runs pg_ctl, on a cluster it created in a temporary directory.
THROWAWAY = TESTS / "throwaway.py"


def test_no_test_controls_the_machines_services() -> None:
    offenders = [
        f"{path.relative_to(REPO)}:{number}: {line.strip()}"
        for path in sorted(TESTS.rglob("*.py"))
        if path not in (THROWAWAY, TESTS / "test_machine_services.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if MACHINE_CONTROL.search(line)
    ]
    assert offenders == []


def test_the_pattern_catches_what_the_crash_tests_used_to_run() -> None:
    for line in (
        'PG_CTL = ["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main"]',
        'subprocess.run(["systemctl", "restart", "mosquitto"])',
        'subprocess.run(["service", "postgresql", "stop"])',
        "os.system('service mosquitto restart')",
        'run(["/usr/lib/postgresql/15/bin/pg_ctl", "-D", "/var/lib/postgresql/15/main", "stop"])',
    ):
        assert MACHINE_CONTROL.search(line), line


def test_the_throwaway_cluster_runs_pg_ctl_only_on_its_own_directory() -> None:
    source = THROWAWAY.read_text()
    assert "tempfile.mkdtemp(" in source
    calls = re.findall(r'"pg_ctl", [^)]*', source)
    assert calls and all('"-D", str(self.data' in call for call in calls), calls
    assert "/var/lib/postgresql" not in source and "pg_ctlcluster" not in source


def test_the_guard_sees_a_restart() -> None:
    cluster = ThrowawayPostgres()
    try:
        cluster.start()
        before = machine_postgres_started(cluster.url("postgres"))
        cluster.restart()
        after = machine_postgres_started(cluster.url("postgres"))
        cluster.kill()
        assert machine_postgres_started(cluster.url("postgres")) is None
    finally:
        cluster.destroy()
    assert before is not None and after is not None and after > before
