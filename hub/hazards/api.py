"""Public reference layers as GeoJSON: hazard zones, flood history, areas."""

from __future__ import annotations

from typing import Annotated, Final, Literal

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from hub.api.caching import GEOJSON, MAX_AGE_REFERENCE_S, GeoJSONResponse, cached
from hub.api.deps import SessionDep
from hub.api.geojson_docs import geojson_doc
from hub.api.params import BBoxQuery, ZoomQuery, parse_bbox, zoom_query
from hub.areas.models import AREA_KINDS
from hub.hazards import layers as queries_geo
from hub.hazards.models import HAZARD_ZONE_KINDS

router = APIRouter(prefix="/api", tags=["reference layers"])
ZoneKind = Literal[HAZARD_ZONE_KINDS]  # type: ignore[valid-type]
AreaKind = Literal[AREA_KINDS]  # type: ignore[valid-type]
MAX_ZONES: Final = 50_000
DEFAULT_ZONES: Final = 10_000
DEFAULT_ZONE_ZOOM: Final = 14


def _geojson(request: Request, collection: str) -> Response:
    return cached(request, collection.encode("utf-8"), media_type=GEOJSON, max_age=MAX_AGE_REFERENCE_S)


@router.get(
    "/hazard-zones",
    summary="Assumed hazard zones (flood depth ranks, storm surge, landslide…) as GeoJSON",
    response_class=GeoJSONResponse,
    responses=geojson_doc(),
)
def hazard_zones(
    request: Request,
    session: SessionDep,
    kind: Annotated[ZoneKind | None, Query()] = None,
    scenario: Annotated[str | None, Query(max_length=64, description="e.g. 想定最大規模 or 計画規模")] = None,
    bbox: BBoxQuery = None,
    zoom: Annotated[int, zoom_query()] = DEFAULT_ZONE_ZOOM,
    limit: Annotated[int, Query(ge=1, le=MAX_ZONES)] = DEFAULT_ZONES,
) -> Response:
    """Zones with the national depth rank and its label; geometry simplified for the zoom band."""
    body = queries_geo.hazard_zones_geojson(
        session, kind=kind, scenario=scenario, bbox=parse_bbox(bbox), zoom=zoom, limit=limit
    )
    return _geojson(request, body)


@router.get(
    "/inundation",
    summary="Flood history (浸水実績) by town block as GeoJSON",
    response_class=GeoJSONResponse,
    responses=geojson_doc(),
)
def inundation(
    request: Request,
    session: SessionDep,
    ward: Annotated[str | None, Query(pattern=r"^\d{5,6}$", description="ward code, e.g. 13109")] = None,
    bbox: BBoxQuery = None,
    zoom: ZoomQuery = None,
) -> Response:
    """Past floods with building counts or count classes; geometry null where the block is not mapped."""
    return _geojson(request, queries_geo.inundation_geojson(session, ward_code=ward, bbox=parse_bbox(bbox), zoom=zoom))


@router.get(
    "/areas",
    summary="Wards and town blocks as GeoJSON",
    response_class=GeoJSONResponse,
    responses=geojson_doc(),
)
def areas(
    request: Request,
    session: SessionDep,
    kind: Annotated[AreaKind | None, Query()] = None,
    parent: Annotated[str | None, Query(max_length=32, description="code of the parent area")] = None,
    bbox: BBoxQuery = None,
    zoom: ZoomQuery = None,
) -> Response:
    """Administrative boundaries, simplified for the zoom when one is given."""
    body = queries_geo.areas_geojson(session, kind=kind, parent_code=parent, bbox=parse_bbox(bbox), zoom=zoom)
    return _geojson(request, body)
