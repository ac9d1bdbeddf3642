"""Shared parts of the importers: errors that name file/row/field, encodings, progress."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from rich.progress import Progress

from hub.json_input import JsonInputError, parse_json

T = TypeVar("T")

#: Encodings tried in order; cp932 is Windows Shift_JIS, as Japanese offices export CSV.
ENCODINGS = ("utf-8-sig", "cp932")
MAX_ERRORS_SHOWN = 50


@dataclass(frozen=True)
class RowError:
    """One problem in an input file: where it is and why."""

    file: str
    row: int | None
    field: str | None
    reason: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.field:
            where += f", field {self.field!r}"
        return f"{where}: {self.reason}"


class ImportRejected(Exception):
    """The file was refused; nothing was written."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        self.errors = list(errors)
        shown = "\n".join(f"  - {e}" for e in self.errors[:MAX_ERRORS_SHOWN])
        more = len(self.errors) - MAX_ERRORS_SHOWN
        tail = f"\n  ... and {more} more" if more > 0 else ""
        super().__init__(f"import refused, nothing written ({len(self.errors)} error(s)):\n{shown}{tail}")


@dataclass
class ImportReport:
    """What an import did."""

    file: str
    kind: str
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)

    def summary(self) -> str:
        """One line for a terminal or a log."""
        text = (
            f"{self.file}: {self.rows} rows → {self.inserted} inserted, "
            f"{self.updated} updated, {self.unchanged} unchanged"
        )
        text += f", {len(self.skipped)} skipped" if self.skipped else ""
        return text + (f", {len(self.warnings)} warning(s)" if self.warnings else "")


def decode_bytes(raw: bytes, name: str) -> str:
    """Decode UTF-8 (with or without BOM) or CP932, refusing anything else."""
    for encoding in ENCODINGS:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportRejected([RowError(name, None, None, "not UTF-8 or Shift_JIS (CP932) text")])


def read_csv(path: Path, required: Iterable[str] = ()) -> tuple[list[str], list[dict[str, str]]]:
    """Read a CSV file in any supported encoding; check that the required columns exist."""
    text = decode_bytes(path.read_bytes(), path.name)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [c for c in required if c not in header]
    if missing:
        raise ImportRejected([RowError(path.name, 1, c, "required column is missing from the header") for c in missing])
    try:
        rows = [{k: (v or "").strip() for k, v in row.items() if k is not None} for row in reader]
    except csv.Error as exc:  # a field past the csv module's limit, a NUL character
        raise ImportRejected([RowError(path.name, reader.line_num, None, f"not readable as CSV: {exc}")]) from exc
    return header, rows


def load_json_file(path: Path) -> Any:
    """The parsed JSON of an uploaded file; refused when not JSON, nested absurdly deep or holding a NUL."""
    try:
        return parse_json(decode_bytes(path.read_bytes(), path.name))
    except json.JSONDecodeError as exc:
        raise ImportRejected([RowError(path.name, None, None, f"not JSON: {exc}")]) from exc
    except JsonInputError as exc:
        raise ImportRejected([RowError(path.name, None, exc.field or None, exc.reason)]) from exc


def read_feature_collection(path: Path) -> dict[str, Any]:
    """The parsed GeoJSON FeatureCollection in a file, its `features` checked to be a list."""
    data = load_json_file(path)
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ImportRejected([RowError(path.name, None, "type", "not a GeoJSON FeatureCollection")])
    if not isinstance(data.get("features"), list):
        raise ImportRejected([RowError(path.name, None, "features", "missing or not a list")])
    return data


def read_geojson(path: Path) -> list[dict[str, Any]]:
    """Read the features of a GeoJSON FeatureCollection."""
    features: list[dict[str, Any]] = read_feature_collection(path)["features"]
    errors = [
        RowError(path.name, index, problem[0], problem[1])
        for index, feature in enumerate(features, start=1)
        if (problem := feature_problem(feature))
    ]
    if errors:
        raise ImportRejected(errors)
    return features


def feature_problem(feature: Any) -> tuple[str | None, str] | None:
    """Why a GeoJSON feature is not a usable object, as (field, reason); None when its shape is fine."""
    if not isinstance(feature, dict):
        return None, f"feature is not a JSON object (got {type(feature).__name__}: {str(feature)[:40]})"
    for member in ("properties", "geometry"):
        value = feature.get(member)
        if value is not None and not isinstance(value, dict):
            return member, f"must be a JSON object or null (got {type(value).__name__})"
    return None


def parse_float(
    value: str | float | int | None, *, file: str, row: int, name: str, errors: list[RowError]
) -> float | None:
    """A float or None for empty; records an error for anything else."""
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        errors.append(RowError(file, row, name, f"not a number: {value!r}"))
        return None


def check_lat_lon(
    lat: float | None,
    lon: float | None,
    *,
    file: str,
    row: int,
    errors: list[RowError],
    names: tuple[str, str],
) -> bool:
    """True when both coordinates are present and in range; records an error otherwise."""
    ok = True
    if lat is None or not -90.0 <= lat <= 90.0:
        errors.append(RowError(file, row, names[0], f"latitude missing or out of range: {lat!r}"))
        ok = False
    if lon is None or not -180.0 <= lon <= 180.0:
        errors.append(RowError(file, row, names[1], f"longitude missing or out of range: {lon!r}"))
        ok = False
    return ok


def progress(items: Sequence[T], label: str) -> Iterator[T]:
    """Iterate with a progress bar on a terminal, silently otherwise."""
    if not sys.stderr.isatty() or len(items) < 500:
        yield from items
        return
    with Progress(transient=True) as bar:
        task = bar.add_task(label, total=len(items))
        for item in items:
            yield item
            bar.advance(task)


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Consecutive slices of at most size items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
