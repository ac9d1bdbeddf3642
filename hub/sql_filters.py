"""WHERE clauses built from the filters a read was given (only those given, so indexes stay usable)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

#: minlon, minlat, maxlon, maxlat in WGS 84.
BBox = tuple[float, float, float, float]
ENVELOPE: Final = "ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326)"


@dataclass
class WhereClause:
    """Conditions joined by AND, with the parameters they bind."""

    clauses: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)

    def add(self, clause: str, **params: Any) -> None:
        """Add a condition and its parameters."""
        self.clauses.append(clause)
        self.params |= params

    def equals(self, column: str, name: str, value: Any) -> None:
        """`column = :name` when a value is given (an empty one is no filter)."""
        if value:
            self.add(f"{column} = :{name}", **{name: value})

    def within(self, column: str, bbox: BBox | None) -> None:
        """The geometry column intersects the bounding box, when one is given."""
        if bbox is not None:
            self.add(
                f"ST_Intersects({column}, {ENVELOPE})", **dict(zip(("minx", "miny", "maxx", "maxy"), bbox, strict=True))
            )

    def in_area(self, column: str, area_code: str | None) -> None:
        """The geometry column intersects the area with this code, when one is given."""
        if area_code:
            self.add(f"ST_Intersects({column}, (SELECT geom FROM areas WHERE code = :area))", area=area_code)

    def sql(self) -> str:
        """The conditions as SQL, TRUE when there are none."""
        return " AND ".join(self.clauses) or "TRUE"
