"""Delivery channels: each takes an alert and a chunk of recipients and reports one outcome per recipient."""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from alerts.render import BASE_LANGUAGE, pick_language

OutcomeStatus = Literal["sent", "gone", "failed", "retry"]
#: The NOTIFY channel that wakes signs when what they show may have changed (they pull their state).
SIGNAGE_CHANNEL = "alerts"


@dataclass(frozen=True)
class AlertMessage:
    """What every channel needs to know of an alert."""

    id: int
    identifier: str
    root_identifier: str
    msg_type: str
    level: int | None
    hazard: str | None
    urgency: str
    scope: str
    messages: Mapping[str, Any]
    expires_at: datetime | None
    url: str

    @property
    def topic(self) -> str:
        """A Web Push topic (≤ 32 URL-safe characters) shared by an alert and its updates."""
        raw = bytes.fromhex(self.root_identifier.replace("-", ""))
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def text_for(self, languages: Sequence[str]) -> tuple[str, str, str]:
        """(language, title, body) in the first of the languages the alert has, else ja."""
        language = pick_language(self.messages, languages)
        entry = self.messages.get(language) or self.messages.get(BASE_LANGUAGE) or {}
        return language, str(entry.get("title", "")), str(entry.get("body", ""))


@dataclass(frozen=True)
class Recipient:
    """One pending delivery: its row, the subscription and where to send."""

    delivery_id: int
    subscription_id: int
    address: str
    keys: Mapping[str, Any] = field(default_factory=dict)
    languages: Sequence[str] = (BASE_LANGUAGE,)


@dataclass(frozen=True)
class Outcome:
    """What happened to one delivery: sent, gone (subscription dead), failed for good, or retry later."""

    delivery_id: int
    subscription_id: int
    status: OutcomeStatus
    attempts: int = 1
    error: str | None = None


Report = Callable[[Outcome], None]


class Channel(Protocol):
    """A way of reaching residents (Web Push, LINE, …)."""

    name: str

    async def deliver(
        self, alert: AlertMessage, recipients: Sequence[Recipient], report: Report | None = None
    ) -> list[Outcome]:
        """Send the alert to every recipient, reporting each outcome as it is known; never raises for one."""
        ...


def alert_page_url(public_url: str, alert_id: int) -> str:
    """The public page of an alert (all languages)."""
    return f"{public_url.rstrip('/')}/alerts/{alert_id}"


def notify_signs(session: Session | Connection, alert_id: int = 0) -> None:
    """Wake the signs at commit (0: several alerts may have changed)."""
    session.execute(text("SELECT pg_notify(:c, :id)"), {"c": SIGNAGE_CHANNEL, "id": str(alert_id)})
