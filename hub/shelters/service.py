"""Opening and running shelters: status transitions, occupancy and the state residents see."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.errors import ConflictError, NotFoundError, PreconditionFailedError
from hub.shelters.crowding import crowding
from hub.shelters.models import Shelter, ShelterStatus

#: Allowed status changes. closed → opening → open ⇄ full → closed_again, reopening from closed_again,
#: an urgent direct open from closed, and aborting an opening back to closed.
TRANSITIONS: dict[str, frozenset[ShelterStatus]] = {
    ShelterStatus.CLOSED: frozenset({ShelterStatus.OPENING, ShelterStatus.OPEN}),
    ShelterStatus.OPENING: frozenset({ShelterStatus.OPEN, ShelterStatus.CLOSED}),
    ShelterStatus.OPEN: frozenset({ShelterStatus.FULL, ShelterStatus.CLOSED_AGAIN}),
    ShelterStatus.FULL: frozenset({ShelterStatus.OPEN, ShelterStatus.CLOSED_AGAIN}),
    ShelterStatus.CLOSED_AGAIN: frozenset({ShelterStatus.OPENING, ShelterStatus.OPEN}),
}
#: Statuses in which people may be inside, so the count may change.
COUNTING_STATUSES = frozenset({ShelterStatus.OPENING, ShelterStatus.OPEN, ShelterStatus.FULL})
#: What residents see (開設準備中 / 開設 / 満員 / 閉鎖).
STATUS_LABELS: dict[str, str] = {
    ShelterStatus.CLOSED: "閉鎖",
    ShelterStatus.OPENING: "開設準備中",
    ShelterStatus.OPEN: "開設",
    ShelterStatus.FULL: "満員",
    ShelterStatus.CLOSED_AGAIN: "閉鎖",
}


def check_transition(current: str, target: str) -> None:
    """ConflictError (409) when the shelter cannot go from `current` to `target`."""
    if target not in TRANSITIONS.get(current, frozenset()):
        allowed = ", ".join(sorted(TRANSITIONS.get(current, frozenset()))) or "none"
        raise ConflictError(
            f"a shelter cannot go from {current} to {target} (allowed from {current}: {allowed})",
            problem_type="urn:bosai:problem:invalid-transition",
        )


def lock(session: Session, shelter_id: int) -> Shelter:
    """The shelter, row-locked for this transaction; NotFoundError otherwise."""
    shelter = session.scalar(select(Shelter).where(Shelter.id == shelter_id).with_for_update())
    if shelter is None:
        raise NotFoundError(f"no shelter with id {shelter_id}")
    return shelter


def check_version(shelter: Shelter, expected: Collection[int]) -> None:
    """PreconditionFailedError (412) unless the shelter is still at one of the expected versions."""
    if shelter.version not in expected:
        raise PreconditionFailedError(
            f"shelter {shelter.id} is at version {shelter.version}; reload it and try again",
            problem_type="urn:bosai:problem:stale-version",
        )


def public_state(shelter: Shelter) -> dict[str, Any]:
    """The live state residents may see (also the event payload); no staff names."""
    level = crowding(shelter.occupancy, shelter.capacity, full=shelter.status == ShelterStatus.FULL)
    return {
        "id": shelter.id,
        "name": shelter.name,
        "status": shelter.status,
        "status_label": STATUS_LABELS[shelter.status],
        "occupancy": shelter.occupancy,
        "capacity": shelter.capacity,
        "crowding": level.as_dict() if level else None,
        "status_changed_at": shelter.status_changed_at,
        "version": shelter.version,
    }


def staff_state(shelter: Shelter) -> dict[str, Any]:
    """The live state for staff, with who changed the status last."""
    return public_state(shelter) | {"status_changed_by": shelter.status_changed_by}


def _audited(shelter: Shelter) -> dict[str, Any]:
    return {"status": shelter.status, "occupancy": shelter.occupancy, "version": shelter.version}


def change_status(shelter: Shelter, target: str, *, actor: str, now: datetime) -> tuple[dict[str, Any], dict[str, Any]]:
    """Move the shelter to `target` (closing clears the count); returns the audited before and after."""
    check_transition(shelter.status, target)
    before = _audited(shelter)
    shelter.status = target
    shelter.status_changed_at = now
    shelter.status_changed_by = actor
    if target not in COUNTING_STATUSES:
        shelter.occupancy = 0
    shelter.version += 1
    return before, _audited(shelter)


def set_occupancy(shelter: Shelter, occupancy: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Record how many people are inside; 409 unless the shelter is opening, open or full."""
    if shelter.status not in COUNTING_STATUSES:
        raise ConflictError(
            f"shelter {shelter.id} is {shelter.status}: open it before counting people",
            problem_type="urn:bosai:problem:invalid-transition",
        )
    if occupancy < 0:
        raise ValueError("occupancy must be ≥ 0")
    before = _audited(shelter)
    shelter.occupancy = occupancy
    shelter.version += 1
    return before, _audited(shelter)
