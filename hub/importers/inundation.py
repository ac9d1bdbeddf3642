"""Flood-history importer: 品川区 町丁別浸水実績 tables (cumulative counts and per-event classes)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.areas.models import Area
from hub.hazards.models import InundationRecord
from hub.importers.common import ImportRejected, ImportReport, RowError, read_csv
from hub.importers.upsert import upsert

KANJI_DIGITS = "〇一二三四五六七八九"
CUMULATIVE_COLUMNS = ("area", "period", "underfloor_buildings", "abovefloor_buildings")
CLASS_COLUMNS = ("town", "class_label", "class_ordinal")
#: Japanese era start years, for periods written like 平成元年-令和2年3月.
ERAS = {"明治": 1867, "大正": 1911, "昭和": 1925, "平成": 1988, "令和": 2018}
ERA_DATE_RE = re.compile(r"(明治|大正|昭和|平成|令和)(元|\d+)年(?:(\d+)月)?(?:(\d+)日)?")
EVENT_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def normalise_town(name: str) -> str:
    """Write 丁目 numbers in kanji, as the ward's town-block names do ('中延2丁目' → '中延二丁目')."""

    def to_kanji(match: re.Match[str]) -> str:
        number = int(match.group(1))
        if number < 10:
            return KANJI_DIGITS[number] + "丁目"
        tens, ones = divmod(number, 10)
        return ("" if tens == 1 else KANJI_DIGITS[tens]) + "十" + (KANJI_DIGITS[ones] if ones else "") + "丁目"

    return re.sub(r"(\d+)丁目", to_kanji, name.translate(str.maketrans("０１２３４５６７８９", "0123456789")))


def era_date(text: str, *, end: bool = False) -> date | None:
    """The first Japanese-era date in text; start or end of the month/year when the day is missing."""
    match = ERA_DATE_RE.search(text)
    if not match:
        return None
    era, year_text, month_text, day_text = match.groups()
    year = ERAS[era] + (1 if year_text == "元" else int(year_text))
    month = int(month_text) if month_text else (12 if end else 1)
    if day_text:
        return date(year, month, int(day_text))
    if not end:
        return date(year, month, 1)
    next_month = date(year + month // 12, month % 12 + 1, 1)
    return date.fromordinal(next_month.toordinal() - 1)


def _count(row: dict[str, str], name: str, *, file: str, line: int, errors: list[RowError]) -> int | None:
    value = row.get(name, "")
    if not value.isdigit():
        errors.append(RowError(file, line, name, f"building count must be a whole number ≥ 0, got {value!r}"))
        return None
    return int(value)


def parse_inundation(
    path: Path, *, ward_code: str | None, event_name: str | None, event_date: date | None
) -> tuple[list[dict[str, Any]], list[RowError]]:
    """Parse a flood-history CSV into inundation_records rows and errors (pure)."""
    header, rows = read_csv(path)
    file = path.name
    errors: list[RowError] = []
    out: list[dict[str, Any]] = []
    if "underfloor_buildings" in header or "area" in header:
        read_csv(path, required=CUMULATIVE_COLUMNS)
        for line, row in enumerate(rows, start=2):
            town = normalise_town(row.get("area", ""))
            if not town:
                errors.append(RowError(file, line, "area", "empty town name"))
            below = _count(row, "underfloor_buildings", file=file, line=line, errors=errors)
            above = _count(row, "abovefloor_buildings", file=file, line=line, errors=errors)
            period = row.get("period", "")
            start, end = (era_date(p, end=i == 1) for i, p in enumerate(([*period.split("-"), ""])[:2]))
            if not town or below is None or above is None:
                continue
            out.append(
                {
                    "event_name": event_name or f"累計 {period}",
                    "event_date": event_date,
                    "period_start": start,
                    "period_end": end,
                    "ward_code": ward_code,
                    "town_name": town,
                    "above_floor": above,
                    "below_floor": below,
                    "count_class": None,
                    "count_class_ordinal": None,
                    "confidence": None,
                    "source": row.get("source") or file,
                    "notes": row.get("notes") or None,
                }
            )
    elif "class_label" in header:
        read_csv(path, required=CLASS_COLUMNS)
        found = EVENT_DATE_RE.search(path.name)
        day = event_date or (date(*map(int, found.groups())) if found else None)
        if day is None:
            errors.append(RowError(file, None, "event_date", "not in the file name; pass --event-date"))
        for line, row in enumerate(rows, start=2):
            town = normalise_town(row.get("town", ""))
            ordinal = row.get("class_ordinal", "")
            if not ordinal.isdigit():
                errors.append(RowError(file, line, "class_ordinal", f"must be a whole number, got {ordinal!r}"))
                continue
            if not town:
                errors.append(RowError(file, line, "town", "empty town name"))
                continue
            out.append(
                {
                    "event_name": event_name or (f"{day:%Y-%m-%d} 浸水実績" if day else "浸水実績"),
                    "event_date": day,
                    "period_start": day,
                    "period_end": day,
                    "ward_code": ward_code,
                    "town_name": town,
                    "above_floor": None,
                    "below_floor": None,
                    "count_class": row.get("class_label") or None,
                    "count_class_ordinal": int(ordinal),
                    "confidence": row.get("confidence") or None,
                    "source": file,
                    "notes": row.get("source_note") or None,
                }
            )
    else:
        raise ImportRejected(
            [
                RowError(
                    file,
                    1,
                    None,
                    "unknown flood-history format: expected columns "
                    f"{', '.join(CUMULATIVE_COLUMNS)} or {', '.join(CLASS_COLUMNS)}",
                )
            ]
        )
    seen: set[str] = set()
    for line, record in enumerate(out, start=2):
        if record["town_name"] in seen:
            errors.append(RowError(file, line, "town", f"duplicate town {record['town_name']!r}"))
        seen.add(record["town_name"])
    return out, errors


def import_inundation(
    session: Session,
    path: Path,
    *,
    ward_code: str | None = None,
    event_name: str | None = None,
    event_date: date | None = None,
) -> ImportReport:
    """Import a flood-history table in one transaction, linking rows to town-block areas by name."""
    rows, errors = parse_inundation(path, ward_code=ward_code, event_name=event_name, event_date=event_date)
    if errors:
        raise ImportRejected(errors)
    towns = {r["town_name"] for r in rows}
    query = select(Area.name, Area.id, Area.geom).where(Area.kind == "town_block", Area.name.in_(towns))
    if ward_code:
        query = query.where(Area.parent_code == ward_code)
    areas = {name: (area_id, geom) for name, area_id, geom in session.execute(query)}
    for row in rows:
        area_id, geom = areas.get(row["town_name"], (None, None))
        row["area_id"], row["geom"] = area_id, geom
    report = ImportReport(path.name, "inundation", rows=len(rows))
    report.inserted, report.updated = upsert(session, InundationRecord, rows, key=["source", "town_name", "event_name"])
    report.unchanged = report.rows - report.inserted - report.updated
    return report
