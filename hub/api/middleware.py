"""ASGI middleware of the hub: body size limit, per-client rate limits and NUL refusal (problem+json)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from urllib.parse import parse_qsl

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.api.client_address import client_host
from hub.api.problems import problem
from hub.api.ratelimit import RateLimiter
from hub.json_input import JsonInputError, parse_json

LOGIN_PATH = "/api/auth/token"
#: Anonymous reads under these prefixes count against the "public" limit.
PUBLIC_PREFIXES = ("/api/", "/ogcapi", "/opendata", "/tiles/")
READ_METHODS = frozenset({"GET", "HEAD"})


class BodyTooLargeError(HTTPException):
    """The request body passed the limit while it was being read (an HTTPException so FastAPI passes it on)."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, too_large(max_bytes))


def too_large(max_bytes: int) -> str:
    """The problem detail of a refused body."""
    return f"the request body is larger than {max_bytes} bytes"


class BodySizeLimitMiddleware:
    """413 problem+json for bodies above `max_bytes`, by Content-Length or while streaming."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse early on Content-Length; count chunked bodies as they arrive."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        if b"transfer-encoding" not in headers:  # no body, or one the server frames by its Content-Length
            await self.app(scope, receive, send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLargeError(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLargeError:
            if started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem(413, "Content Too Large", too_large(self.max_bytes), instance=scope["path"])
        response.headers["Connection"] = "close"
        await response(scope, receive, send)


def bearer_token(scope: Scope) -> str | None:
    """The bearer token of the request, if any."""
    value = next((raw for name, raw in scope["headers"] if name == b"authorization"), b"").decode("latin-1")
    scheme, _, token = value.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def limit_name(scope: Scope, token_valid: Callable[[str], bool]) -> str | None:
    """The rate limit a request counts against: 'login', 'public' (reads without a valid token) or none.

    Only a token with a valid signature exempts a read, so a made-up Authorization header does not.
    """
    method, path = scope["method"], scope["path"]
    if method == "POST" and path == LOGIN_PATH:
        return "login"
    if method in READ_METHODS and path.startswith(PUBLIC_PREFIXES):
        token = bearer_token(scope)
        return None if token and token_valid(token) else "public"
    return None


class RateLimitMiddleware:
    """429 problem+json with Retry-After when a client address (hub.api.client_address) spends its bucket."""

    def __init__(self, app: ASGIApp, *, limiter: RateLimiter, token_valid: Callable[[str], bool]) -> None:
        self.app = app
        self.limiter = limiter
        self.token_valid = token_valid

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Count the request against its named limit, if any."""
        name = limit_name(scope, self.token_valid) if scope["type"] == "http" else None
        if name is None or not self.limiter.has(name):
            await self.app(scope, receive, send)
            return
        wait = self.limiter.take(name, client_host(scope))
        if wait == 0.0:
            await self.app(scope, receive, send)
            return
        retry = max(1, math.ceil(wait))
        response = problem(
            429, "Too Many Requests", f"rate limit '{name}' exceeded; retry in {retry} s", instance=scope["path"]
        )
        response.headers["Retry-After"] = str(retry)
        await response(scope, receive, send)


def nul_field(scope: Scope) -> str | None:
    """The query parameter (or 'path') carrying a NUL character, which no text column can store."""
    if "\x00" in scope["path"]:
        return "path"
    raw: bytes = scope.get("query_string", b"")
    if b"\x00" not in raw and b"%00" not in raw:  # a NUL in a query is either raw or percent-encoded
        return None
    for name, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True):
        if "\x00" in name or "\x00" in value:
            return f"query.{name.replace(chr(0), '')}"
    return None


def is_json_body(scope: Scope) -> bool:
    """Whether the request carries a JSON body (application/json or a +json type)."""
    if scope["method"] not in {"POST", "PUT", "PATCH"}:
        return False
    content_type = next((raw for name, raw in scope["headers"] if name == b"content-type"), b"")
    media = content_type.split(b";")[0].strip().lower()
    return media == b"application/json" or media.endswith(b"+json")


def json_body_problem(body: bytes) -> JsonInputError | None:
    """Why a JSON body cannot be accepted (NUL in a string, absurd nesting); None when fine or not JSON at all."""
    try:
        parse_json(body)
    except JsonInputError as exc:
        return exc
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None  # the route's own validation answers 422 for what is not JSON
    return None


def _refusal(field: str, message: str, path: str) -> Response:
    return problem(
        422,
        "Unprocessable Content",
        f"invalid input: {field}",
        errors=[{"field": field, "message": message}],
        instance=path.replace("\x00", ""),
    )


class RejectNulMiddleware:
    """422 problem+json for a NUL character in the path, a query parameter or a JSON body, and for JSON
    nested absurdly deep, before any handler runs (no text or jsonb column can store a NUL)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on unless its path, query or JSON body holds a NUL."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        field = nul_field(scope)
        if field is not None:
            await _refusal(field, "must not contain a NUL character", scope["path"])(scope, receive, send)
            return
        if not is_json_body(scope):
            await self.app(scope, receive, send)
            return
        messages = await _read_body(receive)
        found = json_body_problem(b"".join(m.get("body", b"") for m in messages))
        if found is not None:
            name = f"body.{found.field}" if found.field else "body"
            await _refusal(name, found.reason, scope["path"])(scope, receive, send)
            return
        await self.app(scope, _replay(messages, receive), send)


async def _read_body(receive: Receive) -> list[Message]:
    """Every message of the request body (its size is bounded by BodySizeLimitMiddleware outside)."""
    messages: list[Message] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request" or not message.get("more_body", False):
            return messages


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A receive that hands out the buffered body first, then the connection's own messages."""
    pending = list(messages)

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay
