"""Spatial SQL of the alert engine on the real ward boundaries."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from alerts.queries import areas_union, open_shelters_near, wards_touching

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


def test_shelters_near_a_point_are_ranked_by_metres_not_degrees(db: Session) -> None:
    """At 35.6°N a degree of longitude is ~91 km, of latitude ~111 km: 0.010° east is nearer than 0.0095° north."""
    lon, lat = 140.9, 35.6  # at sea off Chōshi: no other shelter within tens of kilometres
    places = {"east": (lon + 0.010, lat), "north": (lon, lat + 0.0095)}
    for name, (x, y) in places.items():
        db.execute(
            text(
                "INSERT INTO shelters (source, source_id, name, location, status) "
                "VALUES ('test', :sid, :name, ST_SetSRID(ST_MakePoint(:x, :y), 4326), 'open')"
            ),
            {"sid": f"test:{name}", "name": name, "x": x, "y": y},
        )
    by_degrees: list[str] = list(
        db.execute(
            text(
                "SELECT name FROM shelters WHERE source = 'test' "
                "ORDER BY location <-> ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)"
            ),
            {"lon": lon, "lat": lat},
        ).scalars()
    )
    assert by_degrees == ["north", "east"]  # the planar (degree) order the index gives
    nearest = open_shelters_near(db, lon=lon, lat=lat, limit=2)
    assert [s.name for s in nearest] == ["east", "north"]
    assert 900 < nearest[0].distance_m < 910 and 1050 < nearest[1].distance_m < 1060
