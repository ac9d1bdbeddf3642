"""Shelter status and occupancy: transitions, ETag / If-Match, crowding, audit, events, operator links."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.api.deps import get_reader, get_session
from hub.api.reader import Reader
from hub.audit.models import AuditEntry
from hub.events.models import Event
from hub.shelters.models import Shelter
from hub.shelters.service import TRANSITIONS
from tests.hub.api.staff.conftest import Staff

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def etag(response: httpx2.Response) -> str:
    value: str = response.headers["etag"]
    return value


def set_status(client: TestClient, who: Staff, shelter_id: int, status: str, tag: str | None) -> httpx2.Response:
    headers = who.headers | ({"If-Match": tag} if tag is not None else {})
    return client.post(f"/api/shelters/{shelter_id}/status", json={"status": status}, headers=headers)


def test_full_lifecycle_with_etags(client: TestClient, staff: dict[str, Staff], shelter: Shelter) -> None:
    who = staff["coordinator"]
    state = client.get(f"/api/shelters/{shelter.id}/state", headers=who.headers)
    assert state.status_code == 200
    tag = etag(state)
    assert tag == f'W/"{shelter.version}"'
    for target in ("opening", "open", "full", "open", "closed_again", "open"):
        response = set_status(client, who, shelter.id, target, tag)
        assert response.status_code == 200, (target, response.text)
        body = response.json()
        assert body["status"] == target and body["status_changed_by"] == who.user.username
        assert etag(response) == f'W/"{body["version"]}"' != tag
        tag = etag(response)


@pytest.mark.parametrize(
    ("current", "target"),
    [(c, t) for c in TRANSITIONS for t in TRANSITIONS if t != c and t not in TRANSITIONS[c]],
)
def test_impossible_transitions_are_409(
    current: str, target: str, client: TestClient, db: Session, staff: dict[str, Staff], shelter: Shelter
) -> None:
    shelter.status = current
    db.commit()
    response = set_status(client, staff["approver"], shelter.id, target, f'W/"{shelter.version}"')
    assert response.status_code == 409
    problem = response.json()
    assert problem["type"] == "urn:bosai:problem:invalid-transition"
    assert current in problem["detail"] and target in problem["detail"]
    db.refresh(shelter)
    assert shelter.status == current


def test_stale_if_match_is_412_and_missing_is_428(
    client: TestClient, staff: dict[str, Staff], shelter: Shelter
) -> None:
    who = staff["coordinator"]
    first = f'W/"{shelter.version}"'
    assert set_status(client, who, shelter.id, "opening", first).status_code == 200
    # A second phone still holding the old ETag must not overwrite the newer change.
    stale = set_status(client, who, shelter.id, "open", first)
    assert stale.status_code == 412
    assert stale.json()["type"] == "urn:bosai:problem:stale-version"
    for missing in (None, "*"):
        response = set_status(client, who, shelter.id, "open", missing)
        assert response.status_code == 428
        assert response.headers["content-type"].startswith("application/problem+json")
    assert set_status(client, who, shelter.id, "open", '"abc", W/"999"').status_code == 412
    current = f'W/"{shelter.version}"'  # the same session: the object is already current
    assert set_status(client, who, shelter.id, "open", f'W/"0", {current}').status_code == 200


@pytest.mark.parametrize(
    ("occupancy", "capacity", "label", "ratio"),
    [
        (0, 100, "空いています", 0.0),
        (49, 100, "空いています", 0.49),
        (50, 100, "やや混雑", 0.5),
        (79, 100, "やや混雑", 0.79),
        (80, 100, "混雑", 0.8),
        (99, 100, "混雑", 0.99),
        (100, 100, "満員", 1.0),
        (130, 100, "満員", 1.3),
        (10, None, None, None),
    ],
)
def test_occupancy_sets_crowding(
    occupancy: int,
    capacity: int | None,
    label: str | None,
    ratio: float | None,
    client: TestClient,
    db: Session,
    staff: dict[str, Staff],
    shelter: Shelter,
) -> None:
    shelter.status, shelter.capacity = "open", capacity
    db.commit()
    response = client.patch(
        f"/api/shelters/{shelter.id}/occupancy",
        json={"occupancy": occupancy},
        headers=staff["coordinator"].headers | {"If-Match": f'W/"{shelter.version}"'},
    )
    assert response.status_code == 200, response.text
    crowding = response.json()["crowding"]
    assert (crowding["label"], crowding["ratio"]) == (label, ratio) if label else crowding is None
    assert response.json()["occupancy"] == occupancy


def test_full_status_means_full_whatever_the_count(
    client: TestClient, db: Session, staff: dict[str, Staff], shelter: Shelter
) -> None:
    shelter.status, shelter.occupancy, shelter.capacity = "open", 3, None
    db.commit()
    response = set_status(client, staff["coordinator"], shelter.id, "full", f'W/"{shelter.version}"')
    assert response.json()["crowding"]["label"] == "満員"


def test_occupancy_needs_an_open_shelter_and_a_sane_count(
    client: TestClient, db: Session, staff: dict[str, Staff], shelter: Shelter
) -> None:
    headers = staff["coordinator"].headers | {"If-Match": f'W/"{shelter.version}"'}
    closed = client.patch(f"/api/shelters/{shelter.id}/occupancy", json={"occupancy": 5}, headers=headers)
    assert closed.status_code == 409
    negative = client.patch(f"/api/shelters/{shelter.id}/occupancy", json={"occupancy": -1}, headers=headers)
    assert negative.status_code == 422
    assert [e["field"] for e in negative.json()["errors"]] == ["body.occupancy"]


def test_unknown_shelter_is_404(client: TestClient, staff: dict[str, Staff]) -> None:
    response = set_status(client, staff["coordinator"], 2_000_000_000, "opening", 'W/"1"')
    assert response.status_code == 404
    assert response.json()["status"] == 404


@pytest.fixture
def remote_client(app: FastAPI, db: Session) -> Iterator[TestClient]:
    """A client calling from 203.0.113.7, on the rolled-back session."""
    app.dependency_overrides[get_session] = lambda: db
    app.dependency_overrides[get_reader] = lambda: Reader(db)
    with TestClient(app, client=("203.0.113.7", 40123)) as test_client:
        yield test_client
    app.dependency_overrides.clear()


def test_changes_are_audited_and_published(
    remote_client: TestClient, db: Session, staff: dict[str, Staff], shelter: Shelter
) -> None:
    who = staff["approver"]
    response = set_status(remote_client, who, shelter.id, "open", f'W/"{shelter.version}"')
    assert response.status_code == 200
    count = remote_client.patch(
        f"/api/shelters/{shelter.id}/occupancy",
        json={"occupancy": 60},
        headers=who.headers | {"If-Match": etag(response)},
    )
    assert count.status_code == 200
    entries = db.scalars(
        select(AuditEntry)
        .where(AuditEntry.entity == "shelter", AuditEntry.entity_id == str(shelter.id))
        .order_by(AuditEntry.id)
    ).all()
    assert [(e.action, e.actor, str(e.remote_addr)) for e in entries] == [
        ("shelter.status", who.user.username, "203.0.113.7"),
        ("shelter.occupancy", who.user.username, "203.0.113.7"),
    ]
    changes = [(e.before or {}, e.after or {}) for e in entries]
    assert (changes[0][0]["status"], changes[0][1]["status"]) == ("closed", "open")
    assert (changes[1][0]["occupancy"], changes[1][1]["occupancy"]) == (0, 60)
    published = db.scalars(select(Event).order_by(Event.id.desc()).limit(2)).all()[::-1]
    assert [e.kind for e in published] == ["shelter.status", "shelter.occupancy"]
    assert published[1].payload["crowding"]["label"] == "やや混雑"
    assert published[1].payload["id"] == shelter.id
    assert who.user.username not in str([e.payload for e in published])


def test_operator_link_updates_only_its_shelter(
    client: TestClient, db: Session, staff: dict[str, Staff], shelter: Shelter, other_shelter: Shelter
) -> None:
    issued = client.post(f"/api/shelters/{shelter.id}/operator-link", headers=staff["coordinator"].headers)
    assert issued.status_code == 200, issued.text
    body = issued.json()
    url = urlsplit(body["url"])
    assert url.path == f"/staff/s/{body['token']}"
    assert body["qr_svg"].startswith("data:image/svg+xml")
    link = {"Authorization": f"Bearer {body['token']}"}
    own = client.post(
        f"/api/shelters/{shelter.id}/status",
        json={"status": "open"},
        headers=link | {"If-Match": f'W/"{shelter.version}"'},
    )
    assert own.status_code == 200, own.text
    assert own.json()["status_changed_by"].startswith(f"shelter-link:{body['link_id'][:12]}")
    assert staff["coordinator"].user.username in own.json()["status_changed_by"]
    other = client.post(
        f"/api/shelters/{other_shelter.id}/status",
        json={"status": "open"},
        headers=link | {"If-Match": f'W/"{other_shelter.version}"'},
    )
    assert other.status_code == 403
    assert client.get(f"/api/shelters/{other_shelter.id}/state", headers=link).status_code == 403
    assert client.get("/api/orders/all", headers=link).status_code == 403
    assert client.post(f"/api/shelters/{shelter.id}/operator-link", headers=link).status_code == 403
    audit = db.scalars(select(AuditEntry).where(AuditEntry.action == "shelter.operator_link")).one()
    assert audit.after is not None and audit.after["link_id"] == body["link_id"]
    assert body["token"] not in str(audit.after)


def test_operator_link_as_qr_images(client: TestClient, staff: dict[str, Staff], shelter: Shelter) -> None:
    png = client.post(f"/api/shelters/{shelter.id}/operator-link?format=png", headers=staff["approver"].headers)
    assert png.headers["content-type"] == "image/png"
    assert png.content.startswith(PNG_SIGNATURE)
    assert png.headers["cache-control"] == "no-store"
    svg = client.post(f"/api/shelters/{shelter.id}/operator-link?format=svg", headers=staff["approver"].headers)
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert ET.parse(io.BytesIO(svg.content)).getroot().tag.endswith("svg")
