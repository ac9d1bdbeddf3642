"""The languages of Bosai Hub (defined once), Accept-Language negotiation, and the compiled gettext catalogues."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from gettext import c2py
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo
from babel.support import NullTranslations, Translations

#: The catalogue tree: <locale>/LC_MESSAGES/<domain>.po (committed) and .mo (compiled by `bosai i18n build`).
LOCALES_DIR = Path(__file__).resolve().parent / "locales"


class Language(StrEnum):
    """A language residents can read Bosai Hub in; the value is the code used in URLs, JSON and the database."""

    JA = "ja"
    JA_EASY = "ja-easy"
    EN = "en"
    ZH_HANS = "zh-Hans"
    KO = "ko"

    @property
    def facts(self) -> LanguageFacts:
        """Tags and names of the language."""
        return _FACTS[self]

    @property
    def html_tag(self) -> str:
        """BCP 47 tag for HTML lang and Content-Language."""
        return self.facts.html_tag

    @property
    def cap_tag(self) -> str:
        """RFC 3066 tag of a CAP <info> block."""
        return self.facts.cap_tag

    @property
    def native_name(self) -> str:
        """The language's name in itself."""
        return self.facts.native_name

    @property
    def fallback(self) -> Language | None:
        """The language shown when a message is missing in this one (None for the base language)."""
        return None if self is Language.JA else Language.JA

    @property
    def locale(self) -> Locale:
        """The Babel locale for plural rules, dates and numbers."""
        return Locale.parse(self.facts.locale_id)


@dataclass(frozen=True)
class LanguageFacts:
    """What each consumer needs to know about one language."""

    html_tag: str
    cap_tag: str
    native_name: str
    #: The name as its own readers can read it (signage, LINE): やさしい日本語 in kana.
    reader_name: str
    #: Speech-synthesis voice.
    voice: str
    #: gettext locale of the catalogue directory (a modifier marks やさしい日本語).
    locale_id: str


_FACTS: dict[Language, LanguageFacts] = {
    Language.JA: LanguageFacts("ja", "ja-JP", "日本語", "日本語", "ja-JP", "ja"),
    Language.JA_EASY: LanguageFacts("ja", "ja-JP-x-easy", "やさしい日本語", "やさしいにほんご", "ja-JP", "ja@easy"),
    Language.EN: LanguageFacts("en", "en", "English", "English", "en-US", "en"),
    Language.ZH_HANS: LanguageFacts("zh-Hans", "zh-Hans", "简体中文", "简体中文", "zh-CN", "zh_Hans"),
    Language.KO: LanguageFacts("ko", "ko", "한국어", "한국어", "ko-KR", "ko"),
}
#: Every language, in the order they are offered.
LANGUAGES: tuple[Language, ...] = tuple(Language)
DEFAULT = Language.JA
#: Staff read Japanese or English.
STAFF_LANGUAGES: tuple[Language, ...] = (Language.JA, Language.EN)
#: Catalogue domains: one per consumer.
DOMAINS = ("maps", "console", "alerts")
#: Primary language subtags a browser may ask for → our language (every Chinese variant reads 简体中文).
_NEGOTIABLE = {"ja": Language.JA, "en": Language.EN, "zh": Language.ZH_HANS, "ko": Language.KO}


class CatalogueNotBuilt(RuntimeError):
    """A compiled catalogue is missing or older than its .po file."""


def parse_language(code: str | None) -> Language | None:
    """The language with this code, or None."""
    try:
        return Language(code) if code else None
    except ValueError:
        return None


def preferred_tags(accept_language: str | None) -> list[str]:
    """The tags of an Accept-Language header, most preferred first (q=0 and malformed weights left out)."""
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag.strip() and quality > 0:
            weighted.append((-quality, index, tag.strip()))
    return [tag for _, _, tag in sorted(weighted)]


def negotiate(
    accept_language: str | None, requested: str | None = None, available: Sequence[Language] = LANGUAGES
) -> Language:
    """An explicitly requested language first, then the browser's preference (Babel's negotiation), else ja."""
    chosen = parse_language(requested)
    if chosen is not None and chosen in available:
        return chosen
    offered = {tag: lang for tag, lang in _NEGOTIABLE.items() if lang in available}
    match = Locale.negotiate(preferred_tags(accept_language), list(offered), sep="-")
    return offered[match.language] if match is not None else DEFAULT


def po_path(domain: str, language: Language) -> Path:
    """The translated catalogue of a domain in a language."""
    return LOCALES_DIR / language.facts.locale_id / "LC_MESSAGES" / f"{domain}.po"


def pot_path(domain: str) -> Path:
    """The template (every msgid) of a domain."""
    return LOCALES_DIR / f"{domain}.pot"


def mo_path(domain: str, language: Language, directory: Path = LOCALES_DIR) -> Path:
    """The compiled catalogue of a domain in a language."""
    return directory / language.facts.locale_id / "LC_MESSAGES" / f"{domain}.mo"


def _checked_mo(domain: str, language: Language, directory: Path) -> Path:
    mo = mo_path(domain, language, directory)
    po = mo.with_suffix(".po")
    if not mo.exists() or (po.exists() and po.stat().st_mtime > mo.stat().st_mtime):
        raise CatalogueNotBuilt(f"{mo} is missing or older than its .po: run `make i18n-build` (bosai i18n build)")
    return mo


@lru_cache(maxsize=64)
def compiled(domain: str, language: Language, directory: Path = LOCALES_DIR) -> Catalog:
    """The compiled catalogue of a domain in a language, read once."""
    with _checked_mo(domain, language, directory).open("rb") as handle:
        return read_mo(handle)


@lru_cache(maxsize=64)
def translations(domain: str, language: Language, directory: Path = LOCALES_DIR) -> NullTranslations:
    """gettext/ngettext/pgettext of a domain in a language; a missing message falls back along `fallback`."""
    with _checked_mo(domain, language, directory).open("rb") as handle:
        found = Translations(handle, domain=domain)
    if language.fallback is not None:
        found.add_fallback(translations(domain, language.fallback, directory))
    return found


def browser_messages(domain: str, language: Language, directory: Path = LOCALES_DIR) -> dict[str, object]:
    """A compiled catalogue as the browsers load it: msgid → text, or for plurals {CLDR category: text}."""
    catalogue = compiled(domain, language, directory)
    out: dict[str, object] = {}
    for message in catalogue:
        if not message.id or not message.string:
            continue
        if isinstance(message.id, str) and isinstance(message.string, str):
            out[message.id] = message.string
        elif isinstance(message.id, tuple | list) and isinstance(message.string, tuple | list):
            out[str(message.id[0])] = _by_category(language, [str(s) for s in message.string], catalogue)
    return out


def _by_category(language: Language, forms: list[str], catalogue: Catalog) -> dict[str, str]:
    """Plural forms keyed by CLDR category (what Intl.PluralRules returns), from the catalogue's Plural-Forms."""
    index_of = c2py(catalogue.plural_expr)
    locale = language.locale
    out: dict[str, str] = {}
    for n in range(200):
        out.setdefault(locale.plural_form(n), forms[min(index_of(n), len(forms) - 1)])
    return out


def write_browser_json(domain: str, languages: Iterable[Language], directory: Path) -> list[Path]:
    """Write <code>.json for the browsers from the compiled catalogues; returns the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for language in languages:
        path = directory / f"{language.value}.json"
        body = json.dumps(browser_messages(domain, language), ensure_ascii=False, indent=0, sort_keys=True)
        path.write_text(body + "\n", encoding="utf-8")
        written.append(path)
    return written
