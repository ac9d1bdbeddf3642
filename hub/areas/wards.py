"""Readings and official English names of Tokyo's 23 special wards, by local government code (N03_007).

国土数値情報 N03 boundaries carry only the Japanese name; residents reading English or kana need the others.
The English names are the ones the wards use themselves ("Shinagawa City", 品川区 English site).
"""

from __future__ import annotations

from typing import Final, NamedTuple


class WardName(NamedTuple):
    """Kana reading and English name of a ward."""

    kana: str
    english: str


TOKYO_WARDS: Final[dict[str, WardName]] = {
    "13101": WardName("ちよだく", "Chiyoda City"),
    "13102": WardName("ちゅうおうく", "Chuo City"),
    "13103": WardName("みなとく", "Minato City"),
    "13104": WardName("しんじゅくく", "Shinjuku City"),
    "13105": WardName("ぶんきょうく", "Bunkyo City"),
    "13106": WardName("たいとうく", "Taito City"),
    "13107": WardName("すみだく", "Sumida City"),
    "13108": WardName("こうとうく", "Koto City"),
    "13109": WardName("しながわく", "Shinagawa City"),
    "13110": WardName("めぐろく", "Meguro City"),
    "13111": WardName("おおたく", "Ota City"),
    "13112": WardName("せたがやく", "Setagaya City"),
    "13113": WardName("しぶやく", "Shibuya City"),
    "13114": WardName("なかのく", "Nakano City"),
    "13115": WardName("すぎなみく", "Suginami City"),
    "13116": WardName("としまく", "Toshima City"),
    "13117": WardName("きたく", "Kita City"),
    "13118": WardName("あらかわく", "Arakawa City"),
    "13119": WardName("いたばしく", "Itabashi City"),
    "13120": WardName("ねりまく", "Nerima City"),
    "13121": WardName("あだちく", "Adachi City"),
    "13122": WardName("かつしかく", "Katsushika City"),
    "13123": WardName("えどがわく", "Edogawa City"),
}
