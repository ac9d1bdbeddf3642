"""The map's translations: the `maps` gettext domain of hub/locales, furigana markup, the browser catalogues."""

from __future__ import annotations

import re
from pathlib import Path

from markupsafe import Markup, escape

from hub.i18n import LANGUAGES, Language, translations

DOMAIN = "maps"
#: Where `bosai i18n build` writes <code>.json for the browser (served at /map/i18n/<code>.json; not committed).
BROWSER_DIR = Path(__file__).resolve().parent / "static" / "i18n"
#: Furigana markup used in the catalogues (青空文庫 style): ｜漢字《かんじ》.
RUBY_RE = re.compile(r"｜([^｜《》]+)《([^《》]+)》")
PLACEHOLDER_RE = re.compile(r"\{([a-z_]+)\}")


def browser_catalogue(language: Language) -> Path:
    """The generated JSON catalogue of a language."""
    return BROWSER_DIR / f"{language.value}.json"


def browser_languages() -> list[dict[str, str]]:
    """The language list as the map's script needs it (code, HTML tag, voice)."""
    return [{"code": lang.value, "html": lang.html_tag, "voice": lang.facts.voice} for lang in LANGUAGES]


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


def _fill(text: str, values: dict[str, object]) -> str:
    return PLACEHOLDER_RE.sub(lambda m: str(values.get(m.group(1), m.group(0))), text)


class Translator:
    """gettext in one language of the map: t (plain text), th (HTML with furigana), tn (plural forms)."""

    def __init__(self, language: Language) -> None:
        self.language = language
        self.catalogue = translations(DOMAIN, language)

    def t(self, msgid: str, **values: object) -> str:
        """The plain translated text with {placeholders} filled in."""
        return _fill(plain(self.catalogue.gettext(msgid)), values)

    def th(self, msgid: str) -> Markup:
        """The translation as HTML (furigana as <ruby>)."""
        return ruby_html(self.catalogue.gettext(msgid))

    def tn(self, singular: str, plural: str, n: int, **values: object) -> str:
        """The plain text of the plural form for n, with {n} and other placeholders filled in."""
        return _fill(plain(self.catalogue.ngettext(singular, plural, n)), {"n": n, **values})
