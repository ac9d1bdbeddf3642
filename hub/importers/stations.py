"""Station importer: the 川の水位情報 station master and the ward's own telemeter list."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from hub.importers.common import (
    ImportRejected,
    ImportReport,
    RowError,
    check_lat_lon,
    parse_float,
    progress,
    read_csv,
)
from hub.importers.upsert import upsert
from hub.stations.models import Station

#: k.river.go.jp master: crisis-management gauges (危機管理型水位計). See docs/thresholds.md.
KRIVER_COLUMNS = ("code", "name", "latitude", "longitude", "startLevel", "warnLevel", "fladLevel")
#: Our own full format, for telemeter stations configured by the ward.
WARD_COLUMNS = ("code", "name", "kind", "latitude", "longitude")
LEVEL_COLUMNS = (
    "observation_start_level_m",
    "standby_level_m",
    "caution_level_m",
    "evacuation_level_m",
    "danger_level_m",
    "flooding_level_m",
)
#: Physical plausibility band around a station's flooding level when the file gives none (metres).
DEFAULT_VALID_BELOW_M = 30.0
DEFAULT_VALID_ABOVE_M = 15.0
CRISIS_QUIET_INTERVAL_S = 24 * 3600
REGULAR_INTERVAL_S = 600


def _station_row(
    row: dict[str, str], *, file: str, line: int, errors: list[RowError], warnings: list[RowError]
) -> dict[str, Any] | None:
    def num(name: str) -> float | None:
        return parse_float(row.get(name), file=file, row=line, name=name, errors=errors)

    code, name = row.get("code", ""), row.get("name", "")
    if not code:
        errors.append(RowError(file, line, "code", "empty station code"))
    if not name:
        errors.append(RowError(file, line, "name", "empty station name"))
    lat, lon = num("latitude"), num("longitude")
    ok = check_lat_lon(lat, lon, file=file, row=line, errors=errors, names=("latitude", "longitude"))
    kriver = "startLevel" in row
    levels: dict[str, float | None]
    if kriver:
        levels = dict.fromkeys(LEVEL_COLUMNS)
        levels |= {
            "observation_start_level_m": num("startLevel"),
            "danger_level_m": num("warnLevel"),
            "flooding_level_m": num("fladLevel"),
        }
        kind, mode, river = "water_level", "crisis", None
    else:
        levels = {c: num(c) for c in LEVEL_COLUMNS}
        kind = row.get("kind") or "water_level"
        mode = row.get("reporting_mode") or "regular"
        river = row.get("river") or None
        if kind not in {"water_level", "rain"}:
            errors.append(RowError(file, line, "kind", f"must be water_level or rain, not {kind!r}"))
        if mode not in {"regular", "crisis"}:
            errors.append(RowError(file, line, "reporting_mode", f"must be regular or crisis, not {mode!r}"))
    present = [(c, v) for c, v in levels.items() if v is not None and c != "observation_start_level_m"]
    for (low_name, low), (high_name, high) in itertools.pairwise(present):
        if low > high:
            warnings.append(RowError(file, line, high_name, f"{high} is below {low_name} {low} (kept as published)"))
    if not (code and name and ok):
        return None
    top = max((v for v in levels.values() if v is not None), default=None)
    bottom = min((v for v in levels.values() if v is not None), default=None)
    min_valid = num("min_valid_m") if "min_valid_m" in row else None
    max_valid = num("max_valid_m") if "max_valid_m" in row else None
    return {
        "code": code,
        "name": name,
        "name_kana": row.get("kana") or None,
        "kind": kind,
        "river": river,
        "pref_code": (row.get("prefCode") or "")[:2] or None,
        "city_code": row.get("townCode") or None,
        "city": row.get("placeCity") or row.get("city") or None,
        "location": f"SRID=4326;POINT({lon} {lat})",
        **levels,
        "min_valid_m": min_valid if min_valid is not None else (bottom - DEFAULT_VALID_BELOW_M if bottom else None),
        "max_valid_m": max_valid if max_valid is not None else (top + DEFAULT_VALID_ABOVE_M if top else None),
        "reporting_mode": mode,
        "expected_interval_s": CRISIS_QUIET_INTERVAL_S if mode == "crisis" else REGULAR_INTERVAL_S,
        "source": "k.river.go.jp" if kriver else f"file:{file}",
        "attributes": {"threshold_warnings": [w.reason for w in warnings if w.row == line]},
    }


def import_stations(session: Session, path: Path, *, skip_invalid: bool = False) -> ImportReport:
    """Import a station master file in one transaction, upserting on the station code."""
    header, rows = read_csv(path)
    required = KRIVER_COLUMNS if "startLevel" in header else WARD_COLUMNS
    read_csv(path, required=required)
    errors: list[RowError] = []
    warnings: list[RowError] = []
    parsed: dict[str, dict[str, Any]] = {}
    for line, row in progress(list(enumerate(rows, start=2)), f"parsing {path.name}"):
        record = _station_row(row, file=path.name, line=line, errors=errors, warnings=warnings)
        if record is None:
            continue
        if record["code"] in parsed:
            errors.append(RowError(path.name, line, "code", f"duplicate station code {record['code']!r}"))
            continue
        parsed[record["code"]] = record
    if errors and not skip_invalid:
        raise ImportRejected(errors)
    report = ImportReport(file=path.name, kind="stations", rows=len(parsed), skipped=errors, warnings=warnings)
    report.inserted, report.updated = upsert(session, Station, list(parsed.values()), key=["code"])
    report.unchanged = report.rows - report.inserted - report.updated
    return report
