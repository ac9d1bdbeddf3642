"""Web Push channel against a local push service that verifies VAPID and decrypts like a browser."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
from aiohttp import ClientSession

from alerts.channels import AlertMessage, Outcome, Recipient
from alerts.channels.vapid import VapidSigner
from alerts.channels.webpush import (
    PUSH_CONCURRENCY,
    ChunkHeaders,
    EndpointRejected,
    WebPushChannel,
    burst_size,
    check_endpoint,
    http_client,
)
from alerts.retry import RetryPolicy
from hub.settings import Settings
from tests.fakes.push_service import FakePushState

NOW = datetime.now(UTC)
FAST = RetryPolicy(attempts=3, base_s=0.01, max_wait_s=1.0)


def alert(level: int = 4, scope: str = "Public") -> AlertMessage:
    identifier = str(uuid.uuid4())
    return AlertMessage(
        id=1,
        identifier=identifier,
        root_identifier=identifier,
        msg_type="Alert",
        level=level,
        hazard="flood",
        urgency="Immediate",
        scope=scope,
        expires_at=NOW + timedelta(hours=6),
        url="http://hub.example.org/alerts/1",
        messages={
            "ja": {"title": "【警戒レベル4相当】目黒川", "body": "避難してください"},
            "en": {"title": "[Level 4] Meguro river", "body": "Evacuate now"},
        },
    )


def recipient(state: FakePushState, name: str, languages: tuple[str, ...] = ("ja",), n: int = 1) -> Recipient:
    return Recipient(n, n, state.endpoint(name), state.keys(name).subscription_keys(), languages)


ChannelT = TypeVar("ChannelT", bound=WebPushChannel)


def make_channel(
    client: ClientSession, settings: Settings, kind: type[ChannelT], *, concurrency: int = PUSH_CONCURRENCY
) -> ChannelT:
    """A channel of the given class with the test settings' VAPID key and allow-list, fast retries."""
    assert settings.vapid_private_key_file is not None
    signer = VapidSigner(settings.vapid_private_key_file, settings.vapid_subject)
    return kind(client, signer, settings.push_host_allowlist, policy=FAST, concurrency=concurrency)


async def push(settings: Settings, message: AlertMessage, recipients: list[Recipient]) -> list[Outcome]:
    async with http_client() as client:
        return await make_channel(client, settings, WebPushChannel).deliver(message, recipients)


def test_payload_is_encrypted_signed_and_decrypted_by_the_browser_key(
    settings: Settings, fake_push: FakePushState
) -> None:
    name = f"s-{uuid.uuid4().hex[:8]}"
    message = alert()
    [outcome] = asyncio.run(push(settings, message, [recipient(fake_push, name, ("en", "ja"))]))
    assert outcome.status == "sent", outcome.error
    [got] = [r for r in fake_push.received if r.name == name]
    assert got.payload is not None
    assert got.payload["lang"] == "en" and got.payload["title"] == "[Level 4] Meguro river"
    assert got.payload["tag"] == message.root_identifier and got.payload["level"] == 4
    assert got.headers["urgency"] == "high"
    assert got.headers["topic"] == message.topic and len(message.topic) <= 32
    assert 6 * 3600 - 120 <= int(got.headers["ttl"]) <= 6 * 3600


def test_staff_notices_are_low_urgency(settings: Settings, fake_push: FakePushState) -> None:
    name = f"s-{uuid.uuid4().hex[:8]}"
    [outcome] = asyncio.run(push(settings, alert(level=2, scope="Restricted"), [recipient(fake_push, name)]))
    assert outcome.status == "sent"
    assert [r.headers["urgency"] for r in fake_push.received if r.name == name] == ["low"]


def test_gone_subscription_is_reported_gone(settings: Settings, fake_push: FakePushState) -> None:
    name = f"gone-{uuid.uuid4().hex[:8]}"
    fake_push.gone.add(name)
    [outcome] = asyncio.run(push(settings, alert(), [recipient(fake_push, name)]))
    assert (outcome.status, outcome.error) == ("gone", "HTTP 410")


def test_429_is_retried_after_retry_after(settings: Settings, fake_push: FakePushState) -> None:
    name = f"busy-{uuid.uuid4().hex[:8]}"
    fake_push.throttle[name] = [0.2, 0.1]
    [outcome] = asyncio.run(push(settings, alert(), [recipient(fake_push, name)]))
    assert (outcome.status, outcome.attempts) == ("sent", 3)
    assert len([r for r in fake_push.received if r.name == name]) == 1


def test_429_beyond_the_policy_is_left_for_a_later_retry(settings: Settings, fake_push: FakePushState) -> None:
    name = f"busy-{uuid.uuid4().hex[:8]}"
    fake_push.throttle[name] = [0.01] * 5
    [outcome] = asyncio.run(push(settings, alert(), [recipient(fake_push, name)]))
    assert (outcome.status, outcome.attempts) == ("retry", 3)
    assert outcome.error == "HTTP 429"


def test_endpoints_off_the_allow_list_are_never_called(settings: Settings, fake_push: FakePushState) -> None:
    bad = Recipient(9, 9, "http://169.254.169.254/latest/meta-data", fake_push.keys("x").subscription_keys())
    [outcome] = asyncio.run(push(settings, alert(), [bad]))
    assert outcome.status == "failed" and "allow-list" in (outcome.error or "")


@pytest.mark.parametrize(
    ("endpoint", "reason"),
    [
        ("https://evil.example.com/push/1", "allow-list"),
        ("http://fcm.googleapis.com/fcm/send/x", "https"),
        ("https://user:pw@fcm.googleapis.com/x", "credentials"),
        ("https://fcm.googleapis.com.evil.com/x", "allow-list"),
        ("https://10.0.0.1/x", "allow-list"),
    ],
)
def test_check_endpoint_rejects(endpoint: str, reason: str) -> None:
    allow = ["fcm.googleapis.com", "wns2-*.notify.windows.com", "127.0.0.1"]
    with pytest.raises(EndpointRejected, match=reason):
        check_endpoint(endpoint, allow)


def test_check_endpoint_accepts_allowed_hosts_and_wildcards() -> None:
    allow = ["fcm.googleapis.com", "wns2-*.notify.windows.com", "127.0.0.1"]
    assert check_endpoint("https://fcm.googleapis.com/fcm/send/abc", allow)
    assert check_endpoint("https://wns2-par02p.notify.windows.com/w/?token=x", allow)
    assert check_endpoint("http://127.0.0.1:8080/push/a", allow)


def test_vapid_header_is_reused_per_origin_until_near_expiry(settings: Settings) -> None:
    assert settings.vapid_private_key_file is not None
    clock = [1_000_000.0]
    signer = VapidSigner(settings.vapid_private_key_file, settings.vapid_subject, clock=lambda: clock[0])
    first = signer.authorization("https://fcm.googleapis.com/a")
    assert first.startswith("vapid t=") and ",k=" in first
    assert signer.authorization("https://fcm.googleapis.com/b") == first
    assert signer.authorization("https://updates.push.services.mozilla.com/c") != first
    clock[0] += 12 * 3600
    assert signer.authorization("https://fcm.googleapis.com/a") != first


def test_chunk_headers_recompute_ttl_once_a_second_and_keep_the_shared_ones() -> None:
    message = alert()
    wall = [NOW]
    tick = [0.0]
    headers = ChunkHeaders(message, lambda: wall[0], monotonic=lambda: tick[0])
    first = headers.for_request("vapid t=a,k=b")
    assert first == {
        "TTL": str(6 * 3600),
        "Urgency": "high",
        "Topic": message.topic,
        "Content-Encoding": "aes128gcm",
        "Content-Type": "application/octet-stream",
        "Authorization": "vapid t=a,k=b",
    }
    wall[0] = NOW + timedelta(minutes=10)
    tick[0] = 0.5  # within the second: the TTL computed at its start is kept
    assert headers.for_request("x")["TTL"] == str(6 * 3600)
    tick[0] = 1.0
    assert headers.for_request("x")["TTL"] == str(6 * 3600 - 600)


def test_a_chunk_larger_than_the_concurrency_reaches_everyone_once_in_order(
    settings: Settings, fake_push: FakePushState
) -> None:
    recipients = [recipient(fake_push, f"many{i}", n=i + 1) for i in range(150)]

    async def run() -> list[Outcome]:
        async with http_client() as client:
            return await make_channel(client, settings, WebPushChannel, concurrency=8).deliver(alert(), recipients)

    outcomes = asyncio.run(run())
    assert [o.delivery_id for o in outcomes] == list(range(1, 151))
    assert {o.status for o in outcomes} == {"sent"}
    names = [r.name for r in fake_push.received if r.name.startswith("many")]
    assert sorted(names) == sorted(f"many{i}" for i in range(150))


@pytest.mark.parametrize(
    ("recipients", "concurrency", "burst"),
    [(0, 64, 1), (10, 64, 1), (1000, 64, 16), (100_000, 64, 16), (40, 1, 16), (40, 8, 5)],
)
def test_burst_fills_the_request_slots_before_growing(recipients: int, concurrency: int, burst: int) -> None:
    assert burst_size(recipients, concurrency) == burst


class RecordingChannel(WebPushChannel):
    """The real channel, noting the order in which it encrypts and pushes."""

    events: list[str]

    def _prepare(self, *args: Any, **kwargs: Any) -> Any:
        self.events.append("encrypt")
        return super()._prepare(*args, **kwargs)

    async def _push(self, *args: Any, **kwargs: Any) -> Outcome:
        self.events.append("push")
        return await super()._push(*args, **kwargs)


def runs(events: list[str], kind: str) -> list[int]:
    """Lengths of the runs of one event kind, in order."""
    return [len(list(group)) for key, group in itertools.groupby(events) if key == kind]


def test_a_sender_pushes_its_first_recipient_at_once_then_encrypts_in_growing_bursts(
    settings: Settings, fake_push: FakePushState
) -> None:
    recipients = [recipient(fake_push, f"burst{i}", n=i + 1) for i in range(40)]
    recipients[5] = Recipient(6, 6, "https://evil.example.com/push/x", recipients[5].keys, ("ja",))

    async def run() -> tuple[list[Outcome], list[str]]:
        async with http_client() as client:
            channel = make_channel(client, settings, RecordingChannel, concurrency=1)
            channel.events = []
            return await channel.deliver(alert(), recipients), channel.events

    outcomes, events = asyncio.run(run())
    assert runs(events, "encrypt") == [1, 2, 4, 8, 16, 9]  # one sender: bursts double up to ENCRYPT_BURST
    assert events.count("push") == 39  # the endpoint off the allow-list is refused before any request
    assert [o.delivery_id for o in outcomes] == list(range(1, 41))
    assert [o.status for o in outcomes].count("sent") == 39
    assert outcomes[5].status == "failed" and "allow-list" in (outcomes[5].error or "")
    names = sorted(r.name for r in fake_push.received if r.name.startswith("burst"))
    assert names == sorted(f"burst{i}" for i in range(40) if i != 5)
