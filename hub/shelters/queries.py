"""Spatial SQL of the public shelter reads: filtered lists, one shelter, nearest by the KNN index."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator, Mapping, Sequence
from functools import lru_cache
from typing import Any, Final, Protocol, TypeVar

from sqlalchemy import text
from sqlalchemy.dialects.postgresql.psycopg import dialect as psycopg_dialect
from sqlalchemy.orm import Session

from hub.shelters.crowding import crowding
from hub.shelters.models import ShelterStatus
from hub.shelters.nearest import CANDIDATE_GROWTH, first_candidates, ranking_is_exact
from hub.shelters.service import STATUS_LABELS
from hub.sql_filters import BBox, WhereClause

T = TypeVar("T")


#: Columns residents may see; never status_changed_by or anything about staff.
SHELTER_COLUMNS: Final = (
    "s.id, s.source, s.source_id, s.name, s.name_en, s.name_kana, s.address, s.ward_code, s.kinds, s.hazards, "
    "s.capacity, s.occupancy, s.status, s.status_changed_at, s.accessible, s.pets_allowed, s.phone, s.elevation_m, "
    "s.served_area, s.version, s.updated_at, s.attributes->'conditional_hazards' AS conditional_hazards, "
    "ST_X(s.location) AS lon, ST_Y(s.location) AS lat"
)
POINT: Final = "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)"
ONE_SQL: Final = f"SELECT {SHELTER_COLUMNS} FROM shelters s WHERE s.id = :id"
#: Statuses in which a shelter takes people in (full ones do not).
OPEN_STATUS: Final = ShelterStatus.OPEN
MAX_ROWS: Final = 1_000_000


class Row(Protocol):
    """A row read by column name only (the driver's rows as dicts)."""

    def __getitem__(self, column: str, /) -> Any: ...


Rows = Sequence[Row]


def shelter_feature(row: Row, **extra: Any) -> dict[str, Any]:
    """The public GeoJSON Feature of a shelter row, with its crowding step and status label."""
    level = crowding(int(row["occupancy"]), row["capacity"], full=row["status"] == ShelterStatus.FULL)
    properties = {
        "id": row["id"],
        "source": row["source"],
        "source_id": row["source_id"],
        "name": row["name"],
        "name_en": row["name_en"],
        "name_kana": row["name_kana"],
        "address": row["address"],
        "ward_code": row["ward_code"],
        "kinds": list(row["kinds"]),
        "hazards": list(row["hazards"]),
        "conditional_hazards": list(row["conditional_hazards"] or []),
        "capacity": row["capacity"],
        "occupancy": row["occupancy"],
        "status": row["status"],
        "status_label": STATUS_LABELS.get(row["status"], row["status"]),
        "status_changed_at": row["status_changed_at"],
        "crowding": level.as_dict() if level else None,
        "accessible": row["accessible"],
        "pets_allowed": row["pets_allowed"],
        "phone": row["phone"],
        "elevation_m": row["elevation_m"],
        "served_area": row["served_area"],
        "version": row["version"],
        "updated_at": row["updated_at"],
    }
    properties.update(extra)
    return {
        "type": "Feature",
        "id": row["id"],
        "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
        "properties": properties,
    }


def shelter_where(
    *,
    kind: str | None = None,
    hazards: Sequence[str] = (),
    status: str | None = None,
    bbox: BBox | None = None,
    area_code: str | None = None,
) -> tuple[str, dict[str, Any]]:
    """The WHERE clause and parameters of the given filters (only those given, so indexes stay usable)."""
    where = WhereClause()
    if kind:
        where.add("CAST(:kind AS varchar) = ANY(s.kinds)", kind=kind)
    if hazards:
        where.add("s.hazards @> CAST(:hazards AS varchar[])", hazards=sorted(set(hazards)))
    where.equals("s.status", "status", status)
    where.within("s.location", bbox)
    where.in_area("s.location", area_code)
    return where.sql(), where.params


def nearest_sql(where: str) -> str:
    """The nearest-shelter KNN query over the filtered shelters (also run by `bosai bench api` in pgbench).

    The GiST index yields :k candidates by degrees; PostgreSQL ranks them by geodesic metres and returns
    only the :n nearest, each with the candidates' count and largest distance in degrees, which
    `hub.shelters.nearest.ranking_is_exact` needs to accept the ranking.
    """
    return (
        "WITH candidates AS MATERIALIZED ("
        f"SELECT s.id, s.location <-> {POINT} AS deg, "
        f"ST_Distance(s.location::geography, {POINT}::geography) AS distance_m "
        f"FROM shelters s WHERE {where} ORDER BY s.location <-> {POINT} LIMIT :k), "
        "spread AS (SELECT count(*) AS fetched, max(deg) AS last_deg FROM candidates) "
        f"SELECT {SHELTER_COLUMNS}, c.distance_m, spread.fetched, spread.last_deg "
        "FROM (SELECT id, distance_m FROM candidates ORDER BY distance_m, id LIMIT :n) c "
        "JOIN shelters s ON s.id = c.id CROSS JOIN spread ORDER BY c.distance_m, c.id"
    )


def list_sql(where: str) -> str:
    """The filtered shelter list, ordered by id (also run by `bosai bench api` in pgbench)."""
    return f"SELECT {SHELTER_COLUMNS} FROM shelters s WHERE {where} ORDER BY s.id LIMIT :limit OFFSET :offset"


_DRIVER_DIALECT: Final = psycopg_dialect()  # type: ignore[no-untyped-call]  # SQLAlchemy leaves it unannotated


@lru_cache(maxsize=256)
def driver_sql(sql: str) -> str:
    """A `:name` statement in psycopg's own paramstyle (`%(name)s`), compiled once."""
    return str(text(sql).compile(dialect=_DRIVER_DIALECT))


def _dicts(session: Session, sql: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Rows as plain dicts, read from the driver's cursor on the session's connection.

    The hot public reads (nearest, lists) need no ORM or result processing: the DBAPI cursor returns
    the same Python values several times faster. Works on a plain psycopg connection and on
    SQLAlchemy's asyncio adapter alike.
    """
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(driver_sql(sql), params)
        return as_dicts(cursor.description, cursor.fetchall())
    finally:
        cursor.close()


def as_dicts(description: Sequence[Sequence[Any]] | None, rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    """DBAPI rows as dicts keyed by the cursor's column names."""
    columns = [column[0] for column in description or ()]
    return [dict(zip(columns, row, strict=True)) for row in rows]


#: A read written once for every kind of connection: it yields each statement it needs as (sql, params),
#: is sent that statement's rows, and returns its result. `run_query` drives it on a session and
#: `hub.api.reader.Reader.query` on the asyncio driver connection of a public read.
RowsQuery = Generator[tuple[str, Mapping[str, Any]], Rows, T]


def run_query(session: Session, query: RowsQuery[T]) -> T:
    """The result of a query generator, its statements run on the session."""
    try:
        statement = next(query)
        while True:
            statement = query.send(_dicts(session, *statement))
    except StopIteration as done:
        result: T = done.value
        return result


async def run_query_async(query: RowsQuery[T], rows: Callable[[str, Mapping[str, Any]], Awaitable[Rows]]) -> T:
    """The result of a query generator, each statement's rows awaited from `rows(sql, params)`."""
    try:
        statement = next(query)
        while True:
            statement = query.send(await rows(*statement))
    except StopIteration as done:
        result: T = done.value
        return result


def area_exists(session: Session, *, code: str) -> bool:
    """Whether an area (ward or town block) has this code."""
    return session.execute(text("SELECT 1 FROM areas WHERE code = :c"), {"c": code}).first() is not None


def shelter_features(
    session: Session,
    *,
    kind: str | None = None,
    hazard: str | None = None,
    status: str | None = None,
    bbox: BBox | None = None,
    area_code: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Shelters matching every given filter as GeoJSON Features, ordered by id."""
    where, params = shelter_where(
        kind=kind, hazards=[hazard] if hazard else [], status=status, bbox=bbox, area_code=area_code
    )
    params |= {"limit": MAX_ROWS if limit is None else limit, "offset": offset}
    return [shelter_feature(row) for row in _dicts(session, list_sql(where), params)]


def shelter_query(*, shelter_id: int) -> RowsQuery[dict[str, Any] | None]:
    """One shelter as a GeoJSON Feature, or None."""
    rows = yield ONE_SQL, {"id": shelter_id}
    return shelter_feature(rows[0]) if rows else None


def nearest_query(
    *,
    lat: float,
    lon: float,
    limit: int,
    hazards: Sequence[str] = (),
    kind: str | None = None,
    open_only: bool = False,
) -> RowsQuery[Rows]:
    """The `limit` shelters nearest in metres, designated for every hazard given, nearest first.

    Candidates come from the GiST KNN index in degrees; see hub.shelters.nearest for why they are re-ranked.
    """
    where, params = shelter_where(kind=kind, hazards=hazards, status=OPEN_STATUS if open_only else None)
    statement = nearest_sql(where)
    params |= {"lat": lat, "lon": lon}
    asked = first_candidates(limit)
    while True:
        ranked = yield statement, params | {"k": asked, "n": limit}
        nth = ranked[-1]["distance_m"] if len(ranked) == limit else None
        fetched, last_deg = (ranked[0]["fetched"], ranked[0]["last_deg"]) if ranked else (0, 0.0)
        if ranking_is_exact(fetched=fetched, asked=asked, nth_distance_m=nth, last_deg=last_deg, lat=lat):
            return ranked
        asked *= CANDIDATE_GROWTH


def nearest_features_query(**query: Any) -> RowsQuery[list[dict[str, Any]]]:
    """`nearest_query` as GeoJSON Features with `distance_m` (metres, WGS 84 geodesic)."""
    rows = yield from nearest_query(**query)
    return [shelter_feature(row, distance_m=round(float(row["distance_m"]), 1)) for row in rows]


def nearest_features(session: Session, **query: Any) -> list[dict[str, Any]]:
    """`nearest_features_query` on a session."""
    return run_query(session, nearest_features_query(**query))
