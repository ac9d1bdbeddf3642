"""The hub's own ASGI middleware helpers: NUL refusal and the bearer token a rate limit looks at."""

from __future__ import annotations

from typing import Any

import pytest

from hub.api.middleware import bearer_token, nul_field


def scope(path: str = "/api/shelters", query: bytes = b"", headers: list[tuple[bytes, bytes]] | None = None) -> Any:
    return {"type": "http", "path": path, "query_string": query, "headers": headers or []}


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("/api/shelters", b"kind=designated_evacuation_center&hazard=flood", None),
        ("/api/shelters", b"", None),
        ("/api/shelters", b"name=%E5%93%81%E5%B7%9D", None),  # percent-encoded text without a NUL
        ("/api/shelters", b"kind=a%00b", "query.kind"),
        ("/api/shelters", b"ki%00nd=a", "query.kind"),
        ("/api/shelters", b"kind=%000", "query.kind"),
        ("/api/shelters", b"kind=a\x00b", "query.kind"),
        ("/api/shel\x00ters", b"", "path"),
    ],
)
def test_nul_is_found_raw_or_percent_encoded(path: str, query: bytes, field: str | None) -> None:
    assert nul_field(scope(path, query)) == field


def test_the_first_authorization_header_counts_as_in_the_routes() -> None:
    headers = [(b"host", b"x"), (b"authorization", b"Bearer first"), (b"authorization", b"Bearer second")]
    assert bearer_token(scope(headers=headers)) == "first"
    assert bearer_token(scope(headers=[(b"authorization", b"Basic abc")])) is None
    assert bearer_token(scope()) is None
