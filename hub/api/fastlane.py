"""The nearest-shelter read without the framework: the request residents' phones send most in a disaster.

`GET /api/shelters/nearest` stays a FastAPI route: it is the documented contract (OpenAPI, validation,
problem+json). `NearestLane` sits inside every middleware (CORS, rate limits, size limits, gzip) and
answers the plainly valid requests itself — the same query generator, the same JSON, the same ETag
and headers — without routing, dependency solving or per-parameter validation, on its own asyncpg
pool. A request it does not fully understand (an unknown, repeated, percent-encoded or unusual
parameter, a value out of range) goes on to the route, and so does one whose read fails before a byte
is sent; the route then answers exactly as it would have alone.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Final

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from hub import queries_public
from hub.api.caching import GEOJSON, MAX_AGE_LIVE_S, cached, dump_json
from hub.api.lane_pool import LanePool
from hub.api.routers.shelters import DEFAULT_NEAREST, MAX_NEAREST, nearest_collection
from hub.models import HAZARDS, SHELTER_KINDS

log = logging.getLogger(__name__)

NEAREST_PATH: Final = "/api/shelters/nearest"
#: Plain decimals only: what pydantic would also take ("1e1", " 1", "+1", "nan") is left to the route.
DECIMAL: Final = re.compile(rb"-?\d{1,3}(?:\.\d{1,17})?")
LIMIT: Final = re.compile(rb"[1-9]\d?")
BOOLEANS: Final = {b"true": True, b"false": False}
HAZARD_NAMES: Final = {name.encode(): name for name in HAZARDS}
KIND_NAMES: Final = {name.encode(): name for name in SHELTER_KINDS}


@dataclass(frozen=True, slots=True)
class NearestParams:
    """The parameters of one nearest-shelter request, as the route would have validated them."""

    lat: float
    lon: float
    hazard: str | None = None
    kind: str | None = None
    limit: int = DEFAULT_NEAREST
    open_only: bool = False


def parse_nearest(query_string: bytes) -> NearestParams | None:
    """The request's parameters when they are plainly valid; None leaves the request to the route."""
    fields: dict[bytes, bytes] = {}
    for pair in query_string.split(b"&"):
        name, equals, value = pair.partition(b"=")
        if not equals or name in fields or b"%" in pair or b"+" in pair:
            return None
        fields[name] = value
    lat, lon = _coordinate(fields.pop(b"lat", b""), 90), _coordinate(fields.pop(b"lon", b""), 180)
    raw_hazard, raw_kind = fields.pop(b"hazard", None), fields.pop(b"kind", None)
    hazard = None if raw_hazard is None else HAZARD_NAMES.get(raw_hazard)
    kind = None if raw_kind is None else KIND_NAMES.get(raw_kind)
    limit = _limit(fields.pop(b"limit", None))
    open_only = BOOLEANS.get(fields.pop(b"open_only", b"false"))
    if fields or lat is None or lon is None or limit is None or open_only is None:
        return None
    if (raw_hazard is not None and hazard is None) or (raw_kind is not None and kind is None):
        return None
    return NearestParams(lat, lon, hazard, kind, limit, open_only)


def _coordinate(raw: bytes, bound: int) -> float | None:
    if not DECIMAL.fullmatch(raw):
        return None
    value = float(raw)
    return value if -bound <= value <= bound else None


def _limit(raw: bytes | None) -> int | None:
    if raw is None:
        return DEFAULT_NEAREST
    return int(raw) if LIMIT.fullmatch(raw) and int(raw) <= MAX_NEAREST else None


class NearestLane:
    """ASGI middleware answering plainly valid nearest-shelter reads directly (see the module docstring)."""

    def __init__(self, app: ASGIApp, *, pool: LanePool) -> None:
        self.app = app
        self.pool = pool

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer a plain nearest read; pass everything else on."""
        params = None
        if scope["type"] == "http" and scope["path"] == NEAREST_PATH and scope["method"] == "GET":  # as the route
            params = parse_nearest(scope["query_string"])
        if params is None:
            await self.app(scope, receive, send)
            return
        try:
            body = await self._body(params)
        except Exception:  # nothing is sent yet: the route answers, with its own retries and errors
            log.warning("nearest lane read failed; the route answers", exc_info=True)
            await self.app(scope, receive, send)
            return
        response = cached(Request(scope), body, media_type=GEOJSON, max_age=MAX_AGE_LIVE_S)  # as the route's
        await response(scope, receive, send)

    async def _body(self, params: NearestParams) -> bytes:
        query = queries_public.nearest_features_query(
            lat=params.lat,
            lon=params.lon,
            limit=params.limit,
            hazards=[params.hazard] if params.hazard else [],
            kind=params.kind,
            open_only=params.open_only,
        )
        features = await self.pool.query(query)
        return dump_json(
            nearest_collection(
                lat=params.lat,
                lon=params.lon,
                hazard=params.hazard,
                kind=params.kind,
                open_only=params.open_only,
                features=features,
            )
        )
