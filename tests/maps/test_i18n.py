"""The map's catalogues: every label translated in every language, placeholders kept, やさしい日本語 with furigana."""

from __future__ import annotations

import re

import pytest

from hub.i18n import LANGUAGES, Language, browser_messages, compiled, negotiate
from maps.i18n import DOMAIN, PLACEHOLDER_RE, RUBY_RE, Translator, plain, ruby_html

#: Kanji taught in the first school year; every other kanji in やさしい日本語 must carry furigana.
FIRST_GRADE_KANJI = set(
    "一右雨円王音下火花貝学気九休玉金空月犬見五口校左三山子四糸字耳七車手十出女小上森人水正生青夕石赤千川先早草足村"
    "大男竹中虫町天田土二日入年白八百文木本名目立力林六"
)
#: やさしい日本語 guidelines: short sentences (characters per sentence, furigana not counted).
EASY_SENTENCE_MAX = 60


def texts(language: Language) -> dict[str, str]:
    """msgid → every translated form (plural forms joined), as compiled."""
    out: dict[str, str] = {}
    for message in compiled(DOMAIN, language):
        if message.id and message.string:
            msgid = message.id if isinstance(message.id, str) else message.id[0]
            forms = [message.string] if isinstance(message.string, str) else list(message.string)
            out[str(msgid)] = "\n".join(str(f) for f in forms)
    return out


def test_the_catalogue_holds_template_js_and_python_strings() -> None:
    found = texts(Language.EN)
    assert {"Where do I go?", "Skip to the text list", "Read aloud", "River flood", "Less than 0.5 m"} <= set(found)
    assert len(found) > 150


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_are_kept(language: Language) -> None:
    for message in compiled(DOMAIN, language):
        if not message.id or not message.string:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        forms = [message.string] if isinstance(message.string, str) else list(message.string)
        wanted = set(PLACEHOLDER_RE.findall(str(ids[-1])))
        for form in forms:
            assert set(PLACEHOLDER_RE.findall(str(form))) == wanted, (language, ids[0], form)


def test_other_languages_really_differ_from_english() -> None:
    for language in (Language.JA, Language.JA_EASY, Language.ZH_HANS, Language.KO):
        same = [m for m, t in texts(language).items() if t == m and re.search("[a-z]{4}", m)]
        assert len(same) <= 2, (language, same)  # only brand names such as OpenStreetMap may stay


def test_easy_japanese_has_furigana_and_short_sentences() -> None:
    easy = texts(Language.JA_EASY)
    for msgid, text in easy.items():
        assert "｜" not in RUBY_RE.sub("", text) and "《" not in RUBY_RE.sub("", text), f"broken furigana in {text!r}"
        hard = [c for c in RUBY_RE.sub("", text) if "\u4e00" <= c <= "\u9fff" and c not in FIRST_GRADE_KANJI]
        assert hard == [], f"{msgid!r}: kanji without furigana {hard}"
        for sentence in re.split("[。？！\n]", plain(text)):
            assert len(sentence) <= EASY_SENTENCE_MAX, sentence
    assert easy["Where do I go?"] != texts(Language.JA)["Where do I go?"]


def test_ruby_markup_and_escaping() -> None:
    assert str(ruby_html("｜避難所《ひなんじょ》へ")) == "<ruby>避難所<rt>ひなんじょ</rt></ruby>へ"
    assert str(ruby_html("<b>｜x《<i>》")) == "&lt;b&gt;<ruby>x<rt>&lt;i&gt;</rt></ruby>"
    assert plain("｜避難所《ひなんじょ》") == "避難所" and plain("｜避難所《ひなんじょ》", reading=True) == "ひなんじょ"
    easy = Translator(Language.JA_EASY)
    assert easy.t("{n} min ago", n=5) == "5ふん まえ"
    assert "<ruby>" in str(easy.th("Where do I go?"))


@pytest.mark.parametrize(
    ("language", "one", "two"),
    [
        (Language.EN, "1 more shelter here.", "2 more shelters here."),
        (Language.JA, "ほかに 1 か所の避難所があります。", "ほかに 2 か所の避難所があります。"),
        (Language.JA_EASY, None, None),
        (Language.ZH_HANS, None, None),
        (Language.KO, None, None),
    ],
)
def test_plural_forms(language: Language, one: str | None, two: str | None) -> None:
    """English has a singular and a plural; ja, やさしい日本語, zh and ko one form for every count (nplurals=1)."""
    catalogue = compiled(DOMAIN, language)
    assert catalogue.num_plurals == (2 if language is Language.EN else 1)
    t = Translator(language)
    counted = [t.tn("{n} more shelter here.", "{n} more shelters here.", n) for n in (1, 2, 11)]
    assert [str(n) in text for n, text in zip((1, 2, 11), counted, strict=True)] == [True, True, True]
    if one is not None:
        assert counted[:2] == [one, two]
    else:
        assert counted[0].replace("1", "2") == counted[1] != "2 more shelters here."
    entry = browser_messages(DOMAIN, language)["{n} more shelter here."]
    assert isinstance(entry, dict)
    assert set(entry) == ({"one", "other"} if language is Language.EN else {"other"})


@pytest.mark.parametrize(
    ("header", "query", "expected"),
    [
        ("en-US,en;q=0.9", None, "en"),
        ("fr-FR,ko;q=0.7,ja;q=0.6", None, "ko"),
        ("zh-TW,zh;q=0.9", None, "zh-Hans"),
        ("zh-Hans-CN", None, "zh-Hans"),
        ("en;q=0.2,ja;q=0.9", None, "ja"),
        ("de-DE", None, "ja"),
        (None, None, "ja"),
        ("en;q=0", None, "ja"),
        ("en", "ja-easy", "ja-easy"),
        ("en", "xx", "en"),
        ("en;q=abc,ko", None, "ko"),
    ],
)
def test_negotiation(header: str | None, query: str | None, expected: str) -> None:
    assert negotiate(header, query) == expected
