"""Alert messages in five languages from per-language templates; missing ones fall back to ja (pure)."""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from babel.dates import format_skeleton

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
LANGUAGES = ("ja", "ja-easy", "en", "zh-Hans", "ko")
BASE_LANGUAGE = "ja"
TOKYO = ZoneInfo("Asia/Tokyo")
DATE_SKELETON = "MMMd"
TIME_SKELETON = "Hm"
FIELDS = ("title", "body")


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


@lru_cache
def catalogue(language: str, directory: Path = TEMPLATES_DIR) -> dict[str, Any]:
    """The parsed template file of a language ({} when there is none)."""
    path = directory / f"{language}.yaml"
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise TemplateError(f"{path}: must be a mapping of template names")
    return data


def _terms(language: str, directory: Path = TEMPLATES_DIR) -> dict[str, Any]:
    terms = catalogue(language, directory).get("_terms") or {}
    base = catalogue(BASE_LANGUAGE, directory).get("_terms") or {}
    return {**base, **terms}


def _term(terms: Mapping[str, Any], group: str, key: Any) -> str:
    if key is None:
        return ""
    table = terms.get(group) or {}
    return str(table.get(key, table.get(str(key), key)))


def format_time(moment: datetime, language: str, directory: Path = TEMPLATES_DIR) -> str:
    """A local (Tokyo) month, day and time in the language's own form."""
    locale = str(_terms(language, directory).get("locale", "ja"))
    local = moment.astimezone(TOKYO)
    day = format_skeleton(DATE_SKELETON, local, locale=locale)
    return f"{day} {format_skeleton(TIME_SKELETON, local, locale=locale)}"


def values(params: MessageParams, language: str, directory: Path = TEMPLATES_DIR) -> dict[str, str]:
    """Every placeholder value in one language."""
    terms = _terms(language, directory)
    sep = str(terms.get("list_separator", "、"))
    shelters = sep.join(p.label(language) for p in params.shelters) or str(terms.get("none_open", ""))
    return {
        "level": "" if params.level is None else str(params.level),
        "level_name": _term(terms, "levels", params.level),
        "hazard_name": _term(terms, "hazards", params.hazard),
        "state_name": _term(terms, "states", params.state),
        "river": params.river,
        "station": params.station,
        "water_level": "" if params.water_level_m is None else f"{params.water_level_m:.2f}",
        "time": format_time(params.time, language, directory),
        "expires": format_time(params.expires, language, directory) if params.expires else "",
        "areas": sep.join(p.label(language) for p in params.areas),
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


def render_one(template: str, params: MessageParams, language: str, directory: Path = TEMPLATES_DIR) -> Message:
    """One language; KeyError when that language lacks the template or uses unknown placeholders."""
    entry = catalogue(language, directory).get(template)
    if not isinstance(entry, dict):
        raise KeyError(f"no template {template!r}")
    mapping = values(params, language, directory)
    title, body = (_fill(entry.get(name), mapping) for name in FIELDS)
    return Message(title=title, body=body, source_language=language)


def render(
    template: str,
    params: MessageParams,
    languages: Sequence[str] = LANGUAGES,
    *,
    title_prefix_key: str | None = None,
    directory: Path = TEMPLATES_DIR,
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
        if title_prefix_key:
            prefix = str(_terms(message.source_language, directory).get(title_prefix_key, ""))
            message = Message(prefix + message.title, message.body, message.source_language)
        result.messages[language] = message
    return result


def update_title(title: str, language: str) -> str:
    """The title marked as an update in the language (marked once, however often it is updated)."""
    prefix = str(_terms(language).get("update_prefix", ""))
    return title if title.startswith(prefix) else prefix + title


def pick_language(messages: Mapping[str, Any], preferred: Sequence[str]) -> str:
    """The first preferred language the alert has a message in, else ja."""
    for language in preferred:
        if language in messages:
            return language
    return BASE_LANGUAGE


def phrase(section: str, key: str, language: str, **fields: str) -> str:
    """A fixed phrase (e.g. of the LINE bot) in the language, falling back to ja; never empty."""
    for candidate in (language, BASE_LANGUAGE):
        text = (catalogue(candidate).get(section) or {}).get(key)
        if isinstance(text, str) and text.strip():
            try:
                return text.format_map(fields)
            except KeyError:
                continue
    raise TemplateError(f"no phrase {section}.{key} in {BASE_LANGUAGE}")
