"""The sensor MQTT protocol: topics, JSON and SenML payloads, validation. Pure: no I/O, clock injected."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import orjson

DEFAULT_TOPIC_ROOT = "sensors"
STATUS_VALUES = frozenset({"online", "offline"})
#: A reading's time may be ahead of the hub's clock by this much (sensor clocks drift).
DEFAULT_FUTURE_TOLERANCE = timedelta(minutes=5)
MAX_BATCH = 10_000
MAX_REASONS_KEPT = 20
#: Physical range of values that have no per-station range.
RAIN_RANGE_MM = (0.0, 300.0)
BATTERY_RANGE_V = (0.0, 60.0)
MAX_SEQ = 2**63 - 1
#: SenML times below 2**28 are relative to "now" (RFC 8428 §4.5.3); we need absolute times.
SENML_ABSOLUTE_MIN = 2**28
SENML_FIELDS = {"water_level": ("water_level_m", "m"), "rain": ("rain_mm_10min", "mm"), "battery": ("battery_v", "V")}
VALUE_FIELDS = ("water_level_m", "rain_mm_10min", "battery_v")
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})")


@dataclass(frozen=True, slots=True)
class StationRef:
    """What the parser needs to know of a station."""

    id: int
    code: str
    min_valid_m: float | None = None
    max_valid_m: float | None = None


class ValidReading(NamedTuple):
    """One validated observation, ready to be stored (its fields in the order of the readings columns)."""

    station_id: int
    observed_at: datetime
    water_level_m: float | None = None
    rain_mm_10min: float | None = None
    battery_v: float | None = None
    seq: int | None = None


@dataclass(frozen=True, slots=True)
class Parsed:
    """The outcome of one MQTT message: readings or a status, and the reasons for anything rejected."""

    station_id: int | None = None
    readings: list[ValidReading] = field(default_factory=list)
    status: str | None = None
    rejections: list[str] = field(default_factory=list)

    @property
    def reason(self) -> str:
        """The rejections as one dead-letter reason."""
        kept = self.rejections[:MAX_REASONS_KEPT]
        more = len(self.rejections) - len(kept)
        return "; ".join(kept) + (f"; ({more} more)" if more else "")


class Invalid(ValueError):
    """A payload part that breaks the protocol; the message names the category and the detail."""


def parse_topic(topic: str, root: str = DEFAULT_TOPIC_ROOT) -> tuple[str, str] | None:
    """(station code, 'readings' or 'status') of a sensor topic, or None if it is not one."""
    prefix = root + "/"
    if not topic.startswith(prefix):
        return None
    parts = topic[len(prefix) :].split("/")
    if len(parts) != 2 or not parts[0] or parts[1] not in ("readings", "status"):
        return None
    return parts[0], parts[1]


def parse_message(
    topic: str,
    payload: bytes,
    *,
    stations: Mapping[str, StationRef],
    now: datetime,
    root: str = DEFAULT_TOPIC_ROOT,
    future_tolerance: timedelta = DEFAULT_FUTURE_TOLERANCE,
) -> Parsed:
    """Parse and validate one message; never raises, bad parts are listed in `rejections`."""
    where = parse_topic(topic, root)
    if where is None:
        return Parsed(rejections=[f"unknown_topic: {topic!r} is not {root}/<station>/readings|status"])
    code, kind = where
    station = stations.get(code)
    if station is None:
        return Parsed(rejections=[f"unknown_station: {code!r}"])
    if kind == "status":
        return _parse_status(station, payload)
    try:
        document = decode_json(payload)
    except (ValueError, RecursionError) as exc:
        return Parsed(station.id, rejections=[f"malformed_json: {_short(exc)}"])
    try:
        items = _items(document)
    except Invalid as exc:
        return Parsed(station.id, rejections=[str(exc)])
    readings: list[ValidReading] = []
    rejections: list[str] = []
    latest = now + future_tolerance
    for index, item, epoch in items:
        try:
            readings.append(_validate(station, item, epoch, latest))
        except Invalid as exc:
            rejections.append(f"{exc} (item {index})" if index is not None else str(exc))
    return Parsed(station.id, readings=readings, rejections=rejections)


def _parse_status(station: StationRef, payload: bytes) -> Parsed:
    text = payload.decode("utf-8", "replace").strip().lower()
    if not text:  # a retained status being cleared
        return Parsed(station.id)
    if text not in STATUS_VALUES:
        return Parsed(station.id, rejections=[f"invalid_status: {text[:40]!r} is not online or offline"])
    return Parsed(station.id, status=text)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def decode_json(payload: bytes) -> Any:
    """Decode with orjson; what it refuses gets the standard decoder's verdict and error message.

    Integers beyond 64 bits come back as floats, not ints; validation refuses both alike.
    """
    try:
        return orjson.loads(payload)
    except orjson.JSONDecodeError:
        return DECODER.decode(payload.decode("utf-8"))


def _short(exc: BaseException) -> str:
    return str(exc)[:200]


Item = tuple[int | None, dict[str, Any], float | None]


def _items(document: Any) -> list[Item]:
    """Readings as (index in the batch, fields, SenML epoch time) from an object, a batch or SenML."""
    if isinstance(document, dict):
        return [(None, document, None)]
    if not isinstance(document, list):
        raise Invalid(f"invalid_payload: expected a JSON object or array, got {type(document).__name__}")
    if not document:
        raise Invalid("invalid_payload: empty array")
    if len(document) > MAX_BATCH:
        raise Invalid(f"invalid_payload: {len(document)} items, at most {MAX_BATCH} per message")
    if all(isinstance(r, dict) for r in document) and any(_is_senml_record(r) for r in document):
        return _senml_items(document)
    out: list[Item] = []
    for index, item in enumerate(document):
        if not isinstance(item, dict):
            raise Invalid(f"invalid_payload: item {index} is {type(item).__name__}, not an object")
        out.append((index, item, None))
    return out


def _is_senml_record(record: dict[str, Any]) -> bool:
    return "ts" not in record and any(k in record for k in ("n", "bn", "v", "bt", "t"))


def _senml_items(records: list[dict[str, Any]]) -> list[Item]:
    """Resolve SenML records (RFC 8428) into one reading per time."""
    base_name, base_time, base_unit = "", 0.0, None
    by_time: dict[float, dict[str, Any]] = {}
    for index, record in enumerate(records):
        base_name = _senml_str(record, "bn", index, base_name)
        base_time = _senml_num(record, "bt", index, base_time)
        base_unit = _senml_str(record, "bu", index, base_unit or "") or None
        if "n" not in record and "v" not in record:
            continue  # a record that only sets base fields
        name = base_name + _senml_str(record, "n", index, "")
        measure = re.split(r"[:/]", name)[-1]
        if measure not in SENML_FIELDS:
            continue  # a measurement we do not store
        column, unit = SENML_FIELDS[measure]
        record_unit = _senml_str(record, "u", index, base_unit or "")
        if record_unit != unit:
            raise Invalid(f"invalid_value: record {index} {measure} unit {record_unit!r}, expected {unit!r}")
        at = base_time + _senml_num(record, "t", index, 0.0)
        if at < SENML_ABSOLUTE_MIN:
            raise Invalid(f"invalid_time: record {index} has a relative time; send absolute times (bt/t)")
        reading = by_time.setdefault(at, {})
        if column in reading:
            raise Invalid(f"invalid_payload: record {index} repeats {measure} at time {at}")
        reading[column] = record.get("v")
    if not by_time:
        raise Invalid("invalid_payload: SenML pack without water_level, rain or battery records")
    return [(None, fields, at) for at, fields in by_time.items()]


def _senml_str(record: dict[str, Any], key: str, index: int, default: str) -> str:
    value = record.get(key, default)
    if not isinstance(value, str):
        raise Invalid(f"invalid_payload: record {index} {key} must be a string")
    return value


def _senml_num(record: dict[str, Any], key: str, index: int, default: float) -> float:
    value = record.get(key, default)
    if not _is_number(value):
        raise Invalid(f"invalid_payload: record {index} {key} must be a number")
    return float(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def epoch_time(value: float) -> datetime:
    """An aware UTC datetime from SenML epoch seconds."""
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise Invalid(f"invalid_time: {value!r} is out of range") from exc


#: Lengths of the common forms YYYY-MM-DDTHH:MM:SS[.ffffff](Z|±HH:MM) that skip the regular expression.
FAST_TIME_LENGTHS = frozenset({20, 25, 27, 32})


def _fast_time(value: str) -> datetime | None:
    """The common RFC 3339 forms without the regular expression; None sends the value the slow way."""
    n = len(value)
    if not (
        value[4] == "-"
        and value[7] == "-"
        and value[10] == "T"
        and value[13] == ":"
        and value[16] == ":"
        and (n < 26 or value[19] == ".")
        and (value[-1] == "Z" if n in (20, 27) else value[-6] in "+-" and value[-3] == ":")
        and value.isascii()
    ):
        return None
    try:
        return datetime.fromisoformat(value)  # checks every other character is a digit
    except ValueError:
        return None


def parse_time(value: Any) -> datetime:
    """An aware datetime from an RFC 3339 string with a zone."""
    if type(value) is str and len(value) in FAST_TIME_LENGTHS:
        fast = _fast_time(value)
        if fast is not None:
            return fast
    if value is None:
        raise Invalid("invalid_time: ts is missing")
    if not isinstance(value, str) or not RFC3339.fullmatch(value):
        raise Invalid(f"invalid_time: {str(value)[:40]!r} is not an RFC 3339 time with a zone")
    try:
        return datetime.fromisoformat(value.upper().replace(" ", "T"))
    except ValueError as exc:
        raise Invalid(f"invalid_time: {value!r}: {exc}") from exc


def _number(item: dict[str, Any], name: str, low: float | None, high: float | None) -> float | None:
    value = item.get(name)
    if value is None:
        return None
    kind = type(value)
    if (kind is not float and kind is not int) or not math.isfinite(value):
        raise Invalid(f"invalid_value: {name} {str(value)[:40]!r} is not a finite number")
    number = float(value)
    if (low is not None and number < low) or (high is not None and number > high):
        raise Invalid(f"out_of_range: {name} {number} outside the physical range [{low}, {high}]")
    return number


def _validate(station: StationRef, item: dict[str, Any], epoch: float | None, latest: datetime) -> ValidReading:
    observed_at = epoch_time(epoch) if epoch is not None else parse_time(item.get("ts"))
    if observed_at > latest:
        raise Invalid(f"future_time: {observed_at.isoformat()} is ahead of the hub clock")
    level = _number(item, "water_level_m", station.min_valid_m, station.max_valid_m)
    rain = _number(item, "rain_mm_10min", *RAIN_RANGE_MM)
    battery = _number(item, "battery_v", *BATTERY_RANGE_V)
    if level is None and rain is None and battery is None:
        raise Invalid("invalid_value: no water_level_m, rain_mm_10min or battery_v")
    seq = item.get("seq")
    if seq is not None and (type(seq) is not int or not 0 <= seq <= MAX_SEQ):
        raise Invalid(f"invalid_value: seq {str(seq)[:40]!r} is not an integer in [0, 2^63)")
    return ValidReading(station.id, observed_at, level, rain, battery, seq)
