"""Five-language messages: filled templates, fallback to ja reported, never empty (pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from alerts import render
from alerts.render import LANGUAGES, MessageParams, Place, TemplateError

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


def test_a_template_with_an_unknown_placeholder_falls_back(tmp_path: Path) -> None:
    (tmp_path / "ja.yaml").write_text("t: {title: 'タイトル{river}', body: '本文'}\n", encoding="utf-8")
    (tmp_path / "en.yaml").write_text("t: {title: 'Title {nonsense}', body: 'Body'}\n", encoding="utf-8")
    result = render.render("t", PARAMS, ["ja", "en"], directory=tmp_path)
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
