"""LINE: multicast chunks ≤ 500 with retry keys against the fake API; the signed webhook and its menus."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alerts.channels import AlertMessage, Recipient
from alerts.channels.line import LineChannel, async_api
from alerts.models import Subscription
from alerts.retry import RetryPolicy
from hub.shelters.models import Shelter
from tests.alerts.conftest import LINE_SECRET, LINE_TOKEN
from tests.fakes.line_api import FakeLineState

FAST = RetryPolicy(attempts=3, base_s=0.01, max_wait_s=1.0)


def alert() -> AlertMessage:
    identifier = str(uuid.uuid4())
    return AlertMessage(
        id=7,
        identifier=identifier,
        root_identifier=identifier,
        msg_type="Alert",
        level=4,
        hazard="flood",
        urgency="Immediate",
        scope="Public",
        expires_at=datetime.now(UTC) + timedelta(hours=1),
        url="http://hub.example.org/alerts/7",
        messages={"ja": {"title": "避難指示", "body": "避難してください"}, "en": {"title": "Evacuate", "body": "Now"}},
    )


def people(n: int, languages: tuple[str, ...] = ("ja",), start: int = 0) -> list[Recipient]:
    return [Recipient(start + i, start + i, "U" + uuid.uuid4().hex, {}, languages) for i in range(n)]


async def send(url: str, message: AlertMessage, recipients: list[Recipient]) -> list[Any]:
    client, api = async_api(url, LINE_TOKEN)
    try:
        return await LineChannel(api, policy=FAST).deliver(message, recipients)
    finally:
        await client.close()


def test_multicast_in_chunks_of_500_per_language(fake_line: tuple[FakeLineState, str]) -> None:
    state, url = fake_line
    recipients = people(1203) + people(3, ("en",), start=5000)
    message = alert()
    before = len(state.multicasts)
    outcomes = asyncio.run(send(url, message, recipients))
    assert [o.status for o in outcomes] == ["sent"] * len(recipients)
    new = state.multicasts[before:]
    assert sorted(len(m["to"]) for m in new) == [3, 203, 500, 500]
    assert all(len(m["to"]) <= 500 and uuid.UUID(m["key"]) for m in new)
    english = next(m for m in new if len(m["to"]) == 3)
    assert english["messages"][0]["text"].startswith("Evacuate\n\nNow")
    # the same chunk sent again (a retried job) is recognised by its retry key: 409, counted as sent
    again = asyncio.run(send(url, message, recipients[-3:]))
    assert [o.status for o in again] == ["sent"] * 3
    assert len(state.multicasts) == before + 4


def test_429_is_retried_honouring_retry_after(fake_line: tuple[FakeLineState, str]) -> None:
    state, url = fake_line
    state.throttle.extend([0.05, 0.05])
    [outcome] = asyncio.run(send(url, alert(), people(1)))
    assert (outcome.status, outcome.attempts) == ("sent", 3)
    state.throttle.extend([0.01] * 3)
    [outcome] = asyncio.run(send(url, alert(), people(1)))
    assert (outcome.status, outcome.error) == ("retry", "HTTP 429")
    state.throttle.clear()


def test_wrong_token_fails_without_retry(fake_line: tuple[FakeLineState, str]) -> None:
    _, url = fake_line

    async def run() -> list[Any]:
        client, api = async_api(url, "wrong-token")
        try:
            return await LineChannel(api, policy=FAST).deliver(alert(), people(1))
        finally:
            await client.close()

    [outcome] = asyncio.run(run())
    assert outcome.status == "failed" and "401" in (outcome.error or "")


def signed(body: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body).encode()
    signature = base64.b64encode(hmac.new(LINE_SECRET.encode(), raw, hashlib.sha256).digest()).decode()
    return raw, {"X-Line-Signature": signature, "Content-Type": "application/json"}


def event(kind: str, user: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": kind,
        "mode": "active",
        "timestamp": 1_700_000_000_000,
        "source": {"type": "user", "userId": user},
        "webhookEventId": uuid.uuid4().hex,
        "deliveryContext": {"isRedelivery": False},
        **extra,
    }


def post(client: TestClient, *events: dict[str, Any]) -> int:
    raw, headers = signed({"destination": "U" + "0" * 32, "events": list(events)})
    return client.post("/line/webhook", content=raw, headers=headers).status_code


def test_bad_signature_is_refused(client: TestClient) -> None:
    raw, headers = signed({"destination": "x", "events": []})
    headers["X-Line-Signature"] = base64.b64encode(b"0" * 32).decode()
    assert client.post("/line/webhook", content=raw, headers=headers).status_code == 400
    del headers["X-Line-Signature"]
    assert client.post("/line/webhook", content=raw, headers=headers).status_code == 400


def test_follow_menu_area_language_location_unfollow(
    client: TestClient, db: Session, fake_line: tuple[FakeLineState, str]
) -> None:
    state, _ = fake_line
    user = "U" + uuid.uuid4().hex
    assert post(client, event("follow", user, replyToken="r1", follow={"isUnblocked": False})) == 200
    sub = db.scalars(select(Subscription).where(Subscription.address == user)).one()
    assert (sub.channel, sub.active, sub.languages) == ("line", True, ["ja"])
    welcome = state.replies[-1]
    assert welcome["replyToken"] == "r1" and "防災ハブ" in welcome["messages"][0]["text"]
    assert len(welcome["messages"][1]["quickReply"]["items"]) == 5

    assert post(client, event("postback", user, replyToken="r2", postback={"data": "lang=en"})) == 200
    db.refresh(sub)
    assert sub.languages == ["en"] and state.replies[-1]["messages"][0]["text"] == "Language set"

    text = {"id": "1", "type": "text", "text": "area", "quoteToken": "q"}
    assert post(client, event("message", user, replyToken="r3", message=text)) == 200
    items = state.replies[-1]["messages"][0]["quickReply"]["items"]
    wards = {i["action"]["data"]: i["action"]["label"] for i in items if i["action"]["type"] == "postback"}
    assert set(wards) == {"area=13103", "area=13108", "area=13109", "area=13110"}
    assert items[-1]["action"]["type"] == "location"

    assert post(client, event("postback", user, replyToken="r4", postback={"data": "area=13109"})) == 200
    db.refresh(sub)
    assert sub.area_codes == ["13109"] and sub.geom is not None

    shelter = db.scalars(select(Shelter).where(Shelter.hazards.any_() == "flood").order_by(Shelter.id).limit(1)).one()
    shelter.status = "open"
    db.flush()
    point = db.execute(select(func.ST_Y(Shelter.location), func.ST_X(Shelter.location)).where(Shelter.id == shelter.id))
    lat, lon = (float(v) for v in cast(Any, point.one()))
    location = {"id": "2", "type": "location", "latitude": lat + 0.0005, "longitude": lon, "address": "x"}
    assert post(client, event("message", user, replyToken="r5", message=location)) == 200
    answer = state.replies[-1]["messages"][0]["text"]
    assert answer.startswith("Nearest open shelters:")
    assert (shelter.name_en or shelter.name) in answer and f"/map?shelter={shelter.id}" in answer
    assert answer.count("http://hub.example.org/map?shelter=") <= 3

    assert post(client, event("unfollow", user)) == 200
    db.refresh(sub)
    assert sub.active is False
