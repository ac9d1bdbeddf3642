"""The simple base map served by the hub (works offline): wards, town blocks, rivers, neighbouring municipalities."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shapely.geometry import box, mapping, shape
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from maps.queries import base_area_features, base_river_features, ward_extent

#: Simplification of the drawn shapes (degrees; 0.00008° ≈ 8 m at Tokyo) and the coordinate decimals kept.
AREA_TOLERANCE = 0.00008
RIVER_TOLERANCE = 0.00005
CONTEXT_TOLERANCE = 0.0003
PRECISION = 5
#: Neighbouring municipalities are kept when they touch the wards' extent grown by this margin (degrees).
CONTEXT_MARGIN = 0.08
#: N03 codes from 13800 are islets and unassigned reclaimed land, not municipalities people know.
SPECIAL_CODE_PREFIX = "138"
#: Bundled municipality outlines used as context around the wards, relative to the data directory.
CONTEXT_FILE = Path("boundaries/n03_tokyo_municipalities_simplified.geojson")
#: How long a built base map is reused before the database is read again (seconds).
CACHE_TTL_S = 300.0


@dataclass(frozen=True)
class BaseMap:
    """The base-map GeoJSON as bytes, its ETag and the wards' extent."""

    body: bytes
    etag: str
    extent: tuple[float, float, float, float] | None


def context_features(
    collection: dict[str, Any], *, extent: tuple[float, float, float, float], exclude_codes: set[str]
) -> list[dict[str, Any]]:
    """Municipalities of an N03 collection near the extent, simplified, except those already loaded (pure)."""
    near = box(*extent).buffer(CONTEXT_MARGIN)
    features = []
    for feature in collection.get("features", []):
        props = feature.get("properties") or {}
        code = str(props.get("N03_007") or "")
        if (
            not feature.get("geometry")
            or code in exclude_codes
            or not code.isdigit()
            or code.startswith(SPECIAL_CODE_PREFIX)
        ):
            continue
        geom = shape(feature["geometry"])
        if not geom.intersects(near):
            continue
        simple = geom.simplify(CONTEXT_TOLERANCE, preserve_topology=True)
        point = geom.representative_point()
        features.append(
            {
                "type": "Feature",
                "geometry": _rounded(mapping(simple)),
                "properties": {
                    "layer": "context",
                    "code": code,
                    "name": props.get("N03_004") or props.get("N03_003"),
                    "label_point": [round(point.x, PRECISION), round(point.y, PRECISION)],
                },
            }
        )
    return features


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, PRECISION)
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


def build(session: Session, data_dir: Path) -> BaseMap:
    """Read the base layers from the database (and the bundled context file when present)."""
    areas = base_area_features(session, tolerance=AREA_TOLERANCE, precision=PRECISION)
    rivers = base_river_features(session, tolerance=RIVER_TOLERANCE, precision=PRECISION)
    extent = ward_extent(session)
    context: list[dict[str, Any]] = []
    context_path = data_dir / CONTEXT_FILE
    if extent is not None and context_path.is_file():
        collection = json.loads(context_path.read_text("utf-8"))
        context = context_features(collection, extent=extent, exclude_codes={f["properties"]["code"] for f in areas})
    body = json.dumps(
        {"type": "FeatureCollection", "features": context + areas + rivers, "extent": extent},
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")
    return BaseMap(body, f'"{hashlib.sha256(body).hexdigest()[:20]}"', extent)


class BaseMapCache:
    """One built base map per process, rebuilt after CACHE_TTL_S; thread-safe."""

    def __init__(self, *, ttl_s: float = CACHE_TTL_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self.clock = clock
        self._lock = threading.Lock()
        self._value: BaseMap | None = None
        self._built_at = 0.0

    def get(self, engine: Engine, data_dir: Path) -> BaseMap:
        """The cached base map, rebuilt when older than the TTL."""
        with self._lock:
            now = self.clock()
            if self._value is None or now - self._built_at > self.ttl_s:
                with Session(engine) as session:
                    self._value = build(session, data_dir)
                self._built_at = now
            return self._value
