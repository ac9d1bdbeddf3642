"""The LINE official account's conversation: follow/unfollow, language and area menus, nearest shelters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from linebot.v3.messaging import (
    LocationAction,
    Message,
    PostbackAction,
    QuickReply,
    QuickReplyItem,
    TextMessage,
)
from linebot.v3.webhooks import (
    Event,
    FollowEvent,
    LocationMessageContent,
    MessageEvent,
    PostbackEvent,
    TextMessageContent,
    UnfollowEvent,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts import queries as queries_alerts
from alerts.drafting import geometry_value
from alerts.models import Subscription
from alerts.render import phrase
from hub.areas.models import Area
from hub.i18n import LANGUAGES

MAX_AREAS = 3
NEAREST_SHELTERS = 3
LANGUAGE_WORDS = {"言語", "ことば", "language", "语言", "언어", "lang"}
AREA_WORDS = {"地域", "ちいき", "area", "地区", "지역"}


@dataclass(frozen=True)
class Reply:
    """Messages to answer one event with its reply token."""

    reply_token: str
    messages: list[Message]


def shelter_map_url(public_url: str, shelter_id: int) -> str:
    """The public map centred on a shelter."""
    return f"{public_url.rstrip('/')}/map?shelter={shelter_id}"


def _subscription(session: Session, user_id: str, *, create: bool) -> Subscription | None:
    sub = session.scalars(
        select(Subscription).where(Subscription.channel == "line", Subscription.address == user_id)
    ).first()
    if sub is None and create:
        sub = Subscription(channel="line", address=user_id, languages=["ja"], hazards=[], area_codes=[])
        session.add(sub)
        session.flush()
    return sub


def _language(sub: Subscription | None) -> str:
    return sub.languages[0] if sub is not None and sub.languages else "ja"


def language_menu(language: str) -> TextMessage:
    """A quick-reply menu of the five languages."""
    items = [
        QuickReplyItem(action=PostbackAction(label=label, data=f"lang={code}", displayText=label))
        for code, label in ((lang.value, lang.facts.reader_name) for lang in LANGUAGES)
    ]
    return TextMessage(text=phrase("_line", "choose_language", language), quickReply=QuickReply(items=items))


def area_menu(session: Session, language: str) -> TextMessage:
    """A quick-reply menu of the wards (toggle) and a location button."""
    wards = session.scalars(select(Area).where(Area.kind == "ward").order_by(Area.code)).all()
    items = [
        QuickReplyItem(
            action=PostbackAction(
                label=(w.name_en if language == "en" and w.name_en else w.name)[:20], data=f"area={w.code}"
            )
        )
        for w in wards[:12]
    ]
    items.append(QuickReplyItem(action=LocationAction(label=phrase("_line", "send_location", language)[:20])))
    return TextMessage(text=phrase("_line", "choose_area", language), quickReply=QuickReply(items=items))


def _set_areas(session: Session, sub: Subscription, codes: Sequence[str]) -> None:
    sub.area_codes = list(codes)
    sub.geom = geometry_value(queries_alerts.places_geometry(session, area_codes=codes, points=[]) if codes else None)


def _postback(session: Session, sub: Subscription, data: str) -> list[Message]:
    key, _, value = data.partition("=")
    if key == "lang" and value in LANGUAGES:
        sub.languages = [value]
        return [TextMessage(text=phrase("_line", "language_set", value))]
    language = _language(sub)
    if key == "area" and queries_alerts.known_area_codes(session, area_codes=[value]):
        codes = list(sub.area_codes)
        if value in codes:
            codes.remove(value)
        elif len(codes) >= MAX_AREAS:
            return [TextMessage(text=phrase("_line", "area_full", language))]
        else:
            codes.append(value)
        _set_areas(session, sub, codes)
        names = "、".join(queries_alerts.known_area_names(session, area_codes=codes)) or "—"
        return [TextMessage(text=phrase("_line", "area_set", language, areas=names))]
    return [TextMessage(text=phrase("_line", "help", language))]


def nearest_shelters_text(session: Session, *, lon: float, lat: float, language: str, public_url: str) -> str:
    """The 3 nearest open shelters suitable for the hazard of the alerts here, each with a map link."""
    alert_ids = queries_alerts.point_in_alert_areas(session, lon=lon, lat=lat, area_codes=[])
    hazard = None
    if alert_ids:
        from alerts.models import Alert

        current = session.get(Alert, alert_ids[0])
        hazard = current.hazard if current is not None else None
    shelters = queries_alerts.open_shelters_near(session, lon=lon, lat=lat, hazard=hazard, limit=NEAREST_SHELTERS)
    if not shelters:
        return phrase("_line", "no_shelters", language)
    lines = [phrase("_line", "shelters", language)]
    for s in shelters:
        name = s.name_en if language == "en" and s.name_en else s.name
        lines.append(f"・{name}（{s.distance_m:.0f} m）\n{shelter_map_url(public_url, s.id)}")
    return "\n".join(lines)


def handle(session: Session, event: Event, *, public_url: str) -> Reply | None:
    """Apply one webhook event to the subscriptions and say what to reply."""
    source = getattr(event, "source", None)
    user_id = getattr(source, "user_id", None)
    token = getattr(event, "reply_token", None)
    if not user_id:
        return None
    if isinstance(event, UnfollowEvent):
        sub = _subscription(session, user_id, create=False)
        if sub is not None:
            sub.active = False
        return None
    sub = _subscription(session, user_id, create=True)
    assert sub is not None
    if isinstance(event, FollowEvent):
        sub.active = True
        messages: list[Message] = [
            TextMessage(text=phrase("_line", "welcome", _language(sub))),
            language_menu(_language(sub)),
        ]
    elif isinstance(event, PostbackEvent):
        messages = _postback(session, sub, event.postback.data)
    elif isinstance(event, MessageEvent) and isinstance(event.message, LocationMessageContent):
        text = nearest_shelters_text(
            session,
            lon=event.message.longitude,
            lat=event.message.latitude,
            language=_language(sub),
            public_url=public_url,
        )
        messages = [TextMessage(text=text)]
    elif isinstance(event, MessageEvent) and isinstance(event.message, TextMessageContent):
        word = event.message.text.strip().lower()
        if word in LANGUAGE_WORDS:
            messages = [language_menu(_language(sub))]
        elif word in AREA_WORDS:
            messages = [area_menu(session, _language(sub))]
        else:
            messages = [TextMessage(text=phrase("_line", "help", _language(sub)))]
    else:
        return None
    return Reply(token, messages) if token else None
