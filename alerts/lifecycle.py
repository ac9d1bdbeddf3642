"""Alert lifecycle: draft → approved → sent → updated / cancelled / expired; `transition` alone writes a status."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, Protocol


class AlertStatus(StrEnum):
    """Where an alert stands (stored as its value in alerts.status)."""

    DRAFT = "draft"
    APPROVED = "approved"
    SENT = "sent"
    UPDATED = "updated"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    REJECTED = "rejected"


Action = Literal["approve", "reject", "dispatch", "update", "cancel", "expire", "auto_send"]
S = AlertStatus

#: action → (statuses it may start from, status it leads to)
TRANSITIONS: dict[Action, tuple[frozenset[AlertStatus], AlertStatus]] = {
    "approve": (frozenset({S.DRAFT}), S.APPROVED),
    "reject": (frozenset({S.DRAFT}), S.REJECTED),
    "dispatch": (frozenset({S.APPROVED}), S.SENT),
    "auto_send": (frozenset({S.DRAFT}), S.SENT),
    "update": (frozenset({S.APPROVED, S.SENT}), S.UPDATED),
    "cancel": (frozenset({S.DRAFT, S.APPROVED, S.SENT}), S.CANCELLED),
    "expire": (frozenset({S.SENT, S.APPROVED}), S.EXPIRED),
}
#: Statuses whose alert has gone out: its deliveries are still sent (an update or cancel follows it).
DELIVERABLE = frozenset({S.SENT, S.UPDATED, S.CANCELLED})
#: Roles allowed to take each action (the approver decides; nobody else sends to the public).
ROLES: dict[Action, frozenset[str]] = {
    "approve": frozenset({"approver", "admin"}),
    "reject": frozenset({"approver", "admin"}),
    "dispatch": frozenset({"approver", "admin"}),
    "update": frozenset({"approver", "admin"}),
    "cancel": frozenset({"approver", "admin"}),
    "expire": frozenset(),
    "auto_send": frozenset(),
}


class TransitionError(ValueError):
    """The action is not allowed from the alert's current status."""


class HasStatus(Protocol):
    """Anything with an alert's status (the Alert row)."""

    status: str


@dataclass(frozen=True)
class Transition:
    """A checked change of status."""

    action: Action
    before: AlertStatus
    after: AlertStatus


def check(status: str, action: Action) -> Transition:
    """The status after the action (nothing is written), or TransitionError."""
    sources, target = TRANSITIONS[action]
    if status not in sources:
        allowed = ", ".join(sorted(sources))
        raise TransitionError(f"cannot {action} an alert that is {status} (only from: {allowed})")
    return Transition(action, AlertStatus(status), target)


def transition(alert: HasStatus, action: Action) -> Transition:
    """Take the action: check it against the alert's status and write the new one (the only writer)."""
    change = check(alert.status, action)
    alert.status = change.after
    return change


def may(roles: frozenset[str] | set[str] | list[str], action: Action) -> bool:
    """True when one of the roles may take the action."""
    return bool(ROLES[action] & set(roles))


def can_auto_send(scope: str, auto_send: bool) -> bool:
    """Only staff-only notices of an auto-send rule go out without an approver."""
    return auto_send and scope != "Public"
