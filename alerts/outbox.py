"""The delivery outbox: fan-out jobs enqueued with the approval, delivery rows claimed and recorded."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, bindparam, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.types import BigInteger, Integer, String

from alerts import lifecycle
from alerts import queries as queries_alerts
from alerts.channels import AlertMessage, Outcome, Recipient
from alerts.models import Alert

QUEUE = "alerts"
NAMESPACE = "bosai"
FANOUT_TASK = f"{NAMESPACE}:alerts.fanout"
DELIVER_TASK = f"{NAMESPACE}:alerts.deliver"
DRAFT_TASK = f"{NAMESPACE}:alerts.draft"
STAMP_TASK = f"{NAMESPACE}:alerts.stamp"
#: Channels with one delivery row per subscriber (signs pull their state; feeds are read).
RECIPIENT_CHANNELS = ("webpush", "line")
#: Recipients per delivery job: LINE multicast takes at most 500 user ids per request; a Web Push job
#: holds 1,000 so its fixed costs (lock, load, bookkeeping job) are shared by more pushes.
CHUNK_SIZE = {"webpush": 1_000, "line": 500}
#: Targets are resolved in pages of subscription ids; each page's chunks start at once. The first page is
#: small so the first pushes leave within a second; pages then double up to RESOLVE_PAGE.
FIRST_RESOLVE_PAGE = 1_000
RESOLVE_PAGE = 20_000
FANOUT_PRIORITY = 10
#: Bookkeeping after a chunk (each subscription's last success) waits until no delivery job does.
STAMP_PRIORITY = 0

_DEFER_SQL = text(
    """
    SELECT unnest(procrastinate_defer_jobs_v1(ARRAY[ROW(
        :queue, :task, :priority, :lock, :queueing_lock, CAST(:args AS jsonb), NULL::timestamptz
    )]::procrastinate_job_to_defer_v1[]))
    """
)


def defer_in_transaction(
    session: Session,
    *,
    task: str,
    args: dict[str, object],
    lock: str | None = None,
    queueing_lock: str | None = None,
    priority: int = 0,
) -> int:
    """Enqueue a procrastinate job inside the caller's transaction (it exists only if that commits)."""
    job_id: int = session.execute(
        _DEFER_SQL,
        {
            "queue": QUEUE,
            "task": task,
            "priority": priority,
            "lock": lock,
            "queueing_lock": queueing_lock,
            "args": json.dumps(args),
        },
    ).scalar_one()
    return int(job_id)


def enqueue_fanout(session: Session, alert_id: int) -> int:
    """The outbox row of an approved alert: its fan-out job, committed with the approval."""
    return defer_in_transaction(
        session, task=FANOUT_TASK, args={"alert_id": alert_id}, lock=f"fanout:{alert_id}", priority=FANOUT_PRIORITY
    )


def mark_dispatched(session: Session, alert_id: int, now: datetime) -> Alert | None:
    """approved → sent (and the original it updates or cancels follows); None if it must not go out."""
    alert = session.scalars(select(Alert).where(Alert.id == alert_id).with_for_update()).first()
    if alert is None or alert.status not in ("approved", "sent"):
        return None
    if alert.status == "approved":
        lifecycle.transition(alert.status, "dispatch")
        alert.status, alert.sent_at = "sent", now
        if alert.references_id is not None:
            original = session.scalars(select(Alert).where(Alert.id == alert.references_id).with_for_update()).first()
            follow: lifecycle.Action = "cancel" if alert.msg_type == "Cancel" else "update"
            if original is not None and original.status in lifecycle.TRANSITIONS[follow][0]:
                original.status = lifecycle.transition(original.status, follow).after
        session.flush()
    return alert


def resolve(session: Session, alert: Alert, *, first_id: int = 0, last_id: int | None = None) -> int:
    """Create the delivery rows of a public alert (idempotent); staff-only notices reach no resident."""
    if alert.scope != "Public":
        return 0
    return queries_alerts.resolve_targets(
        session, alert_id=alert.id, channels=RECIPIENT_CHANNELS, first_id=first_id, last_id=last_id
    )


def resolve_pages(top: int) -> list[tuple[int, int]]:
    """(first, last) subscription ids of the resolve pages covering 0‥top: small first, then doubling."""
    pages, first, size = [], 0, FIRST_RESOLVE_PAGE
    while first <= top:
        pages.append((first, first + size - 1))
        first, size = first + size, min(size * 2, RESOLVE_PAGE)
    return pages


def chunk_bounds(
    session: Session, *, alert_id: int, channel: str, size: int, after_id: int = -1
) -> list[tuple[int, int]]:
    """(first id, last id) of each chunk holding pending deliveries of the alert on the channel above `after_id`.

    Chunks are fixed ranges of delivery ids (id // size), so every run computes the same chunks and a
    delivery always belongs to the same chunk (and the same lock), whatever was sent before.
    """
    rows = session.execute(
        text(
            "SELECT DISTINCT id / :size FROM deliveries "
            "WHERE alert_id = :alert_id AND channel = :channel AND status = 'pending' AND id > :after ORDER BY 1"
        ),
        {"alert_id": alert_id, "channel": channel, "size": size, "after": after_id},
    )
    keys = [int(str(r[0])) for r in rows]
    return [(k * size, k * size + size - 1) for k in keys]


def last_delivery_id(session: Session, *, alert_id: int) -> int:
    """The highest delivery id of the alert (-1 before its first): rows resolved later lie above it."""
    return int(
        session.execute(
            text("SELECT coalesce(max(id), -1) FROM deliveries WHERE alert_id = :a"), {"a": alert_id}
        ).scalar_one()
    )


def max_subscription_id(session: Session) -> int:
    """The highest subscription id (0 when there is none)."""
    return int(session.execute(text("SELECT coalesce(max(id), 0) FROM subscriptions")).scalar_one())


def pending_recipients(session: Session, *, alert_id: int, channel: str, lo: int, hi: int) -> list[Recipient]:
    """The still-pending deliveries of one chunk with where to send them."""
    rows = session.execute(
        text(
            """
            SELECT d.id, s.id, s.address, s.keys, s.languages
            FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id
            WHERE d.alert_id = :alert_id AND d.channel = :channel AND d.id BETWEEN :lo AND :hi
              AND d.status = 'pending' AND s.active
            ORDER BY d.id
            """
        ),
        {"alert_id": alert_id, "channel": channel, "lo": lo, "hi": hi},
    )
    out = []
    for row in rows:
        delivery_id, subscription_id, address, keys, languages = cast(Any, row)
        out.append(
            Recipient(
                int(delivery_id), int(subscription_id), str(address), dict(keys or {}), tuple(languages or ("ja",))
            )
        )
    return out


_RECORD_SQL = text(
    """
    WITH u AS (
        SELECT * FROM unnest(:ids, :subscription_ids, :outcomes, :statuses, :attempts, :errors)
            AS u(id, subscription_id, outcome, status, attempts, error)
    ), d AS (
        UPDATE deliveries AS d
        SET status = u.status, attempts = d.attempts + u.attempts, last_error = u.error,
            sent_at = CASE WHEN u.status = 'sent' THEN now() ELSE d.sent_at END
        FROM u
        WHERE d.id = u.id AND d.status = 'pending'
    )
    UPDATE subscriptions AS s SET active = false
    FROM u
    WHERE s.id = u.subscription_id AND u.outcome = 'gone'
    """
).bindparams(
    bindparam("ids", type_=ARRAY(BigInteger())),
    bindparam("subscription_ids", type_=ARRAY(BigInteger())),
    bindparam("outcomes", type_=ARRAY(String())),
    bindparam("statuses", type_=ARRAY(String())),
    bindparam("attempts", type_=ARRAY(Integer())),
    bindparam("errors", type_=ARRAY(String())),
)


_RECORD_SENT_SQL = text(
    """
    UPDATE deliveries SET status = 'sent', attempts = attempts + 1, last_error = NULL, sent_at = now()
    WHERE id = ANY(:ids) AND status = 'pending'
    """
).bindparams(bindparam("ids", type_=ARRAY(BigInteger())))


def record_outcomes(session: Session | Connection, outcomes: Sequence[Outcome], *, final: bool) -> None:
    """Store outcomes; 'retry' stays pending (failed at the last try); gone deactivates at once.

    Plain first-try successes, nearly all of a fan-out, go in one statement of ids; the rest in another.
    """
    plain: list[int] = []
    rest: list[Outcome] = []
    for o in outcomes:
        if o.status == "sent" and o.attempts == 1 and o.error is None:
            plain.append(o.delivery_id)
        else:
            rest.append(o)
    if plain:
        session.execute(_RECORD_SENT_SQL, {"ids": plain})
    if not rest:
        return
    statuses = [("failed" if final else "pending") if o.status == "retry" else o.status for o in rest]
    session.execute(
        _RECORD_SQL,
        {
            "ids": [o.delivery_id for o in rest],
            "subscription_ids": [o.subscription_id for o in rest],
            "outcomes": [o.status for o in rest],
            "statuses": statuses,
            "attempts": [o.attempts for o in rest],
            "errors": [o.error for o in rest],
        },
    )


def stamp_successes(session: Session, *, alert_id: int, channel: str, lo: int, hi: int) -> int:
    """Set each subscription's last success from the sent deliveries of a chunk (idempotent, never backwards).

    Kept off the delivery path: it rewrites a subscriptions row (and its spatial index entry) per recipient,
    which costs the database more than recording the delivery itself.
    """
    result = session.execute(
        text(
            """
            UPDATE subscriptions AS s SET last_success_at = d.sent_at
            FROM deliveries AS d
            WHERE d.alert_id = :alert_id AND d.channel = :channel AND d.id BETWEEN :lo AND :hi
              AND d.status = 'sent' AND s.id = d.subscription_id
              AND (s.last_success_at IS NULL OR s.last_success_at < d.sent_at)
            """
        ),
        {"alert_id": alert_id, "channel": channel, "lo": lo, "hi": hi},
    )
    return int(getattr(result, "rowcount", 0) or 0)


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


def alert_page_url(public_url: str, alert_id: int) -> str:
    """The public page of an alert (all languages)."""
    return f"{public_url.rstrip('/')}/alerts/{alert_id}"


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
