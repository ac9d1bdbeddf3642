"""Public gauge reads: stations with the latest reading and 警戒レベル相当, and reading series."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Final, Literal

from fastapi import APIRouter, Path, Query, Request
from sqlalchemy import select
from starlette.responses import Response

from hub.api.caching import JSON, MAX_AGE_SENSOR_S, GeoJSONResponse, cached_json
from hub.api.deps import SessionDep
from hub.api.geojson_docs import Readings, geojson_doc
from hub.api.params import BBoxQuery, parse_bbox
from hub.api.problems import ProblemError
from hub.api.security import ClockDep
from hub.errors import FieldError
from hub.stations import queries as queries_stations
from hub.stations.models import STATION_KINDS, Station

router = APIRouter(prefix="/api/stations", tags=["river gauges"])
StationKind = Literal[STATION_KINDS]  # type: ignore[valid-type]
DEFAULT_RANGE: Final = timedelta(hours=24)
MAX_RANGE: Final = timedelta(days=400)
#: Instants outside these years are refused (they are typos, and would overflow date arithmetic).
YEARS: Final = (1900, 2200)


def _instant(value: datetime | None, field: str) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        raise FieldError(field, "give a UTC offset, e.g. 2026-09-11T18:00:00+09:00")
    if not YEARS[0] <= value.year <= YEARS[1]:
        raise FieldError(field, f"year must be between {YEARS[0]} and {YEARS[1]}")
    return value.astimezone(UTC)


@router.get(
    "",
    summary="Gauges with the latest reading, level band, 警戒レベル相当, trend and stale flag",
    response_class=GeoJSONResponse,
    responses=geojson_doc(),
)
def list_stations(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    bbox: BBoxQuery = None,
    kind: Annotated[StationKind | None, Query()] = None,
    area: Annotated[str | None, Query(description="area code (ward or town block)", max_length=32)] = None,
    alert_level_min: Annotated[int | None, Query(ge=1, le=5, description="only gauges at this level or above")] = None,
) -> Response:
    """Every matching gauge; the level is computed from its latest reading and its thresholds."""
    features = queries_stations.station_features(session, now=clock(), bbox=parse_bbox(bbox), kind=kind, area_code=area)
    if alert_level_min is not None:
        features = [f for f in features if (f["properties"]["alert_level"] or 0) >= alert_level_min]
    body = {"type": "FeatureCollection", "numberReturned": len(features), "features": features}
    return cached_json(request, body, max_age=MAX_AGE_SENSOR_S)


@router.get(
    "/{code}/readings",
    summary="Readings of a gauge over a time range (averaged per bucket for long ranges)",
    responses={200: {"model": Readings}, 304: {"description": "Not Modified"}},
)
def station_readings(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    code: Annotated[str, Path(min_length=1, max_length=32)],
    start: Annotated[datetime | None, Query(alias="from", description="start (ISO 8601 with offset)")] = None,
    end: Annotated[datetime | None, Query(alias="to", description="end, exclusive (default: now)")] = None,
) -> Response:
    """Raw readings up to a week; beyond, average/min/max water level and summed rain per bucket."""
    station = session.scalar(select(Station).where(Station.code == code))
    if station is None:
        raise ProblemError(404, f"no station with code {code!r}")
    stop = _instant(end, "query.to") or clock().astimezone(UTC)
    begin = _instant(start, "query.from") or stop - DEFAULT_RANGE
    if begin >= stop:
        raise FieldError("query.from", "from must be before to")
    if stop - begin > MAX_RANGE:
        raise FieldError("query.from", f"the range may span at most {MAX_RANGE.days} days")
    bucket, readings = queries_stations.station_readings(session, station_id=station.id, start=begin, end=stop)
    [feature] = queries_stations.station_features(session, now=clock(), code=code)
    body = {
        "station": feature["properties"],
        "from": begin,
        "to": stop,
        "bucket_s": bucket,
        "readings": readings,
    }
    return cached_json(request, body, max_age=MAX_AGE_SENSOR_S, media_type=JSON)
