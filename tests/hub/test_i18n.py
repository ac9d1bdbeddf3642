"""One catalogue tree for map, console and alerts: extraction up to date, every message translated, JSON = .mo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from alerts.messages import EVENT_NAMES, STAFF_EVENTS, STAFF_TEMPLATES, TEMPLATES
from bosai.cli_i18n import browser_catalogues
from hub.i18n import (
    DOMAINS,
    LANGUAGES,
    STAFF_LANGUAGES,
    Language,
    browser_messages,
    mo_path,
    negotiate,
    po_path,
    pot_path,
    preferred_tags,
)

ROOT = Path(__file__).resolve().parents[2]
#: The languages each domain is translated into (the console is for staff).
DOMAIN_LANGUAGES = {"maps": LANGUAGES, "console": STAFF_LANGUAGES, "alerts": LANGUAGES}
#: Documented gaps: staff-only alert templates are written in ja and en; others show ja and report the fallback.
STAFF_ONLY = {text for name in STAFF_TEMPLATES for text in (TEMPLATES[name].title, TEMPLATES[name].body)} | {
    EVENT_NAMES[kind] for kind in STAFF_EVENTS
}

Key = tuple[str, str | None]


def _key(msgid: object, context: str | None) -> Key:
    """(singular msgid, context) of a message or of an extraction result."""
    if isinstance(msgid, str):
        return msgid, context
    assert isinstance(msgid, tuple | list), msgid
    return str(msgid[0]), context


def extracted(domain: str) -> set[Key]:
    """What `pybabel extract -F babel.cfg <domain>` finds now (the Makefile's `make i18n` does the same)."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle, "babel.cfg")  # type: ignore[no-untyped-call]
    found = extract_from_dir(ROOT / domain, method_map, options_map)
    return {_key(message, context) for _, _, message, _, context in found}


def read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def strings(catalogue: Catalog) -> dict[Key, tuple[str, ...]]:
    """Every translated message's forms."""
    out: dict[Key, tuple[str, ...]] = {}
    for m in catalogue:
        if m.id and m.string:
            out[_key(m.id, m.context)] = (m.string,) if isinstance(m.string, str) else tuple(m.string)
    return out


def keys(catalogue: Catalog) -> set[Key]:
    return {_key(m.id, m.context) for m in catalogue if m.id}


@pytest.mark.parametrize("domain", DOMAINS)
def test_extraction_is_up_to_date(domain: str) -> None:
    """Fails when someone adds, changes or removes a string without running `make i18n`."""
    now, committed = extracted(domain), keys(read(pot_path(domain)))
    assert sorted(now - committed, key=str) == [], f"new strings in {domain}: run `make i18n` and translate them"
    assert sorted(committed - now, key=str) == [], f"strings gone from {domain}: run `make i18n`"
    for language in DOMAIN_LANGUAGES[domain]:
        assert keys(read(po_path(domain, language))) == committed, f"{po_path(domain, language)}: run `make i18n`"


@pytest.mark.parametrize(("domain", "language"), [(d, lang) for d, langs in DOMAIN_LANGUAGES.items() for lang in langs])
def test_every_message_is_translated(domain: str, language: Language) -> None:
    catalogue = read(po_path(domain, language))
    assert [m.id for m in catalogue if m.id and m.fuzzy] == []
    missing = [
        m.id
        for m in catalogue
        if m.id
        and not (m.string if isinstance(m.string, str) else all(m.string or ()))
        and not (domain == "alerts" and language not in STAFF_LANGUAGES and m.id in STAFF_ONLY)
    ]
    assert missing == [], f"{domain}/{language}: untranslated {missing[:5]}"
    assert catalogue.num_plurals == (2 if language is Language.EN else 1)


def test_the_documented_gaps_are_only_staff_templates() -> None:
    for language in LANGUAGES:
        untranslated = {m.id for m in read(po_path("alerts", language)) if m.id and not m.string}
        assert untranslated == (set() if language in STAFF_LANGUAGES else STAFF_ONLY), language


@pytest.mark.parametrize("domain", DOMAINS)
def test_compiled_catalogues_match_their_po(domain: str) -> None:
    for language in DOMAIN_LANGUAGES[domain]:
        with mo_path(domain, language).open("rb") as handle:
            mo = read_mo(handle)
        po = read(po_path(domain, language))
        assert strings(mo) == strings(po), f"{mo_path(domain, language)} is stale: run `make i18n-build`"


def test_browser_json_is_the_compiled_catalogue() -> None:
    targets = browser_catalogues()
    assert {t.domain for t in targets} == {"maps", "console"}
    for target in targets:
        written = sorted(p.name for p in target.directory.glob("*.json"))
        assert written == sorted(f"{lang.value}.json" for lang in target.languages)
        for language in target.languages:
            on_disk = json.loads((target.directory / f"{language.value}.json").read_text("utf-8"))
            assert on_disk == browser_messages(target.domain, language), f"{target.domain}/{language}"


def test_browser_json_is_not_committed() -> None:
    ignored = (ROOT / ".gitignore").read_text("utf-8").splitlines()
    assert {"*.mo", "maps/static/i18n/", "console/static/i18n/"} <= set(ignored)


def test_language_tags() -> None:
    assert [lang.value for lang in LANGUAGES] == ["ja", "ja-easy", "en", "zh-Hans", "ko"]
    assert [lang.cap_tag for lang in LANGUAGES] == ["ja-JP", "ja-JP-x-easy", "en", "zh-Hans", "ko"]
    assert [lang.html_tag for lang in LANGUAGES] == ["ja", "ja", "en", "zh-Hans", "ko"]
    assert Language.JA_EASY.fallback is Language.JA and Language.JA.fallback is None
    assert Language.JA_EASY.locale.language == "ja" and str(Language.ZH_HANS.locale) == "zh_Hans"


def test_accept_language_order_and_weights() -> None:
    assert preferred_tags("fr;q=0.5, en-GB , ko;q=0.9, de;q=0") == ["en-GB", "ko", "fr"]
    assert negotiate("ko", available=STAFF_LANGUAGES) == "ja"
    assert negotiate(None, "zh-Hans", available=STAFF_LANGUAGES) == "ja"
