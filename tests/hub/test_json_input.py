"""JSON from outside: bounded nesting and no NUL, checked without recursion (pure)."""

from __future__ import annotations

import json

import pytest

from hub.json_input import MAX_DEPTH, JsonInputError, parse_json


@pytest.mark.parametrize(
    ("text", "field", "reason"),
    [
        ('{"a": {"b": ["x", "y\\u0000"]}}', "a.b.1", "NUL"),
        ('{"a\\u0000b": 1}', "ab", "NUL"),
        ("[" * 100_000 + "]" * 100_000, "", "nested deeper"),
        ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "0" + ".0" * (MAX_DEPTH - 1), "nested deeper"),
    ],
)
def test_refused(text: str, field: str, reason: str) -> None:
    with pytest.raises(JsonInputError) as refused:
        parse_json(text)
    assert refused.value.field == field and reason in refused.value.reason


def test_accepted_as_parsed() -> None:
    inner = MAX_DEPTH - 1  # the object is the first level
    text = '{"a": "\\\\u0000 is six characters here", "b": ' + "[" * inner + "]" * inner + "}"
    assert parse_json(text) == json.loads(text)
    with pytest.raises(json.JSONDecodeError):
        parse_json("{")
