"""Query parameters the public map reads share: a WGS 84 bounding box and a web-map zoom."""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import Query

from hub.errors import FieldError

BBOX_PATTERN: Final = r"^[-0-9.,eE+]+$"
BBoxQuery = Annotated[
    str | None, Query(description="minlon,minlat,maxlon,maxlat (WGS 84)", pattern=BBOX_PATTERN, max_length=200)
]
MAX_ZOOM: Final = 22


def zoom_query() -> Any:
    """The `zoom` query parameter's declaration: a web-map zoom 0…MAX_ZOOM the geometry is simplified for."""
    return Query(ge=0, le=MAX_ZOOM, description="web-map zoom the geometry is simplified for")


#: An optional zoom (None: full detail).
ZoomQuery = Annotated[int | None, zoom_query()]


def parse_bbox(bbox: str | None, *, field: str = "query.bbox") -> tuple[float, float, float, float] | None:
    """'minlon,minlat,maxlon,maxlat' → a tuple; FieldError (422) naming the field when malformed."""
    if bbox is None:
        return None
    try:
        values = tuple(float(v) for v in bbox.split(","))
    except ValueError:
        values = ()
    if len(values) != 4 or not (values[0] <= values[2] and values[1] <= values[3]):
        raise FieldError(field, "bbox must be minlon,minlat,maxlon,maxlat with min ≤ max")
    if not (values[0] >= -180 and values[2] <= 180 and values[1] >= -90 and values[3] <= 90):
        raise FieldError(field, "bbox coordinates out of range (lon -180…180, lat -90…90)")
    return (values[0], values[1], values[2], values[3])
