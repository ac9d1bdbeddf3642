"""Web Push channel (RFC 8030/8291/8292): pywebpush encodes (aes128gcm), VAPID, TTL/Urgency/Topic, retries.

pywebpush's `WebPusher.encode` does the protocol's encryption. Its `send_async` is not used: it follows
redirects (a push service's 3xx would lead past the allow-list) and encrypts again on every call; the
encoded body goes out on the worker's shared aiohttp session instead, with the retry kit around it.
"""

from __future__ import annotations

import asyncio
import fnmatch
import functools
import ipaddress
import itertools
import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import aiohttp
from pywebpush import WebPusher, WebPushException

from alerts.channels import AlertMessage, Outcome, Recipient, Report
from alerts.channels.vapid import VapidSigner
from alerts.retry import (
    WEBPUSH_RETRY,
    WEBPUSH_TIMEOUTS,
    RetryPolicy,
    Timeouts,
    TransientError,
    backoff,
    retry_after_s,
    retrying,
)

MAX_ENDPOINT_LENGTH = 2048
#: RFC 8030 TTL bounds we use: at least a minute, at most four weeks.
MIN_TTL_S = 60
MAX_TTL_S = 28 * 24 * 3600
#: A chunk's TTL header is recomputed from the clock at most this often.
TTL_REFRESH_S = 1.0
#: RFC 8291 allows 4096 bytes of ciphertext; keep the clear text well below.
MAX_PAYLOAD_BYTES = 3000
#: Requests in flight at once per channel instance.
PUSH_CONCURRENCY = 64
#: Recipients a sender encrypts back to back before pushing them. Bursts keep the curve arithmetic hot in
#: the CPU caches and let answers gather meanwhile: about a fifth less CPU per push (`bosai bench fanout`).
ENCRYPT_BURST = 16
CONTENT_ENCODING = "aes128gcm"


class EncryptedPush(NamedTuple):
    """One recipient's push message, encrypted and ready to send to its push-service origin."""

    recipient: Recipient
    origin: str
    body: bytes


class EndpointRejected(ValueError):
    """A push endpoint that is not on the allow-list of push services (or not a URL we may call)."""


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


def encrypt(payload: bytes, keys: Mapping[str, Any], endpoint: str = "") -> bytes:
    """RFC 8291 aes128gcm body for a subscription's p256dh/auth keys (pywebpush; a new ephemeral key each time)."""
    body: bytes = WebPusher({"endpoint": endpoint, "keys": keys}).encode(payload, CONTENT_ENCODING)["body"]
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
            "Content-Encoding": CONTENT_ENCODING,
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


class WebPushChannel:
    """Sends alerts to browser push subscriptions; 404/410 mark the subscription gone."""

    name = "webpush"

    def __init__(
        self,
        client: aiohttp.ClientSession,
        signer: VapidSigner,
        allowlist: Sequence[str],
        *,
        policy: RetryPolicy = WEBPUSH_RETRY,
        concurrency: int = PUSH_CONCURRENCY,
        clock: Any = lambda: datetime.now(UTC),
    ) -> None:
        self.client, self.signer, self.allowlist = client, signer, tuple(allowlist)
        self.policy, self.clock, self.concurrency = policy, clock, concurrency
        self._slots = asyncio.Semaphore(concurrency)

    async def _post(self, endpoint: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        """POST an encoded push on the shared session; redirects are never followed (the allow-list holds)."""
        try:
            async with self.client.post(endpoint, data=body, headers=headers, allow_redirects=False) as response:
                text = await response.text(errors="replace") if response.status >= 400 else ""
                status, retry_after = response.status, response.headers.get("retry-after")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise TransientError(f"network: {type(exc).__name__}: {exc}") from exc
        if status == 429 or status >= 500:
            raise TransientError(f"HTTP {status}", retry_after_s(retry_after))
        return status, text

    def _prepare(
        self, alert: AlertMessage, recipient: Recipient, payloads: dict[tuple[str, ...], bytes] | None
    ) -> EncryptedPush | Outcome:
        """The encrypted push for a recipient, or its 'failed' outcome when the endpoint or keys are unusable."""
        try:
            origin = endpoint_origin(recipient.address, self.allowlist)
            payload = self._payload(alert, recipient.languages, payloads)
            body = encrypt(payload, recipient.keys, recipient.address)
        except (EndpointRejected, WebPushException, KeyError, ValueError) as exc:
            return Outcome(recipient.delivery_id, recipient.subscription_id, "failed", 0, f"rejected: {exc}")
        return EncryptedPush(recipient, origin, body)

    async def _push(self, prepared: EncryptedPush, headers: ChunkHeaders) -> Outcome:
        """POST one encrypted push once a request slot is free; retry 429/5xx/network errors per the policy."""
        recipient, endpoint, body = prepared.recipient, prepared.recipient.address, prepared.body
        ids = (recipient.delivery_id, recipient.subscription_id)
        async with self._slots:
            request_headers = headers.for_request(self.signer.authorization_for(prepared.origin))
            try:  # the first try without tenacity's bookkeeping: the common case
                status, text = await self._post(endpoint, body, request_headers)
                attempts = 1
            except TransientError as exc:
                first: TransientError | None = exc
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
        self, endpoint: str, body: bytes, headers: dict[str, str], first: TransientError
    ) -> tuple[int, int, str]:
        """Retries after a first 429/5xx/network error: (attempts, status or -1 when given up, text)."""
        attempts = 1
        if self.policy.attempts <= 1:
            return attempts, -1, str(first)
        await asyncio.sleep(backoff(self.policy, 1, first))
        try:
            async for attempt in retrying(self.policy, already_tried=1):
                with attempt:
                    attempts += 1
                    async with self._slots:
                        status, text = await self._post(endpoint, body, headers)
        except TransientError as exc:
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


def http_client(*, concurrency: int = PUSH_CONCURRENCY, timeouts: Timeouts = WEBPUSH_TIMEOUTS) -> aiohttp.ClientSession:
    """An HTTP client sized for a push fan-out (aiohttp: many times httpx's request rate on this machine)."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=concurrency),
        timeout=aiohttp.ClientTimeout(total=None, connect=timeouts.connect_s, sock_read=timeouts.read_s),
        cookie_jar=aiohttp.DummyCookieJar(),  # no cookie from one push service ever rides along to the next request
        auto_decompress=False,  # answers are read only for errors, as text
        skip_auto_headers=("User-Agent",),  # the VAPID subject identifies the sender (RFC 8292)
    )
