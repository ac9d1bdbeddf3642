"""Spatial SQL of the alert engine on the real ward boundaries."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from hub.queries_alerts import areas_union, wards_touching

SHINAGAWA, MINATO, MEGURO, KOTO = "13109", "13103", "13110", "13108"


def test_an_order_for_two_wards_names_those_two_not_their_neighbours(db: Session) -> None:
    union = areas_union(db, area_codes=[SHINAGAWA, MINATO])
    assert union is not None
    intersecting: list[str] = db.execute(
        text("SELECT array_agg(code ORDER BY code) FROM areas WHERE kind = 'ward' AND ST_Intersects(geom, :g)"),
        {"g": union},
    ).scalar_one()
    assert {MEGURO, KOTO} & set(intersecting)  # the boundaries meet: a plain intersection would name them
    assert [a.code for a in wards_touching(db, ewkt=union)] == [MINATO, SHINAGAWA]


def test_a_small_circle_inside_one_ward_names_that_ward(db: Session) -> None:
    circle: str = db.execute(
        text("SELECT ST_AsEWKT(ST_Buffer(ST_SetSRID(ST_MakePoint(139.7302, 35.6092), 4326)::geography, 300)::geometry)")
    ).scalar_one()
    assert [a.code for a in wards_touching(db, ewkt=circle)] == [SHINAGAWA]
