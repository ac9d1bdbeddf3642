"""Open-data files of the hub: shelter CSVs in the national GSI and Tokyo layouts, and the catalogue (pure)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from hub.shelters.models import HAZARDS

BOM: Final = "\ufeff"
LICENCE: Final = "CC BY 4.0"
LICENCE_URL: Final = "https://creativecommons.org/licenses/by/4.0/deed.ja"
#: GSI flag columns in GSI order (same order as hub.shelters.models.HAZARDS).
GSI_FLAGS: Final = (
    "洪水",
    "崖崩れ、土石流及び地滑り",
    "高潮",
    "地震",
    "津波",
    "大規模な火事",
    "内水氾濫",
    "火山現象",
)
#: 国土地理院 指定緊急避難場所データ (CSV) columns, as in data/shelters/*_emergency_*_derived.csv.
GSI_EMERGENCY_COLUMNS: Final = (
    "都道府県名及び市町村名",
    "NO",
    "共通ID",
    "施設・場所名",
    "住所",
    *GSI_FLAGS,
    "指定避難所との住所同一",
    "緯度",
    "経度",
    "備考",
)
#: 国土地理院 指定避難所データ (CSV) columns.
GSI_SHELTER_COLUMNS: Final = (
    "都道府県名及び市町村名",
    "NO",
    "共通ID",
    "施設・場所名",
    "住所",
    "指定緊急避難場所との住所同一",
    "その他市町村長が必要と認める事項",
    "受入対象者",
    "緯度",
    "経度",
    "備考",
)
#: Tokyo recommended open-data layout of shelters (27 columns) and its hazard flag columns in HAZARDS order.
TOKYO_FLAGS: Final = (
    "洪水対応",
    "土砂災害対応",
    "高潮対応",
    "地震対応",
    "津波対応",
    "大火事対応",
    "浸水対応",
    "噴火対応",
)
TOKYO_COLUMNS: Final = (
    "施設名",
    "施設名(英語)",
    "カテゴリ",
    "都道府県名",
    "市区町村名",
    "行政区名",
    "住所",
    "住所(かな)",
    "電話番号",
    "対象地区",
    "対象に対する記述",
    "緯度",
    "経度",
    "海抜(m)",
    "避難所高さ(m)",
    "許容人数",
    "洪水対応",
    "土砂災害対応",
    "高潮対応",
    "地震対応",
    "津波対応",
    "浸水対応",
    "大火事対応",
    "噴火対応",
    "説明(日本語)",
    "説明(英語)",
    "標準地域コード",
)
TOKYO_CATEGORIES: Final = {
    "designated_shelter": "避難所",
    "wide_area_site": "広域避難場所",
    "temporary_assembly_point": "一時集合場所",
    "temporary_stay_facility": "一時滞在施設",
    "welfare_shelter": "福祉避難所",
    "designated_emergency_site": "指定緊急避難場所",
}
STANDARD_AREA_CODE: Final = "http://statdb.nstac.go.jp/lod/sac/C{}"
YES: Final = "1"
CONDITIONAL: Final = "△"
#: First characters that make a spreadsheet read a cell as a formula (OWASP "CSV Injection"), with their
#: full-width forms, which spreadsheets in Japanese input modes also turn into formulas.
FORMULA_STARTS: Final = frozenset("=+-@\t\r＝＋－＠")
#: A plain number (a negative elevation, say) is no formula and stays a number.
PLAIN_NUMBER: Final = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def number(value: float | int | None) -> str:
    """A number as written in the CSV: shortest exact form (reads back to the same float), empty for None."""
    if value is None:
        return ""
    return repr(value) if isinstance(value, float) else str(value)


def _gsi_attrs(shelter: Mapping[str, Any]) -> dict[str, str]:
    attributes = shelter.get("attributes") or {}
    gsi: dict[str, str] = attributes.get("gsi") or {}
    return gsi


def has_gsi_id(shelter: Mapping[str, Any]) -> bool:
    """Whether the shelter carries a GSI common id (共通ID), so it belongs in the national files."""
    return shelter["source"] == "gsi" and bool(_gsi_attrs(shelter).get("共通ID") or shelter["source_id"])


def _gsi_common(shelter: Mapping[str, Any], ward_names: Mapping[str, str]) -> dict[str, str]:
    """The columns both GSI layouts share: municipality, number, 共通ID, name, address, position, notes."""
    gsi = _gsi_attrs(shelter)
    return {
        "都道府県名及び市町村名": gsi.get("都道府県名及び市町村名") or ward_names.get(shelter["ward_code"] or "", ""),
        "NO": gsi.get("NO", ""),
        "共通ID": shelter["source_id"],
        "施設・場所名": shelter["name"],
        "住所": shelter["address"] or "",
        "緯度": number(shelter["lat"]),
        "経度": number(shelter["lon"]),
        "備考": shelter["notes"] or "",
    }


def gsi_emergency_row(shelter: Mapping[str, Any], ward_names: Mapping[str, str]) -> dict[str, str]:
    """One 指定緊急避難場所 row; original GSI values are kept where the hub has them."""
    row = _gsi_common(shelter, ward_names)
    row["指定避難所との住所同一"] = _gsi_attrs(shelter).get("指定避難所との住所同一", "")
    hazards = set(shelter["hazards"])
    row |= {column: YES if hazard in hazards else "" for column, hazard in zip(GSI_FLAGS, HAZARDS, strict=True)}
    return row


def gsi_shelter_row(shelter: Mapping[str, Any], ward_names: Mapping[str, str]) -> dict[str, str]:
    """One 指定避難所 row."""
    gsi = _gsi_attrs(shelter)
    return _gsi_common(shelter, ward_names) | {
        "指定緊急避難場所との住所同一": gsi.get("指定緊急避難場所との住所同一", ""),
        "その他市町村長が必要と認める事項": gsi.get("その他市町村長が必要と認める事項", ""),
        "受入対象者": gsi.get("受入対象者", ""),
    }


def tokyo_rows(shelter: Mapping[str, Any], wards: Mapping[str, tuple[str, str]]) -> list[dict[str, str]]:
    """The Tokyo-layout rows of a shelter: one per kind (the layout has one category per row)."""
    attributes = shelter.get("attributes") or {}
    conditional = set(attributes.get("conditional_hazards") or [])
    hazards = set(shelter["hazards"])
    pref, city = wards.get(shelter["ward_code"] or "", ("", ""))
    base = {
        "施設名": shelter["name"],
        "施設名(英語)": shelter["name_en"] or "",
        "都道府県名": pref,
        "市区町村名": city,
        "行政区名": "",
        "住所": shelter["address"] or "",
        "住所(かな)": "",
        "電話番号": shelter["phone"] or "",
        "対象地区": shelter["served_area"] or "",
        "対象に対する記述": shelter["notes"] or "",
        "緯度": number(shelter["lat"]),
        "経度": number(shelter["lon"]),
        "海抜(m)": number(shelter["elevation_m"]),
        "避難所高さ(m)": "",
        "許容人数": number(shelter["capacity"]),
        "説明(日本語)": attributes.get("description") or "",
        "説明(英語)": "",
        "標準地域コード": STANDARD_AREA_CODE.format(shelter["ward_code"]) if shelter["ward_code"] else "",
    }
    for column, hazard in zip(TOKYO_FLAGS, HAZARDS, strict=True):
        base[column] = YES if hazard in hazards else CONDITIONAL if hazard in conditional else ""
    return [base | {"カテゴリ": TOKYO_CATEGORIES[kind]} for kind in shelter["kinds"] if kind in TOKYO_CATEGORIES]


def inert_cell(value: str) -> str:
    """The value with a leading ' when a spreadsheet would run it as a formula (=HYPERLINK(…)); else as is."""
    if value and value[0] in FORMULA_STARTS and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def write_csv(columns: Sequence[str], rows: Iterable[Mapping[str, str]]) -> bytes:
    """UTF-8 with BOM, CRLF line ends, every field quoted only when needed (RFC 4180), no cell a formula."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({column: inert_cell(value) for column, value in row.items()} for row in rows)
    return buffer.getvalue().encode("utf-8")


@dataclass(frozen=True)
class Dataset:
    """One downloadable file: what it holds, its format, the table it comes from and its sources."""

    file: str
    title: str
    description: str
    format: str
    table: str
    attribution: tuple[str, ...]


GSI_SOURCE: Final = "出典：国土地理院「指定緊急避難場所・指定避難所データ」"
SHINAGAWA_SOURCE: Final = (
    "出典：品川区「災害時等の避難所・広域避難場所」「一時集合場所」（東京都オープンデータカタログ）"
)
RIVER_SOURCE: Final = "国土交通省「川の水位情報」(k.river.go.jp)"
INUNDATION_SOURCE: Final = (
    "品川区「町丁別浸水実績一覧」「令和7年9月11日 浸水実績図」（第三者による転記: junhongo-ccs/naisui）"
)
N03_SOURCE: Final = "「国土数値情報（行政区域データ）」（国土交通省）"
W05_SOURCE: Final = "「国土数値情報（河川データ）」（国土交通省）"
HAZARD_SOURCE: Final = "各ハザードの出典は hazard_zones.source 列（国土数値情報・PLATEAU・区のハザードマップ等）"
SHELTER_SOURCES: Final = (GSI_SOURCE, SHINAGAWA_SOURCE)

DATASETS: Final = (
    Dataset(
        "shelters.csv",
        "指定緊急避難場所（国土地理院 CSV 形式）",
        "Designated emergency evacuation sites with a GSI common id, in the national GSI CSV columns.",
        "CSV (UTF-8 BOM)",
        "shelters",
        (GSI_SOURCE,),
    ),
    Dataset(
        "designated-shelters.csv",
        "指定避難所（国土地理院 CSV 形式）",
        "Designated shelters with a GSI common id, in the national GSI CSV columns.",
        "CSV (UTF-8 BOM)",
        "shelters",
        (GSI_SOURCE,),
    ),
    Dataset(
        "shelters-tokyo.csv",
        "避難所・避難場所（東京都推奨データセット 27 列）",
        "Every shelter and evacuation site, one row per kind, in the Tokyo recommended open-data layout.",
        "CSV (UTF-8 BOM)",
        "shelters",
        SHELTER_SOURCES,
    ),
    Dataset(
        "shelters.geojson", "避難所・避難場所", "Every shelter with status.", "GeoJSON", "shelters", SHELTER_SOURCES
    ),
    Dataset(
        "stations.geojson",
        "水位観測所",
        "River gauges with thresholds and the latest reading.",
        "GeoJSON",
        "stations",
        (RIVER_SOURCE,),
    ),
    Dataset(
        "hazard-zones.geojson",
        "浸水想定区域等",
        "Assumed hazard zones with depth ranks (full geometry).",
        "GeoJSON",
        "hazard_zones",
        (HAZARD_SOURCE,),
    ),
    Dataset(
        "inundation.geojson",
        "浸水実績",
        "Flood history by town block.",
        "GeoJSON",
        "inundation_records",
        (INUNDATION_SOURCE,),
    ),
    Dataset("areas.geojson", "行政区域", "Ward and town-block boundaries.", "GeoJSON", "areas", (N03_SOURCE,)),
    Dataset("rivers.geojson", "河川", "River centre-lines.", "GeoJSON", "rivers", (W05_SOURCE,)),
)


def dataset(file: str) -> Dataset | None:
    """The dataset published under this file name."""
    return next((d for d in DATASETS if d.file == file), None)
