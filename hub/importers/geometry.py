"""Geometry checks for importers: parse GeoJSON, repair invalid polygons, force multi types."""

from __future__ import annotations

from typing import Any

import shapely
from shapely.geometry import MultiLineString, MultiPolygon, shape
from shapely.geometry.base import BaseGeometry

from hub.importers.common import RowError

LON_RANGE = (-180.0, 180.0)
LAT_RANGE = (-90.0, 90.0)


def _in_range(geom: BaseGeometry) -> bool:
    minx, miny, maxx, maxy = geom.bounds
    return bool(LON_RANGE[0] <= minx <= maxx <= LON_RANGE[1] and LAT_RANGE[0] <= miny <= maxy <= LAT_RANGE[1])


def polygonal(
    geometry: Any, *, file: str, row: int, errors: list[RowError], warnings: list[RowError]
) -> MultiPolygon | None:
    """A valid MultiPolygon from a GeoJSON geometry; invalid ones are repaired (ST_MakeValid's algorithm)."""
    try:
        geom = shape(geometry)
    except Exception as exc:  # shapely raises several types for malformed input
        errors.append(RowError(file, row, "geometry", f"unreadable geometry: {exc}"))
        return None
    if geom.is_empty or geom.geom_type not in {"Polygon", "MultiPolygon"}:
        errors.append(RowError(file, row, "geometry", f"expected a (Multi)Polygon, got {geom.geom_type}"))
        return None
    if not _in_range(geom):
        errors.append(RowError(file, row, "geometry", f"coordinates out of lon/lat range: {geom.bounds}"))
        return None
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        geom = shapely.make_valid(geom)
        warnings.append(RowError(file, row, "geometry", f"invalid polygon repaired ({reason})"))
    parts = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type in {"Polygon", "MultiPolygon"}]
    polygons = [p for part in parts for p in getattr(part, "geoms", [part])]
    if not polygons:
        errors.append(RowError(file, row, "geometry", "no area left after repair"))
        return None
    return MultiPolygon(polygons)


def lineal(geometry: Any, *, file: str, row: int, errors: list[RowError]) -> MultiLineString | None:
    """A MultiLineString from a GeoJSON (Multi)LineString."""
    try:
        geom = shape(geometry)
    except Exception as exc:  # shapely raises several types for malformed input
        errors.append(RowError(file, row, "geometry", f"unreadable geometry: {exc}"))
        return None
    if geom.geom_type == "LineString":
        return MultiLineString([geom])
    if geom.geom_type == "MultiLineString":
        return geom
    errors.append(RowError(file, row, "geometry", f"expected a (Multi)LineString, got {geom.geom_type}"))
    return None


def ewkt(geom: BaseGeometry) -> str:
    """EWKT in SRID 4326 for a geometry column."""
    return f"SRID=4326;{geom.wkt}"
