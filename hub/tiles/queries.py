"""Mapbox Vector Tiles of the public layers from PostGIS (ST_AsMVT, ST_AsMVTGeom, ST_TileEnvelope)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import text
from sqlalchemy.orm import Session

from hub.hazards.layers import hazard_geometry_column

#: Tile extent (MVT units) and the buffer drawn around each tile so strokes join across tiles.
EXTENT: Final = 4096
BUFFER: Final = 64
#: The 4326 search box is the tile grown by this fraction, so the buffer's features are found.
MARGIN: Final = BUFFER / EXTENT
MAX_ZOOM: Final = 22


@dataclass(frozen=True)
class TileLayer:
    """One public layer served as vector tiles: where its rows and geometry are and what it carries."""

    name: str
    source: str
    geometry: str
    properties: str
    filter_column: str | None = None
    filter_is_array: bool = False
    zoom_bands: bool = False

    def geometry_for(self, zoom: int) -> str:
        """The geometry expression used at a zoom (hazard zones switch to their simplified copies)."""
        return f"z.{hazard_geometry_column(zoom)}" if self.zoom_bands else self.geometry


LAYERS: Final[dict[str, TileLayer]] = {
    layer.name: layer
    for layer in (
        TileLayer(
            "hazard-zones",
            "hazard_zones z",
            "z.geom",
            "z.id, z.kind, z.depth_rank, z.scenario, z.river_name, z.source",
            filter_column="z.kind",
            zoom_bands=True,
        ),
        TileLayer(
            "inundation",
            "inundation_records i LEFT JOIN areas a ON a.id = i.area_id",
            "COALESCE(i.geom, a.geom)",
            "i.id, i.event_name, CAST(i.event_date AS text) AS event_date, i.ward_code, i.town_name, "
            "i.above_floor, i.below_floor, i.count_class, i.count_class_ordinal, i.confidence",
            filter_column="i.ward_code",
        ),
        TileLayer(
            "areas",
            "areas a",
            "a.geom",
            "a.id, a.code, a.kind, a.name, a.name_en, a.parent_code",
            filter_column="a.kind",
        ),
        TileLayer("rivers", "rivers r", "r.geom", "r.id, r.name"),
        TileLayer(
            "shelters",
            "shelters s",
            "s.location",
            "s.id, s.name, s.name_en, array_to_string(s.kinds, ',') AS kinds, "
            "array_to_string(s.hazards, ',') AS hazards, s.status, s.capacity, s.occupancy",
            filter_column="s.hazards",
            filter_is_array=True,
        ),
    )
}
#: What the `filter` value of each layer means, for the API documentation.
FILTER_MEANING: Final = {
    "hazard-zones": "zone kind (e.g. river_flood)",
    "inundation": "ward code",
    "areas": "area kind (ward, town_block)",
    "shelters": "hazard the shelter is designated for (e.g. flood)",
}


def tile_sql(layer: TileLayer, zoom: int, *, filtered: bool) -> str:
    """The SQL of one tile of a layer; parameters z, x, y (and value when filtered)."""
    geom = layer.geometry_for(zoom)
    where = f"{geom} && ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => {MARGIN}), 4326)"
    if filtered and layer.filter_column:
        test = "CAST(:value AS varchar) = ANY({})" if layer.filter_is_array else "{} = :value"
        where += " AND " + test.format(layer.filter_column)
    return f"""
WITH tile AS (
    SELECT ST_AsMVTGeom(ST_Transform({geom}, 3857), ST_TileEnvelope(:z, :x, :y), {EXTENT}, {BUFFER}, true) AS geom,
           {layer.properties}
    FROM {layer.source}
    WHERE {where}
)
SELECT ST_AsMVT(tile.*, '{layer.name}', {EXTENT}, 'geom', 'id') FROM tile WHERE geom IS NOT NULL
"""


def tile(session: Session, *, layer: TileLayer, z: int, x: int, y: int, value: str | None = None) -> bytes:
    """The MVT bytes of tile z/x/y of a layer (empty when nothing is there)."""
    params: dict[str, Any] = {"z": z, "x": x, "y": y}
    if value is not None:
        params["value"] = value
    data: bytes | None = session.execute(text(tile_sql(layer, z, filtered=value is not None)), params).scalar_one()
    return bytes(data or b"")
