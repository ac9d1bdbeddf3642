"""Alert lifecycle transitions and who may take them (pure)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from alerts import lifecycle
from alerts.lifecycle import AlertStatus, TransitionError


@dataclass
class Row:
    """Anything with an alert's status."""

    status: str


def test_the_normal_path() -> None:
    assert lifecycle.check("draft", "approve").after == "approved"
    assert lifecycle.check("approved", "dispatch").after == "sent"
    assert lifecycle.check("sent", "update").after == "updated"
    assert lifecycle.check("sent", "cancel").after == "cancelled"
    assert lifecycle.check("sent", "expire").after == "expired"


def test_transition_writes_the_new_status_and_check_writes_nothing() -> None:
    row = Row("draft")
    lifecycle.check(row.status, "approve")
    assert row.status == "draft"
    change = lifecycle.transition(row, "approve")
    assert row.status == "approved"
    assert (change.before, change.after) == (AlertStatus.DRAFT, AlertStatus.APPROVED)
    with pytest.raises(TransitionError):
        lifecycle.transition(row, "approve")
    assert row.status == "approved"  # a refused action leaves the status alone


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
        lifecycle.transition(Row(status), action)


def test_only_approvers_decide() -> None:
    assert lifecycle.may({"approver"}, "approve")
    assert not lifecycle.may({"coordinator", "operator", "viewer"}, "approve")
    assert not lifecycle.may({"coordinator"}, "cancel")


def test_only_staff_notices_auto_send() -> None:
    assert lifecycle.can_auto_send("Restricted", True)
    assert not lifecycle.can_auto_send("Public", True)
    assert not lifecycle.can_auto_send("Restricted", False)


def test_every_status_is_reached_by_some_action_or_is_the_first() -> None:
    reached = {target for _, target in lifecycle.TRANSITIONS.values()}
    assert reached | {AlertStatus.DRAFT} == set(AlertStatus)


def test_the_alerts_table_allows_exactly_the_enums_statuses() -> None:
    import re

    from sqlalchemy import CheckConstraint, Table

    from alerts.models import Alert

    table = Alert.__table__
    assert isinstance(table, Table)
    (check,) = [c for c in table.constraints if isinstance(c, CheckConstraint) and "status IN" in str(c.sqltext)]
    assert set(re.findall(r"'([a-z]+)'", str(check.sqltext))) == {status.value for status in AlertStatus}
