"""Alert fan-out as plain functions: dispatch an approved alert, resolve its targets, deliver one chunk."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from alerts import lifecycle, outbox, queue
from alerts.channels import AlertMessage, Channel, Outcome, Recipient, alert_page_url, notify_signs
from alerts.lifecycle import AlertStatus
from alerts.models import Alert
from alerts.rules import RuleSet, default_rules
from hub.db import transaction
from hub.events import service as events
from hub.settings import Settings


@dataclass
class Runtime:
    """What the jobs of one worker process share."""

    settings: Settings
    engine: Engine
    rules: RuleSet = field(default_factory=default_rules)
    channels: dict[str, Channel] = field(default_factory=dict)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))


def mark_dispatched(session: Session, alert_id: int, now: datetime) -> Alert | None:
    """approved → sent (and the original it updates or cancels follows); None if it must not go out."""
    alert = session.scalars(select(Alert).where(Alert.id == alert_id).with_for_update()).first()
    if alert is None or alert.status not in (AlertStatus.APPROVED, AlertStatus.SENT):
        return None
    if alert.status == AlertStatus.APPROVED:
        lifecycle.transition(alert, "dispatch")
        alert.sent_at = now
        if alert.references_id is not None:
            original = session.scalars(select(Alert).where(Alert.id == alert.references_id).with_for_update()).first()
            follow: lifecycle.Action = "cancel" if alert.msg_type == "Cancel" else "update"
            if original is not None and original.status in lifecycle.TRANSITIONS[follow][0]:
                lifecycle.transition(original, follow)
        session.flush()
    return alert


def public_event(alert: Alert) -> dict[str, object]:
    """What the public event log says of a sent alert (no staff names)."""
    return {
        "id": alert.id,
        "identifier": str(alert.identifier),
        "msg_type": alert.msg_type,
        "references_id": alert.references_id,
        "level": alert.level,
        "hazard": alert.hazard,
        "area_codes": list(alert.area_codes),
        "expires_at": alert.expires_at.isoformat() if alert.expires_at else None,
    }


def resolve_and_defer(session: Session, alert: Alert, *, first_id: int, last_id: int | None) -> int:
    """Resolve one page of subscriptions, then defer a delivery job for each chunk that page added rows to.

    Only chunks this page touched get a job, unless one is still waiting: a chunk whose job is
    already running gets a second one only when new rows landed in its range (the running job loaded
    its rows before), so the queue never fills with jobs that would just wait on a running chunk's lock.
    """
    after = outbox.last_delivery_id(session, alert_id=alert.id)
    outbox.resolve(session, alert, first_id=first_id, last_id=last_id)
    waiting = queue.waiting_deliver_chunks(session, alert.id)
    jobs = 0
    for channel in outbox.RECIPIENT_CHANNELS:
        size = outbox.CHUNK_SIZE[channel]
        for lo, hi in outbox.chunk_bounds(session, alert_id=alert.id, channel=channel, size=size, after_id=after):
            if (channel, lo) in waiting:
                continue
            args: dict[str, object] = {"alert_id": alert.id, "channel": channel, "lo": lo, "hi": hi}
            queue.defer_in_transaction(session, task=queue.DELIVER_TASK, args=args, priority=queue.FANOUT_PRIORITY)
            jobs += 1
    return jobs


def dispatch(runtime: Runtime, alert_id: int) -> int:
    """Mark sent, then resolve the targets page by page, each page committed with its chunk jobs."""
    with transaction(runtime.engine) as session:
        alert = mark_dispatched(session, alert_id, runtime.clock())
        if alert is None:
            return 0
        notify_signs(session, alert_id)
        top = outbox.max_subscription_id(session)
        if alert.scope == "Public":
            events.publish(session, kind="alert.sent", payload=public_event(alert))
    jobs = 0
    pages: list[tuple[int, int | None]] = [*outbox.resolve_pages(top), (top + 1, None)]  # then those added meanwhile
    for first, last in pages:
        with transaction(runtime.engine) as session:
            alert = session.get(Alert, alert_id)
            if alert is None or alert.scope != "Public":
                return jobs
            jobs += resolve_and_defer(session, alert, first_id=first, last_id=last)
    return jobs


def root_identifier(session: Session, alert: Alert) -> str:
    """The identifier of the first alert of an update/cancel chain."""
    current = alert
    for _ in range(100):
        if current.references_id is None:
            break
        parent = session.get(Alert, current.references_id)
        if parent is None:
            break
        current = parent
    return str(current.identifier)


def alert_message(session: Session, alert: Alert, *, public_url: str) -> AlertMessage:
    """What the channels need of an alert."""
    return AlertMessage(
        id=alert.id,
        identifier=str(alert.identifier),
        root_identifier=root_identifier(session, alert),
        msg_type=alert.msg_type,
        level=alert.level,
        hazard=alert.hazard,
        urgency=alert.urgency,
        scope=alert.scope,
        messages=dict(alert.messages),
        expires_at=alert.expires_at,
        url=alert_page_url(public_url, alert.id),
    )


def load_chunk(
    runtime: Runtime, alert_id: int, channel: str, lo: int, hi: int
) -> tuple[AlertMessage | None, list[Recipient]]:
    """The alert as the channels see it and the chunk's pending recipients (none once it may not go out)."""
    with transaction(runtime.engine) as session:
        alert = session.get(Alert, alert_id)
        if alert is None or alert.status not in lifecycle.DELIVERABLE:
            return None, []
        message = alert_message(session, alert, public_url=runtime.settings.public_url)
        return message, outbox.pending_recipients(session, alert_id=alert_id, channel=channel, lo=lo, hi=hi)


async def deliver_chunk(
    runtime: Runtime, alert_id: int, channel: str, lo: int, hi: int, *, final: bool
) -> list[Outcome]:
    """Send one chunk of pending deliveries on a channel and record every outcome."""
    lock = outbox.ChunkLock(runtime.engine, f"deliver:{alert_id}:{channel}:{lo}")
    await asyncio.to_thread(lock.acquire)
    try:
        message, recipients = await asyncio.to_thread(load_chunk, runtime, alert_id, channel, lo, hi)
        if message is None or not recipients:
            return []
        recorder = outbox.Recorder(runtime.engine, final=final)
        try:
            return await runtime.channels[channel].deliver(message, recipients, recorder.add)
        finally:
            await recorder.close()
    finally:
        await asyncio.to_thread(lock.release)


def defer_stamp(runtime: Runtime, alert_id: int, channel: str, lo: int, hi: int) -> None:
    """Queue the low-priority bookkeeping of a chunk that reached someone."""
    args: dict[str, object] = {"alert_id": alert_id, "channel": channel, "lo": lo, "hi": hi}
    with transaction(runtime.engine) as session:
        queue.defer_in_transaction(session, task=queue.STAMP_TASK, args=args, priority=queue.STAMP_PRIORITY)


def stamp_chunk(runtime: Runtime, alert_id: int, channel: str, lo: int, hi: int) -> int:
    """Record the last success of the subscriptions a chunk reached."""
    with transaction(runtime.engine) as session:
        return outbox.stamp_successes(session, alert_id=alert_id, channel=channel, lo=lo, hi=hi)
