"""Shelter importer: GSI national data (CSV/GeoJSON), Tokyo open-data format, Takamatsu format."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from sqlalchemy.orm import Session

from hub.importers.common import (
    ImportRejected,
    ImportReport,
    RowError,
    check_lat_lon,
    parse_float,
    progress,
    read_csv,
    read_geojson,
)
from hub.importers.upsert import upsert
from hub.shelters.models import Shelter

CoordMode = Literal["decimal", "dms"]

#: GSI flag column → our hazard name (GSI column order).
GSI_HAZARD_COLUMNS = {
    "洪水": "flood",
    "崖崩れ、土石流及び地滑り": "landslide",
    "高潮": "storm_surge",
    "地震": "earthquake",
    "津波": "tsunami",
    "大規模な火事": "large_fire",
    "内水氾濫": "inland_flood",
    "火山現象": "volcano",
}
#: Tokyo recommended open-data shelter format: column → hazard.
TOKYO_HAZARD_COLUMNS = {
    "洪水対応": "flood",
    "土砂災害対応": "landslide",
    "高潮対応": "storm_surge",
    "地震対応": "earthquake",
    "津波対応": "tsunami",
    "浸水対応": "inland_flood",
    "大火事対応": "large_fire",
    "噴火対応": "volcano",
}
TOKYO_CATEGORY_KINDS = {
    "避難所": "designated_shelter",
    "指定避難所": "designated_shelter",
    "広域避難場所": "wide_area_site",
    "一時集合場所": "temporary_assembly_point",
    "一時滞在施設": "temporary_stay_facility",
    "福祉避難所": "welfare_shelter",
    "指定緊急避難場所": "designated_emergency_site",
}
TAKAMATSU_HAZARD_COLUMNS = {
    "flood_L2": "flood",
    "sedimentDisaster": "landslide",
    "stormSurge": "storm_surge",
    "earthquake": "earthquake",
    "tunami": "tsunami",
    "fire": "large_fire",
    "inundation": "inland_flood",
}
YES = frozenset({"1", "○", "◯", "〇", "●", "true", "TRUE", "yes", "有"})
WARD_CODE_RE = re.compile(r"C?(\d{5})$")


@dataclass
class ShelterRecord:
    """One shelter as parsed from a file, before it is written."""

    source: str
    source_id: str
    name: str
    lat: float
    lon: float
    kinds: list[str]
    hazards: list[str] = field(default_factory=list)
    name_en: str | None = None
    name_kana: str | None = None
    address: str | None = None
    ward_code: str | None = None
    capacity: int | None = None
    phone: str | None = None
    elevation_m: float | None = None
    served_area: str | None = None
    notes: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)

    def as_row(self) -> dict[str, Any]:
        """The row for the shelters table."""
        row = asdict(self)
        lat, lon = row.pop("lat"), row.pop("lon")
        row["location"] = f"SRID=4326;POINT({lon} {lat})"
        return row


def dms_to_decimal(packed: str) -> tuple[float, bool]:
    """Decode packed DMS ('35.371269' = 35°37'12.69"); returns (degrees, ambiguous).

    A fraction of 3 digits is ambiguous in the Shinagawa files (trailing zero stripped, or
    unpadded seconds); the trailing-zero reading is returned and flagged.
    """
    deg_text, _, frac = packed.strip().partition(".")
    if not deg_text.isdigit() or (frac and not frac.isdigit()):
        raise ValueError(f"not packed DMS: {packed!r}")
    if len(frac) < 2:
        raise ValueError(f"packed DMS without minutes: {packed!r}")
    minutes = int(frac[:2])
    if len(frac) == 3:
        stripped, unpadded = int(frac[2]) * 10, int(frac[2])
        seconds, ambiguous = (float(stripped), True) if stripped < 60 else (float(unpadded), False)
    else:
        seconds, ambiguous = float(f"{frac[2:4].ljust(2, '0')}.{frac[4:] or '0'}"), False
    if minutes >= 60 or seconds >= 60:
        raise ValueError(f"impossible minutes/seconds in packed DMS {packed!r}")
    return int(deg_text) + minutes / 60 + seconds / 3600, ambiguous


def _flags(row: dict[str, Any], columns: dict[str, str]) -> list[str]:
    return [hazard for column, hazard in columns.items() if str(row.get(column) or "").strip() in YES]


def _int(value: str | None) -> int | None:
    text = (value or "").replace(",", "").strip()
    return int(float(text)) if text and re.fullmatch(r"\d+(\.0+)?", text) else None


def _gsi(row: dict[str, Any], *, file: str, line: int, errors: list[RowError]) -> ShelterRecord | None:
    common_id = str(row.get("共通ID") or "").strip()
    if not common_id:
        errors.append(RowError(file, line, "共通ID", "empty: the GSI common id is the source id"))
        return None
    name = str(row.get("施設・場所名") or "").strip()
    if not name:
        errors.append(RowError(file, line, "施設・場所名", "empty name"))
    lat = parse_float(row.get("緯度"), file=file, row=line, name="緯度", errors=errors)
    lon = parse_float(row.get("経度"), file=file, row=line, name="経度", errors=errors)
    if not check_lat_lon(lat, lon, file=file, row=line, errors=errors, names=("緯度", "経度")) or not name:
        return None
    assert lat is not None and lon is not None
    emergency = "洪水" in row
    kind = "designated_emergency_site" if emergency else "designated_shelter"
    ward = common_id[1:6] if common_id[1:6].isdigit() else None
    extra = {k: str(v) for k, v in row.items() if k not in {"緯度", "経度"} and v not in (None, "")}
    return ShelterRecord(
        source="gsi",
        source_id=common_id,
        name=name,
        lat=lat,
        lon=lon,
        kinds=[kind],
        hazards=_flags(row, GSI_HAZARD_COLUMNS) if emergency else [],
        address=str(row.get("住所") or "") or None,
        ward_code=ward,
        notes=str(row.get("備考") or "") or None,
        attributes={"gsi": extra},
    )


def _tokyo(
    row: dict[str, str], *, file: str, line: int, errors: list[RowError], coords: CoordMode
) -> ShelterRecord | None:
    name = row.get("施設名", "")
    category = row.get("カテゴリ", "")
    kind = TOKYO_CATEGORY_KINDS.get(category)
    if not name:
        errors.append(RowError(file, line, "施設名", "empty name"))
    if kind is None:
        errors.append(RowError(file, line, "カテゴリ", f"unknown category {category!r}"))
    attributes: dict[str, Any] = {}
    lat: float | None
    lon: float | None
    if row.get("lat_decimal_DERIVED"):
        lat = parse_float(row["lat_decimal_DERIVED"], file=file, row=line, name="lat_decimal_DERIVED", errors=errors)
        lon = parse_float(
            row.get("lon_decimal_DERIVED"), file=file, row=line, name="lon_decimal_DERIVED", errors=errors
        )
        attributes["coordinate_quality"] = row.get("dms_parse_status_DERIVED") or None
    elif coords == "dms":
        lat = lon = None
        try:
            lat, lat_amb = dms_to_decimal(row.get("緯度", ""))
            lon, lon_amb = dms_to_decimal(row.get("経度", ""))
            attributes["coordinate_quality"] = "ambiguous" if (lat_amb or lon_amb) else "exact"
        except ValueError as exc:
            errors.append(RowError(file, line, "緯度/経度", str(exc)))
            return None
    else:
        lat = parse_float(row.get("緯度"), file=file, row=line, name="緯度", errors=errors)
        lon = parse_float(row.get("経度"), file=file, row=line, name="経度", errors=errors)
    if not check_lat_lon(lat, lon, file=file, row=line, errors=errors, names=("緯度", "経度")):
        return None
    if not name or kind is None:
        return None
    assert lat is not None and lon is not None
    code = WARD_CODE_RE.search(row.get("標準地域コード", ""))
    ward = code.group(1) if code else None
    address = row.get("住所") or None
    conditional = [h for c, h in TOKYO_HAZARD_COLUMNS.items() if row.get(c) == "△"]
    if conditional:
        attributes["conditional_hazards"] = conditional
    return ShelterRecord(
        source="tokyo-opendata",
        source_id=f"tokyo:{ward or '-'}:{kind}:{name}:{address or ''}",
        name=name,
        lat=lat,
        lon=lon,
        kinds=[kind],
        hazards=_flags(row, TOKYO_HAZARD_COLUMNS),
        name_en=row.get("施設名(英語)") or None,
        name_kana=row.get("住所(かな)") and None,
        address=address,
        ward_code=ward,
        capacity=_int(row.get("許容人数")),
        phone=row.get("電話番号") or None,
        elevation_m=parse_float(row.get("海抜(m)"), file=file, row=line, name="海抜(m)", errors=errors),
        served_area=row.get("対象地区") or None,
        notes=row.get("対象に対する記述") or None,
        attributes=attributes | {"description": row.get("説明(日本語)") or None},
    )


def _takamatsu(row: dict[str, str], *, file: str, line: int, errors: list[RowError]) -> ShelterRecord | None:
    ident = row.get("#property", "")
    name = row.get("name", "")
    if not ident:
        errors.append(RowError(file, line, "#property", "empty id"))
    if not name:
        errors.append(RowError(file, line, "name", "empty name"))
    lat = parse_float(row.get("latitude"), file=file, row=line, name="latitude", errors=errors)
    lon = parse_float(row.get("longitude"), file=file, row=line, name="longitude", errors=errors)
    if not check_lat_lon(lat, lon, file=file, row=line, errors=errors, names=("latitude", "longitude")):
        return None
    if not ident or not name:
        return None
    assert lat is not None and lon is not None
    conditional = [h for c, h in TAKAMATSU_HAZARD_COLUMNS.items() if row.get(c) == "△"]
    kinds = ["designated_emergency_site"] + (["designated_shelter"] if row.get("evacuationSpace") in YES else [])
    return ShelterRecord(
        source="takamatsu",
        source_id=f"takamatsu:{ident}",
        name=name,
        lat=lat,
        lon=lon,
        kinds=kinds,
        hazards=_flags(row, TAKAMATSU_HAZARD_COLUMNS),
        address=row.get("address") or None,
        ward_code="37201",
        capacity=_int(row.get("capacity")),
        phone=row.get("telephoneNumber") or None,
        elevation_m=parse_float(row.get("elevation"), file=file, row=line, name="elevation", errors=errors),
        attributes={"conditional_hazards": conditional, "flood_L1": row.get("flood_L1") or None},
    )


def _point(geometry: dict[str, Any], *, file: str, index: int, errors: list[RowError]) -> tuple[Any, Any] | None:
    """Longitude and latitude of a GeoJSON Point; a row error (and None) for anything else."""
    if geometry.get("type") != "Point":
        errors.append(RowError(file, index, "geometry", f"not a Point (type {geometry.get('type')!r})"))
        return None
    coords = geometry.get("coordinates")
    if not isinstance(coords, list) or len(coords) < 2:
        errors.append(
            RowError(file, index, "geometry.coordinates", f"a Point needs [longitude, latitude], got {coords!r}")
        )
        return None
    if not all(isinstance(c, int | float) and not isinstance(c, bool) for c in coords[:2]):
        errors.append(
            RowError(file, index, "geometry.coordinates", f"longitude and latitude must be numbers, got {coords[:2]!r}")
        )
        return None
    return coords[0], coords[1]


def parse_shelter_file(path: Path, *, coords: CoordMode = "decimal") -> tuple[list[ShelterRecord], list[RowError]]:
    """Parse a shelter file of any supported format into records and row errors (pure)."""
    errors: list[RowError] = []
    records: list[tuple[int, ShelterRecord | None]] = []
    file = path.name
    if path.suffix.lower() in {".geojson", ".json"}:
        for index, feature in enumerate(read_geojson(path), start=1):
            props = dict(feature.get("properties") or {})
            lon_lat = _point(feature.get("geometry") or {}, file=file, index=index, errors=errors)
            if lon_lat is None:
                continue
            props["経度"], props["緯度"] = lon_lat
            records.append((index, _gsi(props, file=file, line=index, errors=errors)))
        return _dedupe(records, file, errors)
    header, rows = read_csv(path)
    parse: Callable[[dict[str, str], int], ShelterRecord | None]
    if "共通ID" in header:
        read_csv(path, required=["共通ID", "施設・場所名", "緯度", "経度"])
        parse = lambda row, line: _gsi(row, file=file, line=line, errors=errors)  # noqa: E731
    elif "施設名" in header and "カテゴリ" in header:
        read_csv(path, required=["施設名", "カテゴリ", "緯度", "経度"])
        parse = lambda row, line: _tokyo(row, file=file, line=line, errors=errors, coords=coords)  # noqa: E731
    elif "#property" in header:
        read_csv(path, required=["#property", "name", "latitude", "longitude"])
        parse = lambda row, line: _takamatsu(row, file=file, line=line, errors=errors)  # noqa: E731
    else:
        raise ImportRejected(
            [
                RowError(
                    file,
                    1,
                    None,
                    "unknown shelter format: expected GSI (共通ID), Tokyo (施設名, カテゴリ) "
                    "or Takamatsu (#property) columns",
                )
            ]
        )
    numbered = list(enumerate(rows, start=2))
    records = [(line, parse(row, line)) for line, row in progress(numbered, f"parsing {file}")]
    return _dedupe(records, file, errors)


def _dedupe(
    records: list[tuple[int, ShelterRecord | None]], file: str, errors: list[RowError]
) -> tuple[list[ShelterRecord], list[RowError]]:
    seen: dict[str, int] = {}
    unique: list[ShelterRecord] = []
    for line, record in records:
        if record is None:
            continue
        if record.source_id in seen:
            errors.append(
                RowError(
                    file,
                    line,
                    "id",
                    f"duplicate id {record.source_id!r} (first in row {seen[record.source_id]})",
                )
            )
            continue
        seen[record.source_id] = line
        unique.append(record)
    return unique, errors


def import_shelters(
    session: Session, path: Path, *, coords: CoordMode = "decimal", skip_invalid: bool = False
) -> ImportReport:
    """Import a shelter file in one transaction; refuse it whole on any error unless skip_invalid."""
    records, errors = parse_shelter_file(path, coords=coords)
    if errors and not skip_invalid:
        raise ImportRejected(errors)
    report = ImportReport(file=path.name, kind="shelters", rows=len(records), skipped=errors)
    report.inserted, report.updated = upsert(
        session, Shelter, [r.as_row() for r in records], key=["source_id"], bump_version=True
    )
    report.unchanged = report.rows - report.inserted - report.updated
    return report
