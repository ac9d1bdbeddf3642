"""Alert lifecycle transitions and who may take them (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alerts import lifecycle
from alerts.lifecycle import TransitionError


def test_the_normal_path() -> None:
    assert lifecycle.transition("draft", "approve").after == "approved"
    assert lifecycle.transition("approved", "dispatch").after == "sent"
    assert lifecycle.transition("sent", "update").after == "updated"
    assert lifecycle.transition("sent", "cancel").after == "cancelled"
    assert lifecycle.transition("sent", "expire").after == "expired"


@pytest.mark.parametrize(
    ("status", "action"),
    [
        ("sent", "approve"),
        ("rejected", "approve"),
        ("draft", "dispatch"),
        ("cancelled", "update"),
        ("expired", "cancel"),
    ],
)
def test_forbidden_transitions(status: str, action: lifecycle.Action) -> None:
    with pytest.raises(TransitionError, match=f"cannot {action} an alert that is {status}"):
        lifecycle.transition(status, action)


def test_only_approvers_decide() -> None:
    assert lifecycle.may({"approver"}, "approve")
    assert not lifecycle.may({"coordinator", "operator", "viewer"}, "approve")
    assert not lifecycle.may({"coordinator"}, "cancel")


def test_only_staff_notices_auto_send() -> None:
    assert lifecycle.can_auto_send("Restricted", True)
    assert not lifecycle.can_auto_send("Public", True)
    assert not lifecycle.can_auto_send("Restricted", False)


def test_follow_up_types_and_expiry() -> None:
    assert lifecycle.follow_up_type("update") == "Update"
    assert lifecycle.follow_up_type("cancel") == "Cancel"
    with pytest.raises(TransitionError):
        lifecycle.follow_up_type("approve")
    now = datetime(2026, 9, 1, tzinfo=UTC)
    assert lifecycle.is_expired(now - timedelta(seconds=1), now)
    assert not lifecycle.is_expired(None, now)
