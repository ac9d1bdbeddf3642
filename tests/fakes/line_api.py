"""A local LINE Messaging API (multicast, reply) that checks the token, body schema and limits it receives."""

from __future__ import annotations

import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

MAX_TO = 500
MAX_MESSAGES = 5
MAX_TEXT = 5000
USER_ID_RE = re.compile(r"^U[0-9a-f]{32}$")


@dataclass
class FakeLineState:
    """What the fake received and how it behaves."""

    token: str
    multicasts: list[dict[str, Any]] = field(default_factory=list)
    replies: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    retry_keys: dict[str, str] = field(default_factory=dict)
    throttle: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def recipients(self) -> list[str]:
        """Every user id a multicast reached (with repeats)."""
        return [uid for m in self.multicasts for uid in m["to"]]


def _check_messages(messages: Any) -> str | None:
    if not isinstance(messages, list) or not 1 <= len(messages) <= MAX_MESSAGES:
        return f"messages must be a list of 1..{MAX_MESSAGES}"
    for m in messages:
        if not isinstance(m, dict) or m.get("type") != "text":
            return "only text messages are expected"
        text = m.get("text")
        if not isinstance(text, str) or not 1 <= len(text) <= MAX_TEXT:
            return f"text must have 1..{MAX_TEXT} characters"
    return None


def create_app(state: FakeLineState) -> Starlette:
    """The fake Messaging API's ASGI app."""

    def bad(reason: str, status: int = 400) -> Response:
        with state.lock:
            state.rejected.append(reason)
        return JSONResponse({"message": reason}, status_code=status)

    def authorised(request: Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {state.token}"

    async def multicast(request: Request) -> Response:
        if not authorised(request):
            return bad("bad or missing bearer token", 401)
        if state.throttle:
            return JSONResponse(
                {"message": "Too Many Requests"}, status_code=429, headers={"Retry-After": str(state.throttle.pop(0))}
            )
        try:
            body = await request.json()
        except ValueError:
            return bad("body is not JSON")
        to = body.get("to")
        if not isinstance(to, list) or not 1 <= len(to) <= MAX_TO:
            return bad(f"to must be a list of 1..{MAX_TO} user ids")
        if not all(isinstance(u, str) and USER_ID_RE.match(u) for u in to) or len(set(to)) != len(to):
            return bad("to must hold distinct LINE user ids")
        problem = _check_messages(body.get("messages"))
        if problem:
            return bad(problem)
        key = request.headers.get("x-line-retry-key")
        request_id = uuid.uuid4().hex
        with state.lock:
            if key is not None:
                try:
                    uuid.UUID(key)
                except ValueError:
                    return bad("X-Line-Retry-Key must be a UUID")
                if key in state.retry_keys:
                    return JSONResponse(
                        {"message": "The retry key is already accepted"},
                        status_code=409,
                        headers={"x-line-accepted-request-id": state.retry_keys[key]},
                    )
                state.retry_keys[key] = request_id
            state.multicasts.append({"to": to, "messages": body["messages"], "at": time.time(), "key": key})
        return JSONResponse({}, headers={"x-line-request-id": request_id})

    async def reply(request: Request) -> Response:
        if not authorised(request):
            return bad("bad or missing bearer token", 401)
        body = await request.json()
        if not isinstance(body.get("replyToken"), str) or not body["replyToken"]:
            return bad("replyToken required")
        problem = _check_messages(body.get("messages"))
        if problem:
            return bad(problem)
        with state.lock:
            state.replies.append(body)
        return JSONResponse(
            {"sentMessages": [{"id": str(i), "quoteToken": "q"} for i, _ in enumerate(body["messages"])]}
        )

    async def stats(request: Request) -> Response:
        with state.lock:
            ids = state.recipients()
            return JSONResponse(
                {
                    "multicasts": len(state.multicasts),
                    "recipients": len(ids),
                    "distinct": len(set(ids)),
                    "rejected": state.rejected[:5],
                }
            )

    return Starlette(
        routes=[
            Route("/v2/bot/message/multicast", multicast, methods=["POST"]),
            Route("/v2/bot/message/reply", reply, methods=["POST"]),
            Route("/stats", stats, methods=["GET"]),
        ]
    )
