"""JSON from outside (request bodies, uploaded GeoJSON): parsed with bounded nesting, no NUL in any string (pure).

PostgreSQL stores no NUL character in text or jsonb, and recursive code (Python's json, shapely, our own
walkers) overflows on absurd nesting; both are refused here, once, as the client's error.
"""

from __future__ import annotations

import json
from typing import Any, Final

#: Deepest nesting accepted: a GeoJSON MultiPolygon inside a FeatureCollection is 8 levels deep.
MAX_DEPTH: Final = 64


class JsonInputError(ValueError):
    """JSON that parses but cannot be accepted; `field` is the dotted path of the offending value."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field or 'document'}: {reason}")
        self.field = field
        self.reason = reason


def parse_json(text: str | bytes) -> Any:
    """The parsed document; JSONDecodeError when it is not JSON, JsonInputError when it is unacceptable."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise JsonInputError("", f"nested deeper than {MAX_DEPTH} levels") from None
    check_value(value)
    return value


def check_value(value: Any) -> None:
    """Refuse nesting deeper than MAX_DEPTH and NUL characters in keys or strings (iterative: any depth)."""
    stack: list[tuple[Any, str, int]] = [(value, "", 1)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise JsonInputError(path, "must not contain a NUL character")
            continue
        if not isinstance(item, dict | list):
            continue
        if depth > MAX_DEPTH:
            raise JsonInputError(path, f"nested deeper than {MAX_DEPTH} levels")
        pairs = item.items() if isinstance(item, dict) else enumerate(item)
        for key, child in pairs:
            child_path = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and "\x00" in key:
                raise JsonInputError(child_path.replace("\x00", ""), "must not contain a NUL character")
            stack.append((child, child_path, depth + 1))
