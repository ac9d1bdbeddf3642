"""`POST /line/webhook`: LINE platform events, signature-checked, answered through the Messaging API."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request, Response
from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import ApiClient, MessagingApi, ReplyMessageRequest
from linebot.v3.messaging.exceptions import ApiException
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from alerts import line_bot
from alerts.channels.line import configuration
from hub.api.deps import SessionDep, SettingsDep
from hub.api.problems import ProblemError
from hub.settings import Settings

log = logging.getLogger(__name__)
router = APIRouter(tags=["line"])
MAX_WEBHOOK_BYTES = 1_000_000


@router.post("/line/webhook", summary="LINE webhook (X-Line-Signature checked)")
async def webhook(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """Verify the signature, apply follow/unfollow/menus/locations, reply; 400 on a bad signature."""
    secret = settings.line_channel_secret
    token = settings.line_channel_access_token
    if secret is None or token is None:
        raise ProblemError(503, "LINE is not configured on this hub")
    body = await request.body()
    if len(body) > MAX_WEBHOOK_BYTES:
        raise ProblemError(413, "webhook body too large")
    signature = request.headers.get("x-line-signature", "")
    try:
        events = WebhookParser(secret.get_secret_value()).parse(body.decode("utf-8"), signature)
    except InvalidSignatureError:
        raise ProblemError(400, "invalid X-Line-Signature", problem_type="urn:bosai:problem:line-signature") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProblemError(400, f"malformed webhook body: {exc}") from None
    await run_in_threadpool(_apply, session, events, settings)
    return Response(status_code=200)


def _apply(session: Session, events: list[Any], settings: Settings) -> None:
    replies = [r for event in events if (r := line_bot.handle(session, event, public_url=settings.public_url))]
    session.commit()
    if not replies or settings.line_channel_access_token is None:
        return
    token = settings.line_channel_access_token.get_secret_value()
    with ApiClient(configuration(settings.line_api_base_url, token)) as client:
        api = MessagingApi(client)
        for reply in replies:
            try:
                api.reply_message(ReplyMessageRequest(replyToken=reply.reply_token, messages=reply.messages))
            except ApiException as exc:  # a reply token is single-use and short-lived; the state change stands
                log.warning("LINE reply failed: HTTP %s", exc.status)
