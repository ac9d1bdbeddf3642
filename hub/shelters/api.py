"""Public shelter reads (GeoJSON): filtered list, nearest by the KNN index, one shelter."""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from hub.api.caching import MAX_AGE_LIVE_S, GeoJSONResponse, cached_json
from hub.api.deps import ReaderDep, SessionDep
from hub.api.geojson_docs import Feature, geojson_doc
from hub.api.params import BBoxQuery, parse_bbox
from hub.api.problems import ProblemError
from hub.errors import FieldError
from hub.shelters import queries as queries_public
from hub.shelters.models import HAZARDS, SHELTER_KINDS, SHELTER_STATUSES

router = APIRouter(prefix="/api/shelters", tags=["shelters"])

Hazard = Literal[HAZARDS]  # type: ignore[valid-type]
Kind = Literal[SHELTER_KINDS]  # type: ignore[valid-type]
Status = Literal[SHELTER_STATUSES]  # type: ignore[valid-type]
MAX_PAGE: Final = 10_000
MAX_NEAREST: Final = 50
DEFAULT_NEAREST: Final = 5


@router.get(
    "",
    summary="Shelters as a GeoJSON FeatureCollection",
    response_class=GeoJSONResponse,
    responses=geojson_doc(),
)
def list_shelters(
    request: Request,
    session: SessionDep,
    kind: Annotated[Kind | None, Query(description="shelter kind")] = None,
    hazard: Annotated[Hazard | None, Query(description="only shelters designated safe for this hazard")] = None,
    status: Annotated[Status | None, Query()] = None,
    bbox: BBoxQuery = None,
    area: Annotated[str | None, Query(description="area code (ward or town block)", max_length=32)] = None,
    limit: Annotated[int | None, Query(ge=1, le=MAX_PAGE, description="page size (default: all)")] = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Response:
    """Every shelter matching all filters, ordered by id, with its crowding step (no staff data)."""
    if area is not None and not queries_public.area_exists(session, code=area):
        raise FieldError("query.area", f"no area with code {area!r}")
    features = queries_public.shelter_features(
        session,
        kind=kind,
        hazard=hazard,
        status=status,
        bbox=parse_bbox(bbox),
        area_code=area,
        limit=limit,
        offset=offset,
    )
    body = {"type": "FeatureCollection", "numberReturned": len(features), "features": features}
    if limit is None and offset == 0:
        body["numberMatched"] = len(features)
    return cached_json(request, body, max_age=MAX_AGE_LIVE_S)


@router.get(
    "/nearest",
    summary="The nearest shelters designated for a hazard, with the distance in metres",
    response_class=GeoJSONResponse,
    responses=geojson_doc(),
)
async def nearest_shelters(
    request: Request,
    reader: ReaderDep,
    lat: Annotated[float, Query(ge=-90, le=90, description="latitude (WGS 84)")],
    lon: Annotated[float, Query(ge=-180, le=180, description="longitude (WGS 84)")],
    hazard: Annotated[Hazard | None, Query(description="exclude shelters not designated for this hazard")] = None,
    kind: Annotated[Kind | None, Query(description="only this kind of shelter")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_NEAREST)] = DEFAULT_NEAREST,
    open_only: Annotated[bool, Query(description="only shelters open now (not full, not closed)")] = False,
) -> Response:
    """Nearest first by straight-line (geodesic) distance, found with the GiST KNN index."""
    features = await reader.query(
        queries_public.nearest_features_query(
            lat=lat, lon=lon, limit=limit, hazards=[hazard] if hazard else [], kind=kind, open_only=open_only
        )
    )
    body = nearest_collection(lat=lat, lon=lon, hazard=hazard, kind=kind, open_only=open_only, features=features)
    return cached_json(request, body, max_age=MAX_AGE_LIVE_S)


def nearest_collection(
    *, lat: float, lon: float, hazard: str | None, kind: str | None, open_only: bool, features: list[dict[str, Any]]
) -> dict[str, Any]:
    """The nearest-shelter answer."""
    return {
        "type": "FeatureCollection",
        "query": {"lat": lat, "lon": lon, "hazard": hazard, "kind": kind, "open_only": open_only},
        "numberReturned": len(features),
        "features": features,
    }


@router.get(
    "/{shelter_id}",
    summary="One shelter as a GeoJSON Feature",
    response_class=GeoJSONResponse,
    responses=geojson_doc(Feature),
)
async def one_shelter(
    request: Request, reader: ReaderDep, shelter_id: Annotated[int, Path(ge=1, le=2**31 - 1)]
) -> Response:
    """The shelter with its live status and crowding; 404 when unknown."""
    feature = await reader.query(queries_public.shelter_query(shelter_id=shelter_id))
    if feature is None:
        raise ProblemError(404, f"no shelter with id {shelter_id}")
    return cached_json(request, feature, max_age=MAX_AGE_LIVE_S)
