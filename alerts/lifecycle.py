"""Alert lifecycle: draft → approved → sent → updated / cancelled / expired (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Status = Literal["draft", "approved", "sent", "updated", "cancelled", "expired", "rejected"]
Action = Literal["approve", "reject", "dispatch", "update", "cancel", "expire", "auto_send"]
MsgType = Literal["Alert", "Update", "Cancel"]

#: action → (statuses it may start from, status it leads to)
TRANSITIONS: dict[Action, tuple[frozenset[str], Status]] = {
    "approve": (frozenset({"draft"}), "approved"),
    "reject": (frozenset({"draft"}), "rejected"),
    "dispatch": (frozenset({"approved"}), "sent"),
    "auto_send": (frozenset({"draft"}), "sent"),
    "update": (frozenset({"approved", "sent"}), "updated"),
    "cancel": (frozenset({"draft", "approved", "sent"}), "cancelled"),
    "expire": (frozenset({"sent", "approved"}), "expired"),
}
#: Statuses in which an alert is current (shown on signs and in the Atom feed).
CURRENT = frozenset({"sent"})
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


@dataclass(frozen=True)
class Transition:
    """A checked change of status."""

    action: Action
    before: str
    after: Status


def transition(status: str, action: Action) -> Transition:
    """The status after the action, or TransitionError."""
    sources, target = TRANSITIONS[action]
    if status not in sources:
        allowed = ", ".join(sorted(sources))
        raise TransitionError(f"cannot {action} an alert that is {status} (only from: {allowed})")
    return Transition(action, status, target)


def may(roles: frozenset[str] | set[str] | list[str], action: Action) -> bool:
    """True when one of the roles may take the action."""
    return bool(ROLES[action] & set(roles))


def can_auto_send(scope: str, auto_send: bool) -> bool:
    """Only staff-only notices of an auto-send rule go out without an approver."""
    return auto_send and scope != "Public"


def follow_up_type(action: Action) -> MsgType:
    """The CAP msgType of the message an update or cancel sends (it references the original)."""
    if action == "update":
        return "Update"
    if action == "cancel":
        return "Cancel"
    raise TransitionError(f"{action} sends no follow-up message")


def is_expired(expires_at: datetime | None, now: datetime) -> bool:
    """True when the alert's expiry has passed."""
    return expires_at is not None and expires_at <= now
