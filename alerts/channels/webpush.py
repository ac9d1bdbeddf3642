"""Web Push channel (RFC 8030/8291/8292): aes128gcm payloads, VAPID, TTL/Urgency/Topic, retries."""

from __future__ import annotations

import asyncio
import base64
import fnmatch
import functools
import ipaddress
import itertools
import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import aiohttp
import http_ece
from cryptography.hazmat.primitives.asymmetric import ec
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt

from alerts.channels import AlertMessage, Outcome, Recipient, Report
from alerts.channels.vapid import VapidSigner
from alerts.channels.vapid import generate_vapid_key as generate_vapid_key  # re-exported for older imports
from alerts.channels.vapid import public_key_b64 as public_key_b64

MAX_ENDPOINT_LENGTH = 2048
#: RFC 8030 TTL bounds we use: at least a minute, at most four weeks.
MIN_TTL_S = 60
MAX_TTL_S = 28 * 24 * 3600
#: A chunk's TTL header is recomputed from the clock at most this often.
TTL_REFRESH_S = 1.0
#: RFC 8291 allows 4096 bytes of ciphertext; keep the clear text well below.
MAX_PAYLOAD_BYTES = 3000


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try one push: attempts, exponential backoff, and the longest Retry-After we honour."""

    attempts: int = 4
    base_s: float = 0.5
    max_wait_s: float = 30.0


PUSH_RETRY = RetryPolicy()


@dataclass(frozen=True)
class Timeouts:
    """Named HTTP timeouts of a push request."""

    connect_s: float = 5.0
    read_s: float = 10.0


PUSH_TIMEOUTS = Timeouts()
#: Requests in flight at once per channel instance.
PUSH_CONCURRENCY = 64
#: Recipients a sender encrypts back to back before pushing them. Bursts keep the curve arithmetic hot in
#: the CPU caches and let answers gather meanwhile: about a fifth less CPU per push (`bosai bench fanout`).
ENCRYPT_BURST = 16


class Prepared(NamedTuple):
    """One recipient's push, encrypted and ready to send."""

    recipient: Recipient
    origin: str
    body: bytes


class EndpointRejected(ValueError):
    """A push endpoint that is not on the allow-list of push services (or not a URL we may call)."""


class RetryablePushError(Exception):
    """429 or 5xx from the push service (or a network error): try again, after Retry-After if given."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


@functools.lru_cache(maxsize=4096)
def _origin_problem(scheme: str, netloc: str, allowlist: tuple[str, ...]) -> str | None:
    """Why an origin may not be called, or None (cached: a fan-out calls the same few push services)."""
    parts = urlsplit(f"{scheme}://{netloc}")
    host = (parts.hostname or "").lower()
    if parts.username or parts.password:
        return "endpoint must not carry credentials"
    if not host or not any(fnmatch.fnmatchcase(host, pattern.lower()) for pattern in allowlist):
        return f"push service host {host or '(none)'!r} is not on the allow-list"
    if scheme != "https" and not (scheme == "http" and _is_loopback(host)):
        return "endpoint must use https"
    return None


def check_endpoint(endpoint: str, allowlist: Sequence[str]) -> str:
    """The endpoint if its host is an allowed push service (https; http only for allowed loopback fakes)."""
    endpoint_origin(endpoint, tuple(allowlist))
    return endpoint


def endpoint_origin(endpoint: str, allowlist: tuple[str, ...]) -> str:
    """The endpoint's origin (the VAPID audience) if its host is an allowed push service; else EndpointRejected."""
    if len(endpoint) > MAX_ENDPOINT_LENGTH:
        raise EndpointRejected(f"endpoint longer than {MAX_ENDPOINT_LENGTH} characters")
    parts = urlsplit(endpoint)
    problem = _origin_problem(parts.scheme, parts.netloc, allowlist)
    if problem is not None:
        raise EndpointRejected(problem)
    return f"{parts.scheme}://{parts.netloc}"


def _b64decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def encrypt(payload: bytes, keys: Mapping[str, Any]) -> bytes:
    """RFC 8291 aes128gcm body for a subscription's p256dh/auth keys, with a new ephemeral key per message."""
    receiver = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), _b64decode(keys["p256dh"]))
    sender = ec.generate_private_key(ec.SECP256R1())
    body: bytes = http_ece.encrypt(
        payload, private_key=sender, dh=receiver, auth_secret=_b64decode(keys["auth"]), version="aes128gcm"
    )
    return body


def urgency_of(alert: AlertMessage) -> str:
    """RFC 8030 Urgency from the alert: immediate public danger is high, staff notices low."""
    if alert.scope != "Public":
        return "low"
    if alert.urgency == "Immediate" or (alert.level or 0) >= 4 or alert.msg_type == "Cancel":
        return "high"
    return "normal"


def ttl_of(alert: AlertMessage, now: datetime) -> int:
    """Seconds until the alert expires, within RFC-sane bounds."""
    if alert.expires_at is None:
        return MAX_TTL_S
    return max(MIN_TTL_S, min(MAX_TTL_S, int((alert.expires_at - now).total_seconds())))


class ChunkHeaders:
    """The headers every push of one alert shares, with TTL recomputed at most once a second."""

    def __init__(self, alert: AlertMessage, clock: Any, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.alert, self.clock, self.monotonic = alert, clock, monotonic
        self.static = {
            "Urgency": urgency_of(alert),
            "Topic": alert.topic,
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
        }
        self._ttl = ""
        self._ttl_until = 0.0

    def for_request(self, authorization: str) -> dict[str, str]:
        """The headers of one push request."""
        now = self.monotonic()
        if now >= self._ttl_until:
            self._ttl, self._ttl_until = str(ttl_of(self.alert, self.clock())), now + TTL_REFRESH_S
        return {"TTL": self._ttl, **self.static, "Authorization": authorization}


def payload_of(alert: AlertMessage, languages: Sequence[str]) -> bytes:
    """The JSON the service worker shows (tag = the alert chain, so an update replaces the notice)."""
    language, title, body = alert.text_for(languages)
    data = {
        "id": alert.identifier,
        "tag": alert.root_identifier,
        "type": alert.msg_type,
        "lang": language,
        "level": alert.level,
        "hazard": alert.hazard,
        "title": title,
        "body": body,
        "url": alert.url,
    }
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    if len(raw) > MAX_PAYLOAD_BYTES:
        data["body"] = body[: max(0, len(body) - (len(raw) - MAX_PAYLOAD_BYTES) // 3 - 1)] + "…"
        raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    return raw


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
        except (TypeError, ValueError):
            return None


def backoff(policy: RetryPolicy, attempt: int, exc: BaseException | None) -> float:
    """Seconds before the next try: Retry-After when the service gave one (capped), else exponential."""
    if isinstance(exc, RetryablePushError) and exc.retry_after is not None:
        return float(min(policy.max_wait_s, exc.retry_after))
    return float(min(policy.max_wait_s, policy.base_s * 2.0 ** (attempt - 1)))


def wait_for(policy: RetryPolicy) -> Any:
    """The same wait as a tenacity `wait` callable."""

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        return backoff(policy, state.attempt_number + 1, exc)

    return wait


class WebPushChannel:
    """Sends alerts to browser push subscriptions; 404/410 mark the subscription gone."""

    name = "webpush"

    def __init__(
        self,
        client: aiohttp.ClientSession,
        signer: VapidSigner,
        allowlist: Sequence[str],
        *,
        policy: RetryPolicy = PUSH_RETRY,
        concurrency: int = PUSH_CONCURRENCY,
        clock: Any = lambda: datetime.now(UTC),
    ) -> None:
        self.client, self.signer, self.allowlist = client, signer, tuple(allowlist)
        self.policy, self.clock, self.concurrency = policy, clock, concurrency
        self._slots = asyncio.Semaphore(concurrency)

    async def _post(self, endpoint: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        try:
            async with self.client.post(endpoint, data=body, headers=headers, allow_redirects=False) as response:
                text = await response.text(errors="replace") if response.status >= 400 else ""
                status, retry_after = response.status, response.headers.get("retry-after")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise RetryablePushError(f"network: {type(exc).__name__}: {exc}") from exc
        if status == 429 or status >= 500:
            raise RetryablePushError(f"HTTP {status}", _retry_after(retry_after))
        return status, text

    def _prepare(
        self, alert: AlertMessage, recipient: Recipient, payloads: dict[tuple[str, ...], bytes] | None
    ) -> Prepared | Outcome:
        """The encrypted push for a recipient, or its 'failed' outcome when the endpoint or keys are unusable."""
        try:
            origin = endpoint_origin(recipient.address, self.allowlist)
            body = encrypt(self._payload(alert, recipient.languages, payloads), recipient.keys)
        except (EndpointRejected, KeyError, ValueError) as exc:
            return Outcome(recipient.delivery_id, recipient.subscription_id, "failed", 0, f"rejected: {exc}")
        return Prepared(recipient, origin, body)

    async def _push(self, prepared: Prepared, headers: ChunkHeaders) -> Outcome:
        """POST one encrypted push once a request slot is free; retry 429/5xx/network errors per the policy."""
        recipient, endpoint, body = prepared.recipient, prepared.recipient.address, prepared.body
        ids = (recipient.delivery_id, recipient.subscription_id)
        async with self._slots:
            request_headers = headers.for_request(self.signer.authorization_for(prepared.origin))
            try:  # the first try without tenacity's bookkeeping: the common case
                status, text = await self._post(endpoint, body, request_headers)
                attempts = 1
            except RetryablePushError as exc:
                first: RetryablePushError | None = exc
            else:
                first = None
        if first is not None:
            attempts, status, text = await self._retry(endpoint, body, request_headers, first)
            if status < 0:
                return Outcome(*ids, "retry", attempts, text)
        if status in (404, 410):
            return Outcome(*ids, "gone", attempts, f"HTTP {status}")
        if status >= 400:
            return Outcome(*ids, "failed", attempts, f"HTTP {status}: {text[:200]}")
        return Outcome(*ids, "sent", attempts)

    @staticmethod
    def _payload(alert: AlertMessage, languages: Sequence[str], cache: dict[tuple[str, ...], bytes] | None) -> bytes:
        """The clear-text payload for these languages, built once per chunk when a cache is given."""
        if cache is None:
            return payload_of(alert, languages)
        key = tuple(languages)
        raw = cache.get(key)
        if raw is None:
            raw = cache[key] = payload_of(alert, languages)
        return raw

    async def _retry(
        self, endpoint: str, body: bytes, headers: dict[str, str], first: RetryablePushError
    ) -> tuple[int, int, str]:
        """Retries after a first 429/5xx/network error: (attempts, status or -1 when given up, text)."""
        attempts = 1
        if self.policy.attempts <= 1:
            return attempts, -1, str(first)
        await asyncio.sleep(backoff(self.policy, 1, first))
        try:
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(self.policy.attempts - 1),
                wait=wait_for(self.policy),
                retry=retry_if_exception_type(RetryablePushError),
                reraise=True,
            ):
                with attempt:
                    attempts += 1
                    async with self._slots:
                        status, text = await self._post(endpoint, body, headers)
        except RetryablePushError as exc:
            return attempts, -1, str(exc)
        return attempts, status, text

    async def deliver(
        self, alert: AlertMessage, recipients: Sequence[Recipient], report: Report | None = None
    ) -> list[Outcome]:
        """Push to every recipient concurrently, reporting each outcome as soon as it is known.

        A fixed set of senders works through the chunk (no task per recipient); each encrypts a short
        burst of recipients back to back (1, 2, 4, … up to ENCRYPT_BURST), then pushes them. The
        channel's request slots still bound what is in flight across the chunks a worker sends at once.
        """
        payloads: dict[tuple[str, ...], bytes] = {}
        headers = ChunkHeaders(alert, self.clock)
        outcomes: list[Outcome | None] = [None] * len(recipients)
        burst = burst_size(len(recipients), self.concurrency)
        work = iter(enumerate(recipients))

        async def sender() -> None:
            size = 1  # the first push of every sender leaves at once; bursts grow from there
            while batch := list(itertools.islice(work, size)):
                ready = [(index, self._prepare(alert, recipient, payloads)) for index, recipient in batch]
                for index, item in ready:
                    outcome = outcomes[index] = item if isinstance(item, Outcome) else await self._push(item, headers)
                    if report is not None:
                        report(outcome)
                size = min(burst, size * 2)

        senders = min(self.concurrency, math.ceil(len(recipients) / burst))
        await asyncio.gather(*(sender() for _ in range(senders)))
        return [outcome for outcome in outcomes if outcome is not None]


def burst_size(recipients: int, concurrency: int) -> int:
    """Recipients one sender encrypts back to back: enough senders to fill the request slots, at most ENCRYPT_BURST."""
    return max(1, min(ENCRYPT_BURST, math.ceil(recipients / max(1, concurrency))))


def http_client(*, concurrency: int = PUSH_CONCURRENCY, timeouts: Timeouts = PUSH_TIMEOUTS) -> aiohttp.ClientSession:
    """An HTTP client sized for a push fan-out (aiohttp: many times httpx's request rate on this machine)."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=concurrency),
        timeout=aiohttp.ClientTimeout(total=None, connect=timeouts.connect_s, sock_read=timeouts.read_s),
        cookie_jar=aiohttp.DummyCookieJar(),  # no cookie from one push service ever rides along to the next request
        auto_decompress=False,  # answers are read only for errors, as text
        skip_auto_headers=("User-Agent",),  # the VAPID subject identifies the sender (RFC 8292)
    )
