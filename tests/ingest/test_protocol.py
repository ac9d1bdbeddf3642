"""The sensor protocol parser: property-based (hypothesis) and one case per rejection."""

import json
import math
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingest.protocol import (
    FAST_TIME_LENGTHS,
    RFC3339,
    Invalid,
    Parsed,
    StationRef,
    _fast_time,
    decode_json,
    parse_message,
    parse_time,
    parse_topic,
)

NOW = datetime(2026, 7, 18, 2, 10, tzinfo=UTC)
STATION = StationRef(id=7, code="0900000067", min_valid_m=-13.16, max_valid_m=33.08)
STATIONS = {STATION.code: STATION}
TOPIC = "sensors/0900000067/readings"


def parse(payload: bytes | str, topic: str = TOPIC) -> Parsed:
    raw = payload.encode() if isinstance(payload, str) else payload
    return parse_message(topic, raw, stations=STATIONS, now=NOW)


zones = st.builds(lambda m: timezone(timedelta(minutes=m)), st.integers(-12 * 60, 14 * 60))
times = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2026, 7, 17), timezones=zones)
levels = st.floats(min_value=-13.16, max_value=33.08, allow_nan=False)
optional = st.one_of(st.none(), st.floats(min_value=0, max_value=300, allow_nan=False))
readings = st.fixed_dictionaries(
    {"ts": times, "water_level_m": levels},
    optional={
        "rain_mm_10min": optional,
        "battery_v": st.one_of(st.none(), st.floats(min_value=0, max_value=60, allow_nan=False)),
        "seq": st.one_of(st.none(), st.integers(0, 2**63 - 1)),
    },
)


def wire(reading: dict[str, object]) -> dict[str, object]:
    return {**reading, "ts": reading["ts"].isoformat()}  # type: ignore[attr-defined]


@given(readings)
def test_a_valid_reading_round_trips(reading: dict[str, object]) -> None:
    parsed = parse(json.dumps(wire(reading)))
    assert parsed.rejections == []
    (got,) = parsed.readings
    assert got.station_id == STATION.id
    assert got.observed_at == reading["ts"]
    assert got.water_level_m == reading["water_level_m"]
    assert got.rain_mm_10min == reading.get("rain_mm_10min")
    assert got.battery_v == reading.get("battery_v")
    assert got.seq == reading.get("seq")


@given(st.lists(readings, min_size=1, max_size=50))
def test_a_batch_keeps_every_reading_in_order(batch: list[dict[str, object]]) -> None:
    parsed = parse(json.dumps([wire(r) for r in batch]))
    assert parsed.rejections == []
    assert [r.observed_at for r in parsed.readings] == [r["ts"] for r in batch]


@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(payload: bytes) -> None:
    parsed = parse(payload)
    assert parsed.readings or parsed.rejections


@given(
    st.recursive(
        st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=30),
        lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
        max_leaves=20,
    )
)
def test_arbitrary_json_is_stored_or_rejected_with_a_reason(document: object) -> None:
    parsed = parse(json.dumps(document, allow_nan=True))
    assert all(":" in reason for reason in parsed.rejections)
    for reading in parsed.readings:
        assert reading.observed_at.tzinfo is not None
        assert reading.observed_at <= NOW + timedelta(minutes=5)
        assert reading.water_level_m is None or -13.16 <= reading.water_level_m <= 33.08


@given(readings, st.integers(1, 5))
def test_one_bad_item_does_not_reject_its_batch(reading: dict[str, object], bad_at: int) -> None:
    batch = [wire(reading)] * 6
    batch[bad_at] = {"ts": "yesterday", "water_level_m": 1.0}
    parsed = parse(json.dumps(batch))
    assert len(parsed.readings) == 5
    assert parsed.rejections == [f"invalid_time: 'yesterday' is not an RFC 3339 time with a zone (item {bad_at})"]


@pytest.mark.parametrize(
    ("topic", "payload", "reason"),
    [
        ("sensors/nosuch/readings", '{"ts": "2026-07-18T02:00:00Z", "water_level_m": 1}', "unknown_station: 'nosuch'"),
        ("sensors/0900000067/other", "{}", "unknown_topic:"),
        ("elsewhere/0900000067/readings", "{}", "unknown_topic:"),
        (TOPIC, '{"ts": ', "malformed_json:"),
        (TOPIC, b"\xff\xfe", "malformed_json:"),
        (TOPIC, '{"ts": "2026-07-18T02:00:00Z", "water_level_m": NaN}', "malformed_json: NaN is not valid JSON"),
        (TOPIC, '"hello"', "invalid_payload: expected a JSON object or array, got str"),
        (TOPIC, "[]", "invalid_payload: empty array"),
        (TOPIC, "[1]", "invalid_payload: item 0 is int, not an object"),
        (TOPIC, '{"water_level_m": 1.0}', "invalid_time: ts is missing"),
        (TOPIC, '{"ts": "2026-07-18T02:00:00", "water_level_m": 1.0}', "invalid_time: '2026-07-18T02:00:00' is not"),
        (TOPIC, '{"ts": "2026-07-18", "water_level_m": 1.0}', "invalid_time:"),
        (TOPIC, '{"ts": 1784340000, "water_level_m": 1.0}', "invalid_time:"),
        (TOPIC, '{"ts": "2026-02-30T02:00:00Z", "water_level_m": 1.0}', "invalid_time:"),
        (TOPIC, '{"ts": "2026-07-18T02:16:00Z", "water_level_m": 1.0}', "future_time: 2026-07-18T02:16:00+00:00"),
        (TOPIC, '{"ts": "2026-07-18T02:00:00Z", "water_level_m": 40.5}', "out_of_range: water_level_m 40.5"),
        (TOPIC, '{"ts": "2026-07-18T02:00:00Z", "water_level_m": -20}', "out_of_range: water_level_m -20.0"),
        (TOPIC, '{"ts": "2026-07-18T02:00:00Z", "rain_mm_10min": -1}', "out_of_range: rain_mm_10min -1.0"),
        (TOPIC, '{"ts": "2026-07-18T02:00:00Z", "water_level_m": "1.0"}', "invalid_value: water_level_m '1.0'"),
        (TOPIC, '{"ts": "2026-07-18T02:00:00Z", "water_level_m": true}', "invalid_value: water_level_m 'True'"),
        (TOPIC, '{"ts": "2026-07-18T02:00:00Z", "water_level_m": 1e400}', "invalid_value: water_level_m 'inf'"),
        (TOPIC, '{"ts": "2026-07-18T02:00:00Z"}', "invalid_value: no water_level_m"),
        (TOPIC, '{"ts": "2026-07-18T02:00:00Z", "water_level_m": 1, "seq": -1}', "invalid_value: seq '-1'"),
        (TOPIC, '{"ts": "2026-07-18T02:00:00Z", "water_level_m": 1, "seq": 1.5}', "invalid_value: seq '1.5'"),
        ("sensors/0900000067/status", "maybe", "invalid_status: 'maybe'"),
    ],
)
def test_each_bad_case_has_a_reason(topic: str, payload: str | bytes, reason: str) -> None:
    parsed = parse(payload, topic)
    assert parsed.readings == []
    assert len(parsed.rejections) == 1
    assert parsed.reason.startswith(reason)


def test_rfc3339_variants() -> None:
    for ts in (
        "2026-07-18T11:00:00+09:00",
        "2026-07-18T02:00:00Z",
        "2026-07-18t02:00:00z",
        "2026-07-18 02:00:00.123456789+00:00",
    ):
        (reading,) = parse(json.dumps({"ts": ts, "water_level_m": 1.0})).readings
        assert reading.observed_at.replace(microsecond=0) == datetime(2026, 7, 18, 2, tzinfo=UTC)


def test_senml_pack() -> None:
    t = datetime(2026, 7, 18, 2, 0, tzinfo=UTC).timestamp()
    pack = [
        {"bn": "urn:dev:bosai:0900000067:", "bt": t, "n": "water_level", "u": "m", "v": 18.1},
        {"n": "rain", "u": "mm", "v": 12.5},
        {"n": "battery", "u": "V", "v": 12.4},
        {"n": "temperature", "u": "Cel", "v": 24.0},
        {"n": "water_level", "u": "m", "t": 600, "v": 18.02},
    ]
    parsed = parse(json.dumps(pack))
    assert parsed.rejections == []
    first, second = parsed.readings
    assert (first.observed_at, first.water_level_m, first.rain_mm_10min, first.battery_v) == (
        datetime(2026, 7, 18, 2, tzinfo=UTC),
        18.1,
        12.5,
        12.4,
    )
    assert (second.observed_at, second.water_level_m) == (datetime(2026, 7, 18, 2, 10, tzinfo=UTC), 18.02)


@pytest.mark.parametrize(
    ("pack", "reason"),
    [
        ([{"n": "water_level", "u": "cm", "v": 181, "t": 1784340000}], "invalid_value: record 0 water_level unit 'cm'"),
        ([{"n": "water_level", "u": "m", "v": 1.0}], "invalid_time: record 0 has a relative time"),
        ([{"n": "water_level", "u": "m", "v": 1.0, "t": -60}], "invalid_time: record 0 has a relative time"),
        ([{"n": "temperature", "u": "Cel", "v": 24.0, "t": 1784340000}], "invalid_payload: SenML pack without"),
        ([{"n": 5, "v": 1.0}], "invalid_payload: record 0 n must be a string"),
        (
            [
                {"n": "water_level", "u": "m", "v": 1, "t": 1784340000},
                {"n": "water_level", "u": "m", "v": 2, "t": 1784340000},
            ],
            "invalid_payload: record 1 repeats water_level",
        ),
    ],
)
def test_bad_senml(pack: list[dict[str, object]], reason: str) -> None:
    assert parse(json.dumps(pack)).reason.startswith(reason)


@pytest.mark.parametrize(("payload", "status"), [(b"online", "online"), (b"offline\n", "offline"), (b"", None)])
def test_status(payload: bytes, status: str | None) -> None:
    parsed = parse(payload, "sensors/0900000067/status")
    assert (parsed.status, parsed.rejections, parsed.station_id) == (status, [], STATION.id)


def test_topics() -> None:
    assert parse_topic("sensors/A1/readings") == ("A1", "readings")
    assert parse_topic("t/x/sensors/A1/status", "t/x/sensors") == ("A1", "status")
    assert parse_topic("sensors//readings") is None
    assert parse_topic("sensors/A1/readings/extra") is None


def test_long_reason_lists_are_cut() -> None:
    parsed = parse(json.dumps([{"ts": "bad"}] * 30))
    assert parsed.reason.endswith("; (10 more)")
    assert math.isclose(len(parsed.rejections), 30)


def _regex_time(value: str) -> datetime | None:
    """parse_time's general path: the RFC 3339 expression, then fromisoformat."""
    if not RFC3339.fullmatch(value):
        return None
    try:
        return datetime.fromisoformat(value.upper().replace(" ", "T"))
    except ValueError:
        return None


@given(
    st.sampled_from(["2026-07-18T02:00:00Z", "2026-07-18T02:00:00+09:00", "2026-07-18T02:00:00.123456-03:30"]),
    st.lists(st.tuples(st.integers(0, 40), st.sampled_from("0123456789-:T.Z+ ,Wtz٣")), max_size=3),
)
def test_the_fast_time_path_accepts_only_what_the_expression_accepts(base: str, edits: list[tuple[int, str]]) -> None:
    chars = list(base)
    for at, char in edits:
        chars[at % len(chars)] = char
    value = "".join(chars)
    fast = _fast_time(value) if len(value) in FAST_TIME_LENGTHS else None
    if fast is not None:
        assert fast == _regex_time(value)
    try:
        assert parse_time(value) == _regex_time(value)
    except Invalid:
        assert _regex_time(value) is None


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (b'{"a": [1, 2.5, "x", null, true]}', {"a": [1, 2.5, "x", None, True]}),
        (b'"\\ud800"', "\ud800"),  # a lone surrogate: refused by orjson, accepted by the standard decoder
    ],
)
def test_json_decoding_matches_the_standard_decoder(payload: bytes, expected: object) -> None:
    assert decode_json(payload) == expected == json.loads(payload)


def test_a_seq_beyond_64_bits_is_rejected() -> None:
    parsed = parse(b'{"ts": "2026-07-18T02:00:00Z", "water_level_m": 1.0, "seq": 18446744073709551616}')
    assert parsed.readings == []
    assert parsed.reason.startswith("invalid_value: seq")
