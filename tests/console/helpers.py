"""Shared steps of the console browser tests: picking shelters, API calls as a user, axe checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import aliased

from hub.db import transaction
from hub.shelters.models import Shelter
from tests.console.conftest import PASSWORD, Console, Staff, Touched, remember_shelter

AXE = "/static/vendor/axe-core/axe.min.js"
#: WCAG 2.x A and AA rules.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
HTTP_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class PickedShelter:
    """A closed shelter with a name no other shelter has."""

    id: int
    name: str


def pick_shelters(engine: Engine, touched: Touched, count: int, *, capacity: int | None = None) -> list[PickedShelter]:
    """Closed shelters with unique names not used by earlier tests; remembered for restoring."""
    other = aliased(Shelter)
    unique = ~select(other.id).where(other.name == Shelter.name, other.id != Shelter.id).exists()
    with transaction(engine) as session:
        rows = session.execute(
            select(Shelter.id, Shelter.name)
            .where(Shelter.status == "closed", unique, Shelter.id.not_in(list(touched.shelters) or [0]))
            .order_by(Shelter.id)
            .limit(count)
        ).all()
    picked = [PickedShelter(int(r.id), str(r.name)) for r in rows]
    assert len(picked) == count, "not enough closed shelters in the demo data"
    for shelter in picked:
        remember_shelter(engine, touched, shelter.id)
        if capacity is not None:
            with transaction(engine) as session:
                session.execute(update(Shelter).where(Shelter.id == shelter.id).values(capacity=capacity))
    return picked


def shelter_row(engine: Engine, shelter_id: int) -> Shelter:
    """The shelter as stored now."""
    with transaction(engine) as session:
        shelter = session.get(Shelter, shelter_id)
        assert shelter is not None
        session.expunge(shelter)
        return shelter


def count_shelters(engine: Engine) -> int:
    """How many shelters are stored."""
    with transaction(engine) as session:
        return int(session.scalar(select(func.count()).select_from(Shelter)) or 0)


def token_for(base: str, who: Staff) -> str:
    """A bearer token for the user, through the real login endpoint."""
    response = httpx.post(
        f"{base}/api/auth/token", data={"username": who.username, "password": PASSWORD}, timeout=HTTP_TIMEOUT_S
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def call(base: str, method: str, path: str, token: str, **kwargs: Any) -> httpx.Response:
    """One API request as the token's holder."""
    headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
    return httpx.request(method, f"{base}{path}", headers=headers, timeout=HTTP_TIMEOUT_S, **kwargs)


def axe_violations(console: Console) -> list[str]:
    """Serious and critical WCAG A/AA violations axe-core finds on the page (axe is the map's vendored copy)."""
    page = console.page
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(url=AXE)
    results: dict[str, Any] = page.evaluate(
        "tags => axe.run(document, { runOnly: { type: 'tag', values: tags } })", AXE_TAGS
    )
    found = []
    for violation in results["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = [", ".join(node["target"]) for node in violation["nodes"][:5]]
            found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} — {targets}")
    return found
