"""Alert messages in five languages from the `alerts` gettext catalogues; missing ones fall back to ja (pure)."""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton

from alerts.messages import (
    EVENT_NAMES,
    HAZARDS,
    LEVELS,
    LIST_SEPARATOR,
    NONE_OPEN,
    PHRASES,
    STATES,
    TEMPLATES,
    UPDATE_PREFIX,
)
from hub.i18n import LANGUAGES as LANGUAGES  # re-exported: alerts.channels.signage reads it here
from hub.i18n import LOCALES_DIR, Language, compiled, translations

DOMAIN = "alerts"
BASE_LANGUAGE = Language.JA
TOKYO = ZoneInfo("Asia/Tokyo")
DATE_SKELETON = "MMMd"
TIME_SKELETON = "Hm"


class TemplateError(ValueError):
    """A template cannot be rendered even in the base language."""


@dataclass(frozen=True)
class Place:
    """A shelter or area name in Japanese and, when known, English."""

    name: str
    name_en: str | None = None

    def label(self, language: str) -> str:
        """The name to show in the language (English where known, else Japanese)."""
        return self.name_en if language == "en" and self.name_en else self.name


@dataclass(frozen=True)
class MessageParams:
    """Language-neutral facts a template fills in."""

    time: datetime
    level: int | None = None
    hazard: str | None = None
    river: str = ""
    station: str = ""
    state: str | None = None
    water_level_m: float | None = None
    expires: datetime | None = None
    areas: Sequence[Place] = ()
    shelters: Sequence[Place] = ()
    original_title: str = ""


@dataclass(frozen=True)
class Message:
    """A rendered title and body, with the language it was actually written in."""

    title: str
    body: str
    source_language: str


@dataclass
class Rendered:
    """Messages per language and which languages fell back to ja (reported, never empty)."""

    messages: dict[str, Message] = field(default_factory=dict)
    fallbacks: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """{lang: {title, body[, fallback]}} as stored in alerts.messages."""
        out: dict[str, Any] = {}
        for lang, msg in self.messages.items():
            entry: dict[str, str] = {"title": msg.title, "body": msg.body}
            if lang in self.fallbacks:
                entry["fallback"] = msg.source_language
                entry["reason"] = self.fallbacks[lang]
            out[lang] = entry
        return out


def _language(code: str) -> Language:
    try:
        return Language(code)
    except ValueError:
        raise KeyError(f"unknown language {code!r}") from None


def _text(msgid: str, language: Language, directory: Path, context: str | None = None) -> str:
    """gettext in the language, a missing message in its fallback (ja)."""
    found = translations(DOMAIN, language, directory)
    return str(found.pgettext(context, msgid) if context else found.gettext(msgid))


def _own(msgid: str, language: Language, directory: Path) -> str:
    """The translation in exactly this language; KeyError when it has none (no fallback)."""
    message = compiled(DOMAIN, language, directory).get(msgid)
    if message is None or not isinstance(message.string, str) or not message.string:
        raise KeyError("missing")
    return message.string


def _term(table: Mapping[Any, str], key: Any, language: Language, directory: Path) -> str:
    if key is None:
        return ""
    msgid = table.get(key, table.get(str(key)))
    return _text(msgid, language, directory) if msgid else str(key)


def format_time(moment: datetime, language: str, directory: Path = LOCALES_DIR) -> str:
    """A local (Tokyo) month, day and time in the language's own form."""
    locale = _language(language).locale
    local = moment.astimezone(TOKYO)
    day = format_skeleton(DATE_SKELETON, local, locale=locale)
    return f"{day} {format_skeleton(TIME_SKELETON, local, locale=locale)}"


def values(params: MessageParams, language: str, directory: Path = LOCALES_DIR) -> dict[str, str]:
    """Every placeholder value in one language."""
    lang = _language(language)
    context, separator = LIST_SEPARATOR
    sep = _text(separator, lang, directory, context)
    shelters = sep.join(p.label(lang) for p in params.shelters) or _text(NONE_OPEN, lang, directory)
    return {
        "level": "" if params.level is None else str(params.level),
        "level_name": _term(LEVELS, params.level, lang, directory),
        "hazard_name": _term(HAZARDS, params.hazard, lang, directory),
        "state_name": _term(STATES, params.state, lang, directory),
        "river": params.river,
        "station": params.station,
        "water_level": "" if params.water_level_m is None else f"{params.water_level_m:.2f}",
        "time": format_time(params.time, lang, directory),
        "expires": format_time(params.expires, lang, directory) if params.expires else "",
        "areas": sep.join(p.label(lang) for p in params.areas),
        "shelters": shelters,
        "original_title": params.original_title,
    }


def _fill(text: Any, mapping: Mapping[str, str]) -> str:
    if not isinstance(text, str) or not text.strip():
        raise KeyError("empty")
    names = {name for _, name, _, _ in string.Formatter().parse(text) if name}
    missing = names - set(mapping)
    if missing:
        raise KeyError(", ".join(sorted(missing)))
    return text.format_map(mapping).strip()


def render_one(template: str, params: MessageParams, language: str, directory: Path = LOCALES_DIR) -> Message:
    """One language; KeyError when that language lacks the template or uses unknown placeholders."""
    entry = TEMPLATES.get(template)
    lang = _language(language)
    try:
        if entry is None:
            raise KeyError("missing")
        texts = (_own(entry.title, lang, directory), _own(entry.body, lang, directory))
    except KeyError:
        raise KeyError(f"no template {template!r}") from None
    mapping = values(params, lang, directory)
    title, body = (_fill(text, mapping) for text in texts)
    return Message(title=title, body=body, source_language=lang.value)


def render(
    template: str,
    params: MessageParams,
    languages: Sequence[str] = LANGUAGES,
    *,
    directory: Path = LOCALES_DIR,
) -> Rendered:
    """Messages in every language; a missing translation falls back to ja and is listed in fallbacks."""
    result = Rendered()
    try:
        base = render_one(template, params, BASE_LANGUAGE, directory)
    except KeyError as exc:
        raise TemplateError(f"template {template!r} cannot be rendered in {BASE_LANGUAGE}: {exc}") from exc
    for language in languages:
        try:
            message = base if language == BASE_LANGUAGE else render_one(template, params, language, directory)
        except KeyError as exc:
            message = base
            result.fallbacks[language] = f"{language}: {exc.args[0] if exc.args else exc}"
        result.messages[language] = message
    return result


def update_title(title: str, language: str) -> str:
    """The title marked as an update in the language (marked once, however often it is updated)."""
    prefix = _text(UPDATE_PREFIX, _language(language), LOCALES_DIR)
    return title if title.startswith(prefix) else prefix + title


def event_name(kind: str, language: str) -> str:
    """The name of a kind of alert (CAP <event>) in the language, falling back to ja; the kind when unnamed."""
    msgid = EVENT_NAMES.get(kind)
    return _text(msgid, _language(language), LOCALES_DIR) if msgid else kind


def pick_language(messages: Mapping[str, Any], preferred: Sequence[str]) -> str:
    """The first preferred language the alert has a message in, else ja."""
    for language in preferred:
        if language in messages:
            return language
    return BASE_LANGUAGE


def phrase(section: str, key: str, language: str, **fields: str) -> str:
    """A fixed phrase (e.g. of the LINE bot) in the language, falling back to ja; never empty."""
    msgid = PHRASES.get(section, {}).get(key)
    if msgid is None:
        raise TemplateError(f"no phrase {section}.{key}")
    lang = Language(language) if language in LANGUAGES else BASE_LANGUAGE
    for candidate in (lang, BASE_LANGUAGE):
        text = _text(msgid, candidate, LOCALES_DIR)
        try:
            return text.format_map(fields)
        except KeyError:
            continue
    raise TemplateError(f"no phrase {section}.{key} in {BASE_LANGUAGE}")
