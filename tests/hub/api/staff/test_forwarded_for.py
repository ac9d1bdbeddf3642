"""X-Forwarded-For counts only from a configured proxy: a client cannot spoof its rate-limit bucket or
the address audit records keep; behind a trusted proxy, the client it forwarded for counts."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bosai.web import create_app
from hub.api.deps import get_session
from hub.audit.models import AuditEntry
from hub.settings import Settings
from hub.shelters.models import Shelter
from tests.hub.api.staff.conftest import Staff

PROXY = "10.1.2.3"
CLIENT = "203.0.113.10"
#: A public read the "public" limit counts that touches no database.
PUBLIC_READ = "/ogcapi/conformance"
Connect = Callable[..., TestClient]


@pytest.fixture
def connect(settings: Settings, engine: Engine, db: Session) -> Iterator[Connect]:
    """A client of an app trusting `trusted` proxies, connecting from `peer`, on the rolled-back session."""
    opened: list[TestClient] = []

    def open_client(*, peer: str, trusted: list[str], public_rate: str = "3/minute") -> TestClient:
        limits = settings.rate_limits | {"public": public_rate}
        app: FastAPI = create_app(
            settings.model_copy(update={"trusted_proxies": trusted, "rate_limits": limits}), engine
        )
        app.dependency_overrides[get_session] = lambda: db
        client = TestClient(app, client=(peer, 40000)).__enter__()
        opened.append(client)
        return client

    yield open_client
    for client in opened:
        client.__exit__(None, None, None)


def forwarded(*hops: str) -> dict[str, str]:
    return {"X-Forwarded-For": ", ".join(hops)}


def test_spoofed_forwarded_for_from_an_untrusted_peer_does_not_change_the_bucket(connect: Connect) -> None:
    client = connect(peer=CLIENT, trusted=[PROXY])
    answers = [client.get(PUBLIC_READ, headers=forwarded(f"198.51.100.{n}")).status_code for n in range(4)]
    assert answers == [200, 200, 200, 429]  # four made-up addresses, one bucket: the peer's
    assert client.get(PUBLIC_READ, headers=forwarded(PROXY)).status_code == 429


def test_a_trusted_proxy_gives_each_client_it_forwards_for_a_bucket(connect: Connect) -> None:
    client = connect(peer=PROXY, trusted=["10.0.0.0/8"])
    assert [client.get(PUBLIC_READ, headers=forwarded(f"198.51.100.{n}")).status_code for n in range(6)] == [200] * 6
    # The client's own entries stand left of the one the proxy appended: the rightmost untrusted hop counts.
    spoofing = [client.get(PUBLIC_READ, headers=forwarded(f"192.0.2.{n}", CLIENT)).status_code for n in range(4)]
    assert spoofing == [200, 200, 200, 429]


def audited_address(db: Session, shelter: Shelter) -> str | None:
    entry = db.scalars(
        select(AuditEntry).where(AuditEntry.entity_id == str(shelter.id)).order_by(AuditEntry.id.desc()).limit(1)
    ).one()
    return str(entry.remote_addr) if entry.remote_addr is not None else None


def open_shelter(client: TestClient, staff: Staff, shelter: Shelter, headers: dict[str, str]) -> None:
    response = client.post(
        f"/api/shelters/{shelter.id}/status",
        json={"status": "open"},
        headers=staff.headers | {"If-Match": f'W/"{shelter.version}"'} | headers,
    )
    assert response.status_code == 200, response.text


def test_audit_keeps_the_peer_when_it_is_no_trusted_proxy(
    connect: Connect, db: Session, staff: dict[str, Staff], shelter: Shelter
) -> None:
    client = connect(peer=CLIENT, trusted=[PROXY])
    open_shelter(client, staff["coordinator"], shelter, forwarded("198.51.100.99"))
    assert audited_address(db, shelter) == CLIENT


def test_audit_keeps_the_forwarded_client_behind_a_trusted_proxy(
    connect: Connect, db: Session, staff: dict[str, Staff], shelter: Shelter
) -> None:
    client = connect(peer=PROXY, trusted=[PROXY])
    open_shelter(client, staff["coordinator"], shelter, forwarded("198.51.100.99", CLIENT))
    assert audited_address(db, shelter) == CLIENT


@pytest.mark.parametrize("entry", ["*", "proxy.example", "10.0.0.0/33"])
def test_trusted_proxies_are_addresses_or_networks(entry: str) -> None:
    with pytest.raises(ValidationError, match="trusted proxy"):
        Settings(trusted_proxies=[entry])
    assert Settings(trusted_proxies=["10.0.0.0/8", "::1", " 192.0.2.1 "]).trusted_proxies[-1] == "192.0.2.1"
