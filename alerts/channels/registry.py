"""Build the delivery channels a worker uses from the settings (unconfigured ones wait, never drop)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from alerts.channels import AlertMessage, Channel, Outcome, Recipient, Report
from alerts.channels.line import LineChannel, async_api
from alerts.channels.vapid import VapidSigner
from alerts.channels.webpush import WebPushChannel, http_client
from hub.settings import Settings


class UnconfiguredChannel:
    """A channel whose keys are missing: its deliveries stay pending (retried) until it is configured."""

    def __init__(self, name: str, reason: str) -> None:
        self.name, self.reason = name, reason

    async def deliver(
        self, alert: AlertMessage, recipients: Sequence[Recipient], report: Report | None = None
    ) -> list[Outcome]:
        """Report every recipient as to be retried, with the reason."""
        outcomes = [Outcome(r.delivery_id, r.subscription_id, "retry", 0, self.reason) for r in recipients]
        for outcome in outcomes:
            if report is not None:
                report(outcome)
        return outcomes


@asynccontextmanager
async def build_channels(settings: Settings) -> AsyncIterator[dict[str, Channel]]:
    """Web Push and LINE channels for the settings, with their HTTP clients closed on exit."""
    channels: dict[str, Channel] = {}
    async with http_client() as client:
        key_file = settings.vapid_private_key_file
        if key_file is not None and key_file.exists():
            signer = VapidSigner(key_file, settings.vapid_subject)
            channels["webpush"] = WebPushChannel(client, signer, settings.push_host_allowlist)
        else:
            channels["webpush"] = UnconfiguredChannel(
                "webpush", "no VAPID key: set BOSAI_VAPID_PRIVATE_KEY_FILE (create one with `bosai keys vapid`)"
            )
        token = settings.line_channel_access_token
        line_client = None
        if token is not None:
            line_client, api = async_api(settings.line_api_base_url, token.get_secret_value())
            channels["line"] = LineChannel(api)
        else:
            channels["line"] = UnconfiguredChannel("line", "no LINE token: set BOSAI_LINE_CHANNEL_ACCESS_TOKEN")
        try:
            yield channels
        finally:
            if line_client is not None:
                await line_client.close()
