"""LINE channel (Messaging API, line-bot-sdk v3): multicast in chunks of ≤ 500 user ids, retry keys."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Sequence

from linebot.v3.messaging import AsyncApiClient, AsyncMessagingApi, Configuration, MulticastRequest, TextMessage
from linebot.v3.messaging.exceptions import ApiException

from alerts.channels import AlertMessage, Outcome, Recipient, Report
from alerts.render import pick_language
from alerts.retry import LINE_RETRY, RetryPolicy, TransientError, retry_after_s, retrying

#: Messaging API limits: user ids per multicast, characters per text message.
MULTICAST_MAX_IDS = 500
TEXT_MAX_CHARS = 5000
#: Retry keys are UUIDs derived from the alert and the exact recipients, so a resend is recognised (409).
RETRY_KEY_NAMESPACE = uuid.UUID("6f0b5c7e-3a55-4d52-9d4f-1f3c2b8a7e10")


def configuration(base_url: str, access_token: str) -> Configuration:
    """SDK configuration for a Messaging API base URL (the real one, or a local fake in tests)."""
    return Configuration(host=base_url.rstrip("/"), access_token=access_token)


def message_text(title: str, body: str, url: str) -> str:
    """One LINE text message: title, body, link; cut to the API's limit."""
    text = f"{title}\n\n{body}\n\n{url}"
    return text if len(text) <= TEXT_MAX_CHARS else text[: TEXT_MAX_CHARS - len(url) - 3] + "…\n" + url


def retry_key(alert: AlertMessage, language: str, user_ids: Sequence[str]) -> str:
    """The same key for the same alert, language and recipients: LINE answers 409 to a repeat."""
    return str(uuid.uuid5(RETRY_KEY_NAMESPACE, json.dumps([alert.identifier, language, sorted(user_ids)])))


def _retry_after(exc: ApiException) -> float | None:
    headers = {str(k).lower(): str(v) for k, v in dict(exc.headers or {}).items()}
    return retry_after_s(headers.get("retry-after"))


class LineChannel:
    """Multicasts an alert to LINE followers, grouped by language."""

    name = "line"

    def __init__(self, api: AsyncMessagingApi, *, policy: RetryPolicy = LINE_RETRY) -> None:
        self.api, self.policy = api, policy

    async def _multicast(self, text: str, user_ids: list[str], key: str) -> tuple[str, int, str | None]:
        attempts = 0
        try:
            async for attempt in retrying(self.policy):
                with attempt:
                    attempts += 1
                    try:
                        await self.api.multicast(
                            MulticastRequest(to=user_ids, messages=[TextMessage(text=text)]),
                            x_line_retry_key=key,
                        )
                    except ApiException as exc:
                        if exc.status == 409:
                            return "sent", attempts, None  # accepted earlier under the same retry key
                        if exc.status == 429 or (exc.status or 0) >= 500:
                            raise TransientError(f"HTTP {exc.status}", _retry_after(exc)) from exc
                        return "failed", attempts, f"HTTP {exc.status}: {str(exc.body)[:200]}"
        except TransientError as exc:
            return "retry", attempts, str(exc)
        return "sent", attempts, None

    async def deliver(
        self, alert: AlertMessage, recipients: Sequence[Recipient], report: Report | None = None
    ) -> list[Outcome]:
        """One multicast per language and ≤ 500 recipients; every recipient shares its request's outcome."""
        groups: dict[str, list[Recipient]] = defaultdict(list)
        for recipient in recipients:
            groups[pick_language(alert.messages, recipient.languages)].append(recipient)
        outcomes: list[Outcome] = []
        for language, members in groups.items():
            _, title, body = alert.text_for([language])
            text = message_text(title, body, alert.url)
            for start in range(0, len(members), MULTICAST_MAX_IDS):
                part = members[start : start + MULTICAST_MAX_IDS]
                ids = [r.address for r in part]
                status, attempts, error = await self._multicast(text, ids, retry_key(alert, language, ids))
                for r in part:
                    outcome = Outcome(r.delivery_id, r.subscription_id, status, attempts, error)  # type: ignore[arg-type]
                    outcomes.append(outcome)
                    if report is not None:
                        report(outcome)
        return outcomes


def async_api(base_url: str, access_token: str) -> tuple[AsyncApiClient, AsyncMessagingApi]:
    """An SDK client (close it with `await client.close()`) and the Messaging API on it."""
    client = AsyncApiClient(configuration(base_url, access_token))
    return client, AsyncMessagingApi(client)
