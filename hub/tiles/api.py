"""Vector tiles (Mapbox Vector Tile 2.1) of the public layers for the map."""

from __future__ import annotations

from typing import Annotated, Final, Literal

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from hub.api.caching import MAX_AGE_LIVE_S, MAX_AGE_REFERENCE_S, cached
from hub.api.deps import ReaderDep
from hub.errors import FieldError
from hub.tiles import queries as queries_tiles

router = APIRouter(prefix="/tiles", tags=["vector tiles"])
MVT: Final = "application/vnd.mapbox-vector-tile"
Layer = Literal["hazard-zones", "inundation", "areas", "rivers", "shelters"]
#: Layers that change while a disaster unfolds are cached briefly; the others for an hour.
LIVE_LAYERS: Final = frozenset({"shelters"})
TILE_INDEX: Final = 2**queries_tiles.MAX_ZOOM - 1
FILTER_DOC: Final = "; ".join(f"{name}: {meaning}" for name, meaning in queries_tiles.FILTER_MEANING.items())


@router.get(
    "/{layer}/{z}/{x}/{y}.mvt",
    summary="One vector tile of a layer (hazard-zones, inundation, areas, rivers, shelters)",
    response_class=Response,
    responses={200: {"content": {MVT: {}}, "description": "the tile (empty when nothing is there)"}, 304: {}},
)
async def vector_tile(
    request: Request,
    reader: ReaderDep,
    layer: Layer,
    z: Annotated[int, Path(ge=0, le=queries_tiles.MAX_ZOOM)],
    x: Annotated[int, Path(ge=0, le=TILE_INDEX)],
    y: Annotated[int, Path(ge=0, le=TILE_INDEX)],
    filter: Annotated[str | None, Query(max_length=32, description=FILTER_DOC)] = None,
) -> Response:
    """Features of the layer in tile z/x/y (XYZ / Web Mercator), geometry clipped with a buffer."""
    if x >= 2**z:
        raise FieldError("path.x", f"x must be below {2**z} at zoom {z}")
    if y >= 2**z:
        raise FieldError("path.y", f"y must be below {2**z} at zoom {z}")
    definition = queries_tiles.LAYERS[layer]
    if filter is not None and definition.filter_column is None:
        raise FieldError("query.filter", f"layer {layer} has no filter")
    data = await reader.run(lambda session: queries_tiles.tile(session, layer=definition, z=z, x=x, y=y, value=filter))
    max_age = MAX_AGE_LIVE_S if layer in LIVE_LAYERS else MAX_AGE_REFERENCE_S
    return cached(request, data, media_type=MVT, max_age=max_age)
