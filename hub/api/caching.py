"""Cacheable public reads: a strong ETag over the body, Cache-Control, and 304 on If-None-Match."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any, Final

import orjson
from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

GEOJSON: Final = "application/geo+json"
JSON: Final = "application/json"
#: Seconds a client or proxy may reuse each kind of public read without asking again.
MAX_AGE_LIVE_S: Final = 15  # shelter status, crowding, nearest, point info
MAX_AGE_SENSOR_S: Final = 60  # gauges report every 10 minutes at best
MAX_AGE_REFERENCE_S: Final = 3600  # hazard zones, flood history, boundaries, rivers
MAX_AGE_DOWNLOAD_S: Final = 300  # open-data files
ETAG_HEX_CHARS: Final = 32


class GeoJSONResponse(JSONResponse):
    """A JSON response typed application/geo+json (documents the media type in OpenAPI)."""

    media_type = GEOJSON


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dump_json(payload: Any) -> bytes:
    """Compact UTF-8 JSON (orjson); dates and times in ISO 8601 as `isoformat()` writes them."""
    return orjson.dumps(payload, default=_default, option=orjson.OPT_NON_STR_KEYS)


def strong_etag(body: bytes) -> str:
    """A strong entity tag: a hash of the exact body."""
    return '"' + hashlib.sha256(body).hexdigest()[:ETAG_HEX_CHARS] + '"'


def none_match(header: str | None, etag: str) -> bool:
    """True when If-None-Match names this tag or '*' (weak comparison, RFC 9110 §13.1.2)."""
    if not header:
        return False
    wanted = etag.removeprefix("W/")
    return any(tag.strip() == "*" or tag.strip().removeprefix("W/") == wanted for tag in header.split(","))


def cached(request: Request, body: bytes, *, media_type: str, max_age: int, **headers: str) -> Response:
    """The body with ETag and Cache-Control, or 304 Not Modified when the client already has it."""
    etag = strong_etag(body)
    all_headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}"} | {
        name.replace("_", "-"): value for name, value in headers.items()
    }
    if request.method in ("GET", "HEAD") and none_match(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=all_headers)
    return Response(body, media_type=media_type, headers=all_headers)


def cached_json(request: Request, payload: Any, *, max_age: int, media_type: str = GEOJSON) -> Response:
    """A JSON payload as a cacheable response."""
    return cached(request, dump_json(payload), media_type=media_type, max_age=max_age)
