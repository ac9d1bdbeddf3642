"""GET /api/events: the public event log as Server-Sent Events, resumable with Last-Event-ID."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from sse_starlette import EventSourceResponse, ServerSentEvent

from hub.api.event_hub import EventHub, EventHubUnavailableError
from hub.api.problems import ProblemError
from hub.errors import FieldError
from hub.events.service import EventRecord

router = APIRouter(tags=["events"])
#: Reconnection delay suggested to EventSource clients (milliseconds).
RETRY_MS = 3000
MAX_EVENT_ID = 2**63 - 1


def _event_id(value: str | None, field: str) -> int | None:
    if value is None or value == "":
        return None
    if not value.isdigit() or int(value) > MAX_EVENT_ID:
        raise FieldError(field, "must be a non-negative event id")
    return int(value)


def _wanted(record: EventRecord, kinds: list[str]) -> bool:
    return not kinds or any(record.kind == k or record.kind.startswith(k + ".") for k in kinds)


def as_sse(record: EventRecord) -> ServerSentEvent:
    """One stored event as an SSE message: id = table id, event = kind, data = JSON."""
    data = {"id": record.id, "kind": record.kind, "created_at": record.created_at.isoformat(), "data": record.payload}
    return ServerSentEvent(id=str(record.id), event=record.kind, data=json.dumps(data, ensure_ascii=False))


@router.get(
    "/api/events",
    summary="Live events (shelters, stations, orders, alerts) as Server-Sent Events",
    response_class=EventSourceResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def event_stream(
    request: Request,
    last_event_id_header: Annotated[str | None, Header(alias="Last-Event-ID", max_length=20)] = None,
    last_event_id: Annotated[str | None, Query(max_length=20, description="resume after this id")] = None,
    kind: Annotated[list[str], Query(max_length=20, description="only these kinds or kind prefixes")] = [],  # noqa: B006
) -> EventSourceResponse:
    """Replays events after Last-Event-ID (header or query), then streams new ones; pings keep it open."""
    after = _event_id(last_event_id_header, "header.Last-Event-ID")
    if after is None:
        after = _event_id(last_event_id, "query.last_event_id")
    hub: EventHub = request.app.state.event_hub
    settings = request.app.state.settings
    try:
        await hub.start()
    except EventHubUnavailableError as exc:
        raise ProblemError(503, str(exc), headers={"Retry-After": "5"}) from None

    async def messages() -> AsyncIterator[ServerSentEvent]:
        async with hub.subscription(after) as stream:
            yield ServerSentEvent(retry=RETRY_MS, comment="connected")
            async for record in stream:
                if _wanted(record, kind):
                    yield as_sse(record)

    return EventSourceResponse(messages(), ping=settings.sse_ping_s)
