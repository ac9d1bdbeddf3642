"""Spatial SQL of one place for residents: its areas, past floods there or near, orders covering it."""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from hub.orders.models import EvacuationOrder

POINT: Final = "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)"
#: Mapped floods within this distance (metres) of the place count as "nearby".
NEARBY_M: Final = 500.0
AREAS_SQL: Final = f"""
SELECT code, kind, name, name_kana, name_en, parent_code FROM areas
WHERE ST_Intersects(geom, {POINT})
ORDER BY CASE kind WHEN 'prefecture' THEN 0 WHEN 'ward' THEN 1 ELSE 2 END, code
"""
FLOODS_SQL: Final = f"""
SELECT i.id, i.event_name, i.event_date, i.period_start, i.period_end, i.ward_code, i.town_name,
       i.above_floor, i.below_floor, i.count_class, i.count_class_ordinal, i.confidence, i.source,
       COALESCE(i.geom, a.geom) IS NOT NULL AS mapped,
       COALESCE(ST_Intersects(COALESCE(i.geom, a.geom), {POINT}), false) AS covers,
       ST_Distance(COALESCE(i.geom, a.geom)::geography, {POINT}::geography) AS distance_m
FROM inundation_records i LEFT JOIN areas a ON a.id = i.area_id
WHERE ST_DWithin(COALESCE(i.geom, a.geom)::geography, {POINT}::geography, :nearby_m)
   OR i.ward_code = ANY(CAST(:wards AS varchar[]))
ORDER BY i.event_date DESC NULLS LAST, i.period_end DESC NULLS LAST, i.town_name, i.id
"""
COVERS_ORDER: Final = text(
    f"""(ST_Intersects(evacuation_orders.geom, {POINT})
    OR EXISTS (SELECT 1 FROM areas a WHERE a.code = ANY(evacuation_orders.area_codes)
               AND ST_Intersects(a.geom, {POINT})))"""
)


def areas_at(session: Session, *, lat: float, lon: float) -> list[dict[str, Any]]:
    """The areas containing the place, coarsest first (ward, then town block)."""
    return [dict(row) for row in session.execute(text(AREAS_SQL), {"lat": lat, "lon": lon}).mappings()]


def same_town(record_town: str, area_name: str) -> bool:
    """Whether a flood record's town name names this town block (area names may carry the ward prefix)."""
    return bool(record_town) and (area_name == record_town or area_name.endswith(record_town))


def floods_at(
    session: Session, *, lat: float, lon: float, areas: list[dict[str, Any]], nearby_m: float = NEARBY_M
) -> dict[str, list[dict[str, Any]]]:
    """Past floods in the place's town block (`here`), mapped ones within `nearby_m` (`nearby`), and
    unmapped ones elsewhere in its ward (`in_ward`: their town block has no boundary in the hub yet)."""
    wards = [a["code"] for a in areas if a["kind"] == "ward"]
    towns = [a["name"] for a in areas if a["kind"] == "town_block"]
    params = {"lat": lat, "lon": lon, "nearby_m": nearby_m, "wards": wards}
    here: list[dict[str, Any]] = []
    nearby: list[dict[str, Any]] = []
    in_ward: list[dict[str, Any]] = []
    for row in session.execute(text(FLOODS_SQL), params).mappings():
        record = {k: v for k, v in row.items() if k not in {"covers", "mapped"}}
        record["distance_m"] = None if row["distance_m"] is None else round(float(row["distance_m"]), 1)
        if row["covers"] or (row["ward_code"] in wards and any(same_town(row["town_name"], t) for t in towns)):
            here.append(record)
        elif row["mapped"] and row["distance_m"] is not None and row["distance_m"] <= nearby_m:
            nearby.append(record)
        elif not row["mapped"] and row["ward_code"] in wards:
            in_ward.append(record)
    return {"here": here, "nearby": nearby, "in_ward": in_ward}


def issued_orders_at(session: Session, *, lat: float, lon: float) -> list[EvacuationOrder]:
    """Issued evacuation orders whose drawn polygon or areas cover the place, highest level first."""
    query = (
        select(EvacuationOrder)
        .where(EvacuationOrder.status == "issued", COVERS_ORDER.bindparams(lat=lat, lon=lon))
        .order_by(EvacuationOrder.level.desc(), EvacuationOrder.id)
    )
    return list(session.scalars(query))
