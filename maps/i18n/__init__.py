"""The map's gettext catalogues (ja, やさしい日本語, en, zh-Hans, ko): loading, negotiation, ruby markup."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from markupsafe import Markup, escape

I18N_DIR = Path(__file__).resolve().parent
DOMAIN = "maps"
#: Supported languages: code, BCP 47 tag for the HTML lang attribute, own name, speech-synthesis voice.
LANGUAGES: tuple[tuple[str, str, str, str], ...] = (
    ("ja", "ja", "日本語", "ja-JP"),
    ("ja-easy", "ja", "やさしい日本語", "ja-JP"),
    ("en", "en", "English", "en-US"),
    ("zh-Hans", "zh-Hans", "简体中文", "zh-CN"),
    ("ko", "ko", "한국어", "ko-KR"),
)
CODES = tuple(code for code, *_ in LANGUAGES)
DEFAULT = "ja"
#: Furigana markup used in the catalogues (青空文庫 style): ｜漢字《かんじ》.
RUBY_RE = re.compile(r"｜([^｜《》]+)《([^《》]+)》")
PLACEHOLDER_RE = re.compile(r"\{([a-z_]+)\}")
#: Primary subtags of Accept-Language mapped to our codes (all Chinese variants read 简体中文).
PRIMARY = {"ja": "ja", "en": "en", "zh": "zh-Hans", "ko": "ko"}


@dataclass(frozen=True)
class Language:
    """One supported language."""

    code: str
    html_lang: str
    name: str
    voice: str


def language(code: str) -> Language:
    """The supported language with this code (KeyError otherwise)."""
    for item in LANGUAGES:
        if item[0] == code:
            return Language(*item)
    raise KeyError(code)


def po_path(code: str) -> Path:
    """Where the catalogue of a language lives."""
    return I18N_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalogue(code: str) -> Catalog:
    """The parsed .po catalogue of a language."""
    with po_path(code).open("rb") as handle:
        return read_po(handle, locale=None, domain=DOMAIN)


@lru_cache(maxsize=len(CODES))
def messages(code: str) -> dict[str, str]:
    """msgid → translation of a language (untranslated and fuzzy entries left out), compiled once."""
    if code not in CODES:
        raise KeyError(code)
    catalogue = read_catalogue(code)
    return {
        str(m.id): str(m.string)
        for m in catalogue
        if m.id and isinstance(m.id, str) and isinstance(m.string, str) and m.string and not m.fuzzy
    }


def negotiate(accept_language: str | None, requested: str | None = None) -> str:
    """The language to show: an explicit supported code first, then the browser's preference order."""
    if requested in CODES:
        return str(requested)
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag:
            weighted.append((-quality, index, tag.strip()))
    for negative_quality, _, tag in sorted(weighted):
        primary = tag.split("-")[0].lower()
        if negative_quality < 0 and primary in PRIMARY:
            return PRIMARY[primary]
    return DEFAULT


def plain(text: str, *, reading: bool = False) -> str:
    """Text with the furigana markup removed (keeping the base, or the reading for speech)."""
    return RUBY_RE.sub(lambda m: m.group(2) if reading else m.group(1), text)


def ruby_html(text: str) -> Markup:
    """HTML of a translation: escaped, with furigana markup turned into <ruby> elements."""
    parts: list[str] = []
    last = 0
    for match in RUBY_RE.finditer(text):
        parts.append(str(escape(text[last : match.start()])))
        parts.append(f"<ruby>{escape(match.group(1))}<rt>{escape(match.group(2))}</rt></ruby>")
        last = match.end()
    parts.append(str(escape(text[last:])))
    return Markup("".join(parts))


class Translator:
    """gettext-style lookup in one language, falling back to the msgid (the English source text)."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.catalogue = messages(code)

    def text(self, msgid: str, **values: object) -> str:
        """The plain translated text with {placeholders} filled in."""
        found = plain(self.catalogue.get(msgid, msgid))
        return PLACEHOLDER_RE.sub(lambda m: str(values.get(m.group(1), m.group(0))), found)

    def html(self, msgid: str) -> Markup:
        """The translation as HTML (furigana as <ruby>)."""
        return ruby_html(self.catalogue.get(msgid, msgid))
