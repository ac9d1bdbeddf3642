"""Issue 20: tokens can be revoked — logout, a password change, a revoked shelter link — and links are short."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bosai.web import create_app
from hub.api.deps import get_reader, get_session
from hub.api.reader import Reader
from hub.audit.models import AuditEntry
from hub.settings import Settings
from hub.shelters.models import Shelter
from tests.hub.api.staff.conftest import PASSWORD, MakeStaff

NEW_PASSWORD = "a completely new passphrase"


def bearer(token: str) -> dict[str, str]:
    """The Authorization header."""
    return {"Authorization": f"Bearer {token}"}


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """A fresh token from the login endpoint."""
    response = client.post("/api/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def test_a_token_used_after_logout_is_refused(client: TestClient, make_staff: MakeStaff, db: Session) -> None:
    make_staff("coordinator", username="mika")
    token, other_session = login(client, "mika"), login(client, "mika")
    assert client.get("/api/auth/me", headers=bearer(token)).status_code == 200
    assert client.post("/api/auth/logout", headers=bearer(token)).status_code == 204
    replay = client.get("/api/auth/me", headers=bearer(token))
    assert replay.status_code == 401
    assert "revoked" in replay.json()["detail"]
    assert client.get("/api/shelters/1/state", headers=bearer(token)).status_code == 401
    assert client.post("/api/auth/logout", headers=bearer(token)).status_code == 401
    assert client.get("/api/auth/me", headers=bearer(other_session)).status_code == 200  # only that token
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "auth.logout")).one()
    assert entry.actor == "mika"


def test_a_password_change_revokes_older_tokens(client: TestClient, make_staff: MakeStaff) -> None:
    admin = make_staff("admin")
    nao = make_staff("viewer", username="nao")
    token = login(client, "nao")
    changed = client.patch(f"/api/users/{nao.user.id}", json={"password": NEW_PASSWORD}, headers=admin.headers)
    assert changed.status_code == 200, changed.text
    for stolen in (token, nao.token):
        assert client.get("/api/auth/me", headers=bearer(stolen)).status_code == 401
    fresh = login(client, "nao", NEW_PASSWORD)
    assert client.get("/api/auth/me", headers=bearer(fresh)).json()["actor"] == "nao"
    assert client.get("/api/users", headers=admin.headers).status_code == 200  # others' tokens stay


def make_link(client: TestClient, headers: dict[str, str], shelter_id: int) -> dict[str, str]:
    """A new operator link of the shelter (JSON form)."""
    response = client.post(f"/api/shelters/{shelter_id}/operator-link", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


def test_a_revoked_shelter_link_is_refused(client: TestClient, make_staff: MakeStaff, shelter: Shelter) -> None:
    coordinator = make_staff("coordinator")
    first, second = (make_link(client, coordinator.headers, shelter.id) for _ in range(2))
    state = f"/api/shelters/{shelter.id}/state"
    assert client.get(state, headers=bearer(first["token"])).status_code == 200
    revoke = f"/api/shelters/{shelter.id}/operator-links/{first['link_id']}/revoke"
    assert client.post(revoke, headers=bearer(first["token"])).status_code == 403  # a link cannot revoke
    response = client.post(revoke, headers=coordinator.headers)
    assert response.status_code == 200 and response.json()["revoked"] == [first["link_id"]]
    assert client.get(state, headers=bearer(first["token"])).status_code == 401
    assert client.get(state, headers=bearer(second["token"])).status_code == 200
    # Revoking every link of the shelter stops the second one too.
    response = client.post(f"/api/shelters/{shelter.id}/operator-links/revoke", headers=coordinator.headers)
    assert response.status_code == 200 and second["link_id"] in response.json()["revoked"]
    assert client.get(state, headers=bearer(second["token"])).status_code == 401
    history = client.get(f"/api/shelters/{shelter.id}/history", headers=coordinator.headers).json()
    assert [i["action"] for i in history["items"]][:2] == ["shelter.operator_link_revoked"] * 2


def test_only_links_of_that_shelter_can_be_revoked_there(
    client: TestClient, make_staff: MakeStaff, shelter: Shelter, db: Session
) -> None:
    coordinator = make_staff("coordinator")
    link = make_link(client, coordinator.headers, shelter.id)
    other = db.scalars(select(Shelter.id).where(Shelter.id != shelter.id).limit(1)).one()
    wrong_shelter = f"/api/shelters/{other}/operator-links/{link['link_id']}/revoke"
    assert client.post(wrong_shelter, headers=coordinator.headers).status_code == 404
    unknown = f"/api/shelters/{shelter.id}/operator-links/{'0' * 32}/revoke"
    assert client.post(unknown, headers=coordinator.headers).status_code == 404
    malformed = f"/api/shelters/{shelter.id}/operator-links/not-an-id/revoke"
    assert client.post(malformed, headers=coordinator.headers).status_code == 422
    assert client.get(f"/api/shelters/{shelter.id}/state", headers=bearer(link["token"])).status_code == 200


def link_lifetime(client: TestClient, headers: dict[str, str], shelter_id: int) -> timedelta:
    """How long a new link of the shelter lives (to the second)."""
    before = datetime.now(UTC).replace(microsecond=0)
    return datetime.fromisoformat(make_link(client, headers, shelter_id)["expires_at"]) - before


def test_shelter_links_are_short_by_default_and_configurable(
    client: TestClient, make_staff: MakeStaff, shelter: Shelter, settings: Settings, engine: Engine, db: Session
) -> None:
    assert Settings(_env_file=None).operator_link_hours == 12
    approver = make_staff("approver")
    assert timedelta(hours=12) <= link_lifetime(client, approver.headers, shelter.id) < timedelta(hours=12, minutes=1)
    app = create_app(settings.model_copy(update={"operator_link_hours": 2}), engine)
    app.dependency_overrides[get_session] = lambda: db
    app.dependency_overrides[get_reader] = lambda: Reader(db)
    with TestClient(app) as two_hours:
        lifetime = link_lifetime(two_hours, approver.headers, shelter.id)
    assert timedelta(hours=2) <= lifetime < timedelta(hours=2, minutes=1)
