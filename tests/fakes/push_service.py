"""A local push service speaking RFC 8030/8291/8292 that checks what it receives (tests and benchmarks).

Each subscription is a browser-like P-256 key pair with an auth secret, derived from a seed and the
subscription's name so a separate process (the bench) can create subscriptions the server can decrypt.
Every request must carry a valid VAPID JWT for this origin, TTL, aes128gcm; the body is decrypted with
the subscription's private key (for a sample of requests when `decrypt_every` > 1).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import http_ece
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
TOPIC_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
URGENCIES = {"very-low", "low", "normal", "high"}
MAX_VAPID_LIFETIME_S = 24 * 3600
MAX_BODY = 4096
PUSH_PREFIX = "/push/"
#: How often a held push (tests of a worker killed mid-fan-out) looks at the release flag.
HOLD_POLL_S = 0.02


def b64(raw: bytes) -> str:
    """base64url without padding."""
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def unb64(text: str) -> bytes:
    """Decode base64url with or without padding."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class BrowserKeys:
    """What a browser keeps for one push subscription."""

    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    @property
    def p256dh(self) -> str:
        """The public key as the browser reports it."""
        raw = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64(raw)

    def subscription_keys(self) -> dict[str, str]:
        """The `keys` member of PushSubscription.toJSON()."""
        return {"p256dh": self.p256dh, "auth": b64(self.auth)}


def browser_keys(seed: str, name: str) -> BrowserKeys:
    """The deterministic key pair and auth secret of a subscription name."""
    digest = hashlib.sha256(f"{seed}/{name}/key".encode()).digest()
    scalar = int.from_bytes(digest, "big") % (P256_ORDER - 1) + 1
    auth = hashlib.sha256(f"{seed}/{name}/auth".encode()).digest()[:16]
    return BrowserKeys(ec.derive_private_key(scalar, ec.SECP256R1()), auth)


@dataclass
class Received:
    """One accepted push message."""

    name: str
    at: float
    headers: dict[str, str]
    payload: dict[str, Any] | None


@dataclass
class FakePushState:
    """Everything the fake saw and how it should behave."""

    seed: str
    origin: str = ""
    decrypt_every: int = 1
    received: list[Received] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    gone: set[str] = field(default_factory=set)
    throttle: dict[str, list[float]] = field(default_factory=dict)
    hold_after: int | None = None
    released: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _tokens: dict[str, float] = field(default_factory=dict)
    _keys: dict[str, BrowserKeys] = field(default_factory=dict)

    def keys(self, name: str) -> BrowserKeys:
        """The browser keys of a subscription (cached)."""
        if name not in self._keys:
            self._keys[name] = browser_keys(self.seed, name)
        return self._keys[name]

    def endpoint(self, name: str) -> str:
        """The push endpoint URL of a subscription."""
        return f"{self.origin}/push/{name}"

    def check_vapid(self, authorization: str) -> None:
        """Verify the RFC 8292 header: ES256 JWT signed by key k, aud = this origin, exp ≤ 24 h."""
        scheme, _, rest = authorization.partition(" ")
        if scheme.lower() != "vapid":
            raise ValueError("Authorization scheme must be vapid")
        params = dict(part.strip().split("=", 1) for part in rest.split(","))
        token, key = params.get("t"), params.get("k")
        if not token or not key:
            raise ValueError("vapid header needs t= and k=")
        now = time.time()
        if self._tokens.get(token, 0) > now:
            return
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64(key))
        pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        claims = jwt.decode(token, pem, algorithms=["ES256"], audience=self.origin)
        if not (now < claims["exp"] <= now + MAX_VAPID_LIFETIME_S + 60):
            raise ValueError("JWT exp must be within 24 hours")
        if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
            raise ValueError("JWT sub must be a mailto: or https: URL")
        self._tokens[token] = float(claims["exp"])


def _check_headers(headers: Any) -> None:
    if headers.get("content-encoding") != "aes128gcm":
        raise ValueError("Content-Encoding must be aes128gcm")
    ttl = headers.get("ttl")
    if ttl is None or not ttl.isdigit():
        raise ValueError("TTL header required (non-negative integer)")
    urgency = headers.get("urgency")
    if urgency is not None and urgency not in URGENCIES:
        raise ValueError(f"bad Urgency {urgency!r}")
    topic = headers.get("topic")
    if topic is not None and not TOPIC_RE.match(topic):
        raise ValueError("Topic must be ≤ 32 base64url characters")


Headers = dict[str, str]


async def _read_body(receive: Receive) -> bytes:
    """The whole request body."""
    chunks: list[bytes] = []
    more = True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


async def _answer(send: Send, status: int, headers: Headers | None = None, body: bytes = b"") -> None:
    """One complete HTTP response."""
    raw = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in (headers or {}).items()]
    raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def _error(send: Send, message: str) -> None:
    """400 with a JSON error naming what was wrong."""
    body = json.dumps({"error": message}).encode()
    await _answer(send, 400, {"content-type": "application/json"}, body)


class PushEndpoint:
    """`POST /push/{name}`: the push service's hot path as a plain ASGI callable (no framework per message).

    Starlette's Request and Response here took wrk against the service from 17,900–18,700 down to
    12,700–13,500 req/s, and the fan-out benchmark's median share from 0.54× to 0.45×: the fake competes
    with the workers for the same two cores.
    """

    def __init__(self, state: FakePushState) -> None:
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check, accept (201 + Location) or refuse one push message."""
        state, name = self.state, scope["path"][len(PUSH_PREFIX) :]
        headers = {key.decode("latin-1"): value.decode("latin-1") for key, value in scope["headers"]}
        body = await _read_body(receive)
        try:
            _check_headers(headers)
            state.check_vapid(headers.get("authorization", ""))
            if not body or len(body) > MAX_BODY:
                raise ValueError("body must be 1..4096 bytes")
        except (ValueError, KeyError, jwt.PyJWTError) as exc:
            with state.lock:
                state.rejected.append((name, str(exc)))
            await _error(send, str(exc))
            return
        if name in state.gone:
            await _answer(send, 410)
            return
        pending = state.throttle.get(name)
        if pending:
            await _answer(send, 429, {"retry-after": str(pending.pop(0))})
            return
        with state.lock:
            state.counts["requests"] += 1
            number = state.counts["requests"]
        if state.hold_after is not None and number > state.hold_after and await _held_until_dropped(state, receive):
            with state.lock:
                state.counts["dropped"] += 1  # the sender died: no 201, the message was not accepted
            await _answer(send, 499)
            return
        payload = None
        if state.decrypt_every <= 1 or number % state.decrypt_every == 0:
            keys = state.keys(name)
            try:
                clear = http_ece.decrypt(body, private_key=keys.private_key, auth_secret=keys.auth, version="aes128gcm")
                payload = json.loads(clear)
            except Exception as exc:  # any decryption failure is the sender's bug: reject loudly
                with state.lock:
                    state.rejected.append((name, f"decrypt: {type(exc).__name__}: {exc}"))
                await _error(send, "cannot decrypt")
                return
        kept = {key: headers[key] for key in ("ttl", "urgency", "topic") if key in headers}
        with state.lock:
            state.received.append(Received(name, time.time(), kept, payload))
        await _answer(send, 201, {"location": f"{state.origin}/message/{number}"})


async def _held_until_dropped(state: FakePushState, receive: Receive) -> bool:
    """Hold the answer until the test releases it; True when the sender disconnected meanwhile."""
    disconnect = asyncio.ensure_future(receive())  # after the body, the next message is the disconnect
    try:
        while not state.released.is_set() and not disconnect.done():
            await asyncio.sleep(HOLD_POLL_S)
        return disconnect.done() and disconnect.result()["type"] == "http.disconnect"
    finally:
        disconnect.cancel()


def create_app(state: FakePushState) -> ASGIApp:
    """The fake push service's ASGI app: the push path bare, the rest (stats, health) on Starlette."""
    push = PushEndpoint(state)

    async def stats(request: Request) -> Response:
        with state.lock:
            times = [r.at for r in state.received]
            names = Counter(r.name for r in state.received)
            return JSONResponse(
                {
                    "accepted": len(state.received),
                    "distinct": len(names),
                    "duplicates": sum(c - 1 for c in names.values() if c > 1),
                    "rejected": len(state.rejected),
                    "rejections": state.rejected[:5],
                    "decrypted": sum(1 for r in state.received if r.payload is not None),
                    "first_at": min(times) if times else None,
                    "last_at": max(times) if times else None,
                }
            )

    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True})

    rest = Starlette(routes=[Route("/stats", stats, methods=["GET"]), Route("/health", health, methods=["GET"])])

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        name = path.removeprefix(PUSH_PREFIX)
        if scope["type"] == "http" and path.startswith(PUSH_PREFIX) and name and "/" not in name:
            if scope["method"] == "POST":
                await push(scope, receive, send)
            else:
                await _answer(send, 405, {"allow": "POST"})
            return
        await rest(scope, receive, send)

    return app


def main() -> None:
    """Serve the fake push service on its own (benchmarks run it as a separate process)."""
    import argparse

    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--seed", required=True)
    parser.add_argument("--decrypt-every", type=int, default=1, help="decrypt one request in N (1: all)")
    args = parser.parse_args()
    state = FakePushState(seed=args.seed, origin=f"http://127.0.0.1:{args.port}", decrypt_every=args.decrypt_every)
    uvicorn.run(
        create_app(state), host="127.0.0.1", port=args.port, log_level="warning", access_log=False, backlog=4096
    )


if __name__ == "__main__":
    main()
