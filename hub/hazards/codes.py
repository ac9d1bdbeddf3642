"""Code lists of the national hazard datasets and the one depth-rank scale they are normalised to (pure)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from hub.hazards.models import DEPTH_RANKS

#: Labels of the national depth-rank scale (重ねるハザードマップ / 水害ハザードマップ作成の手引き).
DEPTH_RANK_LABELS: dict[int, str] = {
    1: "0.5m未満",
    2: "0.5m以上3m未満",
    3: "3m以上5m未満",
    4: "5m以上10m未満",
    5: "10m以上20m未満",
    6: "20m以上",
}
#: Standard fill colours of the depth ranks (same legend as the GSI raster tiles).
DEPTH_RANK_COLOURS: dict[int, str] = {
    1: "#F7F5A9",
    2: "#FFD8C0",
    3: "#FFB7B7",
    4: "#FF9191",
    5: "#F285C9",
    6: "#DC7ADC",
}
#: 浸水継続時間 rank codes (KSJ A31 _305 / PLATEAU duration classes).
DURATION_LABELS: dict[int, str] = {
    1: "12時間未満",
    2: "12時間以上24時間未満",
    3: "24時間以上72時間未満",
    4: "72時間以上168時間未満",
    5: "168時間以上336時間未満",
    6: "336時間以上672時間未満",
    7: "672時間以上",
}
#: 家屋倒壊等氾濫想定区域 区分 codes (KSJ A31 _405).
HOUSE_COLLAPSE_LABELS: dict[int, str] = {1: "氾濫流", 2: "河岸侵食", 3: "氾濫流・河岸侵食"}
#: KSJ A33 現象の種類 (A33_001).
LANDSLIDE_PHENOMENA: dict[int, str] = {1: "急傾斜地の崩壊", 2: "土石流", 3: "地すべり"}
#: KSJ A33 区域区分 (A33_002): label and whether it is a special warning zone (特別警戒区域).
LANDSLIDE_ZONES: dict[int, tuple[str, bool]] = {
    1: ("土砂災害警戒区域", False),
    2: ("土砂災害特別警戒区域", True),
    3: ("土砂災害警戒区域（指定前）", False),
    4: ("土砂災害特別警戒区域（指定前）", True),
}
#: Flood scale codes (PLATEAU uro:scale, KSJ A31 layers) and the scenario names we store.
SCALE_SCENARIOS: dict[str, str] = {"L1": "計画規模", "L2": "想定最大規模"}
#: Japanese names of the hazard kinds, for people.
KIND_LABELS: dict[str, str] = {
    "river_flood": "洪水浸水想定区域",
    "flood_duration": "浸水継続時間",
    "house_collapse": "家屋倒壊等氾濫想定区域",
    "inland_flood": "雨水出水（内水）浸水想定区域",
    "storm_surge": "高潮浸水想定区域",
    "tsunami": "津波浸水想定",
    "landslide": "土砂災害警戒区域",
    "landslide_special": "土砂災害特別警戒区域",
}

_NUMBER = r"(\d+(?:\.\d+)?)"
_AT_LEAST = re.compile(_NUMBER + r"\s*m?\s*以上")
_BELOW = re.compile(_NUMBER + r"\s*m?\s*未満")
_RANGE = re.compile(_NUMBER + r"\s*m?\s*[~〜～\-－ー]\s*" + _NUMBER + r"\s*m?")
_OVER = re.compile(_NUMBER + r"\s*m?\s*(?:超|以上|\+|~$|〜$|～$)")


@dataclass(frozen=True)
class Depth:
    """A published depth class normalised to the national rank; the class's own bounds are kept."""

    rank: int
    min_m: float
    max_m: float | None
    original: str

    @property
    def label(self) -> str:
        """The national rank label, e.g. '0.5m以上3m未満'."""
        return DEPTH_RANK_LABELS[self.rank]


def rank_of_interval(low: float, high: float | None) -> int:
    """The national rank of a depth class; a class across a rank boundary takes the deeper rank."""
    probe = low if high is None else max(low, high - 1e-9)
    for rank, (rank_low, rank_high) in DEPTH_RANKS.items():
        if rank_low <= probe and (rank_high is None or probe < rank_high):
            return rank
    raise ValueError(f"depth {probe} m is below 0")


def depth_from_rank(code: object) -> Depth:
    """A Depth from a national rank code 1–6 (int or digit string); ValueError otherwise."""
    text = unicodedata.normalize("NFKC", str(code)).strip()
    try:
        rank = int(float(text))
    except ValueError:
        raise ValueError(f"depth rank must be 1–6, got {code!r}") from None
    if rank not in DEPTH_RANKS or float(text) != rank:
        raise ValueError(f"depth rank must be 1–6, got {code!r}")
    low, high = DEPTH_RANKS[rank]
    return Depth(rank, low, high, text)


def depth_from_label(label: object) -> Depth:
    """A Depth from a class label such as '0.5m以上1m未満', '3.0～5.0m' or '20m以上'; ValueError otherwise."""
    text = unicodedata.normalize("NFKC", str(label)).strip().replace("ｍ", "m").replace(" ", "")
    low: float | None = None
    high: float | None = None
    if found := _RANGE.search(text):
        low, high = float(found.group(1)), float(found.group(2))
    else:
        at_least, below = _AT_LEAST.search(text), _BELOW.search(text)
        if at_least:
            low = float(at_least.group(1))
        if below:
            high = float(below.group(1))
            low = 0.0 if low is None else low
        elif at_least is None and (over := _OVER.search(text)):
            low = float(over.group(1))
    if low is None or (high is not None and high <= low):
        raise ValueError(f"not a depth class: {label!r}")
    return Depth(rank_of_interval(low, high), low, high, str(label))


def depth_from_value(value: object) -> Depth:
    """A Depth from either a national rank code (1–6) or a class label (text with metres)."""
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if re.fullmatch(r"\d+(\.0+)?", text):
        return depth_from_rank(text)
    return depth_from_label(text)


def code_int(value: object) -> int | None:
    """An integer code from an int or digit string (full-width digits allowed); None if not one."""
    if value is None or isinstance(value, bool):
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip()
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() else None
