"""The base-map cache: built once, rebuilt after its TTL (clock injected)."""

from __future__ import annotations

from sqlalchemy import Engine

from maps.basemap import BaseMapCache, context_features
from tests.conftest import DATA


def test_cache_rebuilds_only_after_the_ttl(engine: Engine) -> None:
    now = [1000.0]
    cache = BaseMapCache(ttl_s=60, clock=lambda: now[0])
    first = cache.get(engine, DATA)
    now[0] += 59
    assert cache.get(engine, DATA) is first
    now[0] += 2
    second = cache.get(engine, DATA)
    assert second is not first and second.etag == first.etag, "same data, same ETag"


def test_context_leaves_out_loaded_wards_and_islets() -> None:
    collection = {
        "features": [
            {"type": "Feature", "properties": {"N03_007": "13109", "N03_004": "品川区"}, "geometry": SQUARE},
            {"type": "Feature", "properties": {"N03_007": "13111", "N03_004": "大田区"}, "geometry": SQUARE},
            {"type": "Feature", "properties": {"N03_007": "13805", "N03_004": None}, "geometry": SQUARE},
            {"type": "Feature", "properties": {"N03_007": "13201", "N03_004": "八王子市"}, "geometry": FAR},
            {"type": "Feature", "properties": {"N03_007": "13112", "N03_004": "世田谷区"}, "geometry": None},
        ]
    }
    found = context_features(collection, extent=(139.70, 35.58, 139.75, 35.62), exclude_codes={"13109"})
    assert [f["properties"]["name"] for f in found] == ["大田区"]
    assert found[0]["properties"]["layer"] == "context"


SQUARE = {
    "type": "Polygon",
    "coordinates": [[[139.7, 35.55], [139.75, 35.55], [139.75, 35.6], [139.7, 35.6], [139.7, 35.55]]],
}
FAR = {"type": "Polygon", "coordinates": [[[139.2, 35.6], [139.3, 35.6], [139.3, 35.7], [139.2, 35.6]]]}
