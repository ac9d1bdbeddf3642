"""Five-language messages from the alerts catalogues: filled templates, fallback to ja reported, never empty (pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from alerts import render
from alerts.messages import TEMPLATES
from alerts.render import MessageParams, Place, TemplateError
from hub.i18n import LANGUAGES, Language, mo_path

PARAMS = MessageParams(
    time=datetime(2026, 9, 1, 3, 5, tzinfo=UTC),
    level=4,
    hazard="flood",
    river="目黒川",
    station="太鼓橋",
    state="danger",
    water_level_m=2.61,
    areas=[Place("品川区", "Shinagawa")],
    shelters=[Place("品川区立第一日野小学校", "Daiichi Hino Elementary School")],
)


def test_river_alert_in_five_languages_with_names_times_and_shelters() -> None:
    result = render.render("river_level", PARAMS)
    assert list(result.messages) == list(LANGUAGES)
    assert result.fallbacks == {}
    ja, easy, en, zh, ko = (result.messages[lang] for lang in LANGUAGES)
    assert "警戒レベル4相当" in ja.title and "氾濫危険水位" in ja.body and "12:05" in ja.body
    assert "品川区立第一日野小学校" in ja.body and "2.61m" in ja.body
    assert "にげて" in easy.body and "レベル4" in easy.title
    assert "Daiichi Hino Elementary School" in en.body and "Shinagawa" in en.body and "12:05" in en.body
    assert "泛滥危险水位" in zh.body and "避难所" in zh.body
    assert "범람 위험 수위" in ko.body and "대피소" in ko.body
    for message in result.messages.values():
        assert message.title.strip() and message.body.strip()


def test_no_open_shelter_is_said_not_left_blank() -> None:
    params = MessageParams(time=PARAMS.time, level=4, hazard="flood", areas=PARAMS.areas)
    result = render.render("evacuation_order", params)
    assert "開設中の避難所はまだありません" in result.messages["ja"].body
    assert "No shelter is open yet" in result.messages["en"].body


def test_missing_translation_falls_back_to_ja_and_is_reported() -> None:
    result = render.render("river_staff", PARAMS)
    assert set(result.fallbacks) == {"ja-easy", "zh-Hans", "ko"}
    assert result.messages["ko"].title == result.messages["ja"].title
    stored = result.as_json()
    assert stored["ko"]["fallback"] == "ja" and "no template" in stored["ko"]["reason"]
    assert "fallback" not in stored["en"]


def _compile(directory: Path, language: Language, texts: dict[str, str]) -> None:
    catalogue = Catalog(locale=language.facts.locale_id, domain=render.DOMAIN)
    for msgid, text in texts.items():
        catalogue.add(msgid, text)
    path = mo_path(render.DOMAIN, language, directory)
    path.parent.mkdir(parents=True)
    with path.open("wb") as handle:
        write_mo(handle, catalogue)


def test_a_template_with_an_unknown_placeholder_falls_back(tmp_path: Path) -> None:
    cancel = TEMPLATES["cancel"]
    _compile(tmp_path, Language.JA, {cancel.title: "タイトル{river}", cancel.body: "本文"})
    _compile(tmp_path, Language.EN, {cancel.title: "Title {nonsense}", cancel.body: "Body"})
    result = render.render("cancel", PARAMS, ["ja", "en"], directory=tmp_path)
    assert result.messages["en"].title == "タイトル目黒川"
    assert "nonsense" in result.fallbacks["en"]


def test_a_template_missing_in_ja_is_an_error() -> None:
    with pytest.raises(TemplateError, match="no template 'does_not_exist'"):
        render.render("does_not_exist", PARAMS)


def test_update_title_is_marked_once() -> None:
    once = render.update_title("【警戒レベル4】避難指示", "ja")
    assert once == "【更新】【警戒レベル4】避難指示"
    assert render.update_title(once, "ja") == once


def test_pick_language_prefers_the_residents_order() -> None:
    messages: dict[str, dict[str, str]] = {"ja": {}, "en": {}, "ko": {}}
    assert render.pick_language(messages, ["vi", "ko", "en"]) == "ko"
    assert render.pick_language(messages, ["vi"]) == "ja"


def test_fixed_phrases_in_every_language_and_the_sign_page_texts() -> None:
    assert render.phrase("_line", "area_set", "en", areas="Shinagawa") == "Alerts for: Shinagawa"
    korean = render.phrase("_line", "area_set", "ko", areas="品川区")
    assert "品川区" in korean and korean != render.phrase("_line", "area_set", "en", areas="品川区")
    assert render.phrase("_signage", "calm", "ja-easy") == "いま、ひなんの じょうほうは ありません"
    assert render.phrase("_signage", "lost", "ja", time="12:05") == "接続が切れています（最終接続 12:05）"
    assert render.phrase("_signage", "go", "vi") == render.phrase("_signage", "go", "ja")  # unknown language: ja
