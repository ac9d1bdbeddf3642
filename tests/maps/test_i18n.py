"""The map's catalogues: every label translated in every language, placeholders kept, やさしい日本語 with furigana."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from maps.i18n import CODES, PLACEHOLDER_RE, RUBY_RE, Translator, messages, negotiate, plain, read_catalogue, ruby_html
from maps.i18n.extract import POT_PATH, extract, scan_python, scan_text

USED = {found.msgid for found in extract()}
#: Kanji taught in the first school year; every other kanji in やさしい日本語 must carry furigana.
FIRST_GRADE_KANJI = set(
    "一右雨円王音下火花貝学気九休玉金空月犬見五口校左三山子四糸字耳七車手十出女小上森人水正生青夕石赤千川先早草足村"
    "大男竹中虫町天田土二日入年白八百文木本名目立力林六"
)
#: やさしい日本語 guidelines: short sentences (characters per sentence, furigana not counted).
EASY_SENTENCE_MAX = 60


def test_extraction_finds_template_js_and_python_strings() -> None:
    assert {"Where do I go?", "Skip to the text list", "Read aloud", "River flood", "Less than 0.5 m"} <= USED
    assert len(USED) > 150


def test_scanners() -> None:
    js = (
        'B.t("A {n}", { n }); B.th(\'B\'); x.t(y); B.N_("C"); B.tr("Z"); '
        '<b data-i18n="D" data-i18n-attr="aria-label:E;title:F">'
    )
    assert [f.msgid for f in scan_text(js, "x.js")] == ["A {n}", "B", "C", "Z", "D", "E", "F"]
    assert [f.msgid for f in scan_python('N_("G")\nother("H")\n', "x.py")] == ["G"]


def test_template_catalogue_is_up_to_date() -> None:
    with POT_PATH.open("rb") as handle:
        pot = {m.id for m in read_po(handle) if m.id}
    assert pot == USED, "run `bosai map i18n` after changing labels"


@pytest.mark.parametrize("code", CODES)
def test_every_label_is_translated(code: str) -> None:
    catalogue = read_catalogue(code)
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    assert fuzzy == []
    compiled = messages(code)
    missing = sorted(USED - set(compiled))
    assert missing == [], f"{code}: untranslated {missing[:5]}"


@pytest.mark.parametrize("code", CODES)
def test_placeholders_are_kept(code: str) -> None:
    for msgid, text in messages(code).items():
        assert set(PLACEHOLDER_RE.findall(text)) == set(PLACEHOLDER_RE.findall(msgid)), (code, msgid, text)


def test_other_languages_really_differ_from_english() -> None:
    for code in ("ja", "ja-easy", "zh-Hans", "ko"):
        same = [m for m, t in messages(code).items() if t == m and re.search("[a-z]{4}", m)]
        assert len(same) <= 2, (code, same)  # only brand names such as OpenStreetMap may stay


def test_easy_japanese_has_furigana_and_short_sentences() -> None:
    for msgid, text in messages("ja-easy").items():
        assert "｜" not in RUBY_RE.sub("", text) and "《" not in RUBY_RE.sub("", text), f"broken furigana in {text!r}"
        hard = [c for c in RUBY_RE.sub("", text) if "\u4e00" <= c <= "\u9fff" and c not in FIRST_GRADE_KANJI]
        assert hard == [], f"{msgid!r}: kanji without furigana {hard}"
        for sentence in re.split("[。？！]", plain(text)):
            assert len(sentence) <= EASY_SENTENCE_MAX, sentence
    assert messages("ja-easy")["Where do I go?"] != messages("ja")["Where do I go?"]


def test_ruby_markup_and_escaping() -> None:
    assert str(ruby_html("｜避難所《ひなんじょ》へ")) == "<ruby>避難所<rt>ひなんじょ</rt></ruby>へ"
    assert str(ruby_html("<b>｜x《<i>》")) == "&lt;b&gt;<ruby>x<rt>&lt;i&gt;</rt></ruby>"
    assert plain("｜避難所《ひなんじょ》") == "避難所" and plain("｜避難所《ひなんじょ》", reading=True) == "ひなんじょ"
    easy = Translator("ja-easy")
    assert easy.text("{n} min ago", n=5) == "5ふん まえ"
    assert "<ruby>" in str(easy.html("Where do I go?"))


@pytest.mark.parametrize(
    ("header", "query", "expected"),
    [
        ("en-US,en;q=0.9", None, "en"),
        ("fr-FR,ko;q=0.7,ja;q=0.6", None, "ko"),
        ("zh-TW,zh;q=0.9", None, "zh-Hans"),
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
