"""PLATEAU 洪水浸水想定区域 (udx/fld) CityGML: WaterBody triangles with a river-flooding risk rank, via lxml."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import shapely
from lxml import etree
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from shapely.geometry import Polygon

from hub.hazards.codes import SCALE_SCENARIOS, Depth, depth_from_rank, rank_of_interval
from hub.importers.common import ImportRejected, RowError
from hub.importers.zones import ZoneInput, as_multipolygon

#: i-UR 1.x/2.x name and i-UR 3.x name of the river-flooding risk attribute of a WaterBody.
RIVER_RISK_TAGS = ("WaterBodyRiverFloodingRiskAttribute", "RiverFloodingRiskAttribute")
#: PLATEAU 3D city models are in JGD2011 latitude, longitude, height (EPSG:6697) unless srsName says otherwise.
DEFAULT_SRS = "EPSG:6697"
SCALE_IN_NAME = re.compile(r"_(l[12])(?:_|\.|$)", re.IGNORECASE)
GEOMETRY_TAGS = {"Polygon", "Triangle"}


def _local(tag: object) -> str:
    return tag.rpartition("}")[2].rpartition(":")[2] if isinstance(tag, str) else ""


@dataclass
class _Frame:
    """Coordinate settings read from the file as parsing goes (srsName, srsDimension)."""

    srs: str = DEFAULT_SRS
    dimension: int = 3


class _Axes:
    """Turns posList numbers in the file's CRS into WGS 84 lon/lat, swapping lat-first axes."""

    def __init__(self, srs: str, file: str) -> None:
        try:
            crs = CRS.from_user_input(srs)
        except CRSError as exc:
            raise ImportRejected([RowError(file, None, "srsName", f"unknown CRS {srs!r}: {exc}")]) from exc
        horizontal = crs.sub_crs_list[0] if crs.is_compound else crs
        self.lat_first = horizontal.axis_info[0].direction.lower() == "north"
        self.transformer = Transformer.from_crs(horizontal, CRS.from_epsg(4326), always_xy=True)

    def ring(self, numbers: np.ndarray, dimension: int) -> np.ndarray:
        """An (n, 2) lon/lat array from flat coordinates."""
        xy = numbers.reshape(-1, dimension)[:, :2]
        lon, lat = (xy[:, 1], xy[:, 0]) if self.lat_first else (xy[:, 0], xy[:, 1])
        x, y = self.transformer.transform(lon, lat)
        return np.column_stack([x, y])


def _coordinates(ring: etree._Element) -> np.ndarray:
    pos_list = next((e for e in ring.iter() if _local(e.tag) == "posList"), None)
    text = (
        pos_list.text if pos_list is not None else " ".join(e.text or "" for e in ring.iter() if _local(e.tag) == "pos")
    )
    return np.array((text or "").split(), dtype=float)


def _surfaces(body: etree._Element, axes: _Axes, dimension: int) -> Iterator[Polygon]:
    for surface in body.iter():
        if _local(surface.tag) not in GEOMETRY_TAGS:
            continue
        rings = []
        for boundary in surface:
            if _local(boundary.tag) in {"exterior", "interior"}:
                rings.append(axes.ring(_coordinates(boundary), dimension))
        if rings and len(rings[0]) >= 4:
            yield Polygon(rings[0], [r for r in rings[1:] if len(r) >= 4])


def _child_text(element: etree._Element, name: str) -> str | None:
    found = next((c for c in element if _local(c.tag) == name), None)
    return found.text.strip() if found is not None and found.text else None


def _risk_depth(risk: etree._Element) -> Depth | None:
    rank = _child_text(risk, "rank")
    if rank is not None:
        return depth_from_rank(rank)
    depth = _child_text(risk, "depth")
    if depth is not None:
        metres = float(depth)
        return Depth(rank_of_interval(metres, None), metres, metres, f"depth={depth}")
    return None


def _zone(
    body: etree._Element,
    row: int,
    *,
    file: str,
    axes: _Axes,
    frame: _Frame,
    scale_hint: str | None,
    errors: list[RowError],
    warnings: list[RowError],
) -> ZoneInput | None:
    risk = next((e for e in body.iter() if _local(e.tag) in RIVER_RISK_TAGS), None)
    if risk is None:
        return None
    name = next((c.text for c in body if _local(c.tag) == "name" and c.text), None)
    try:
        depth = _risk_depth(risk)
    except ValueError as exc:
        errors.append(RowError(file, row, "uro:rank", str(exc)))
        return None
    if depth is None:
        errors.append(RowError(file, row, "uro:rank", "required element uro:rank (or uro:depth) is missing"))
        return None
    scale = (_child_text(risk, "scale") or scale_hint or "")[:2].upper()
    if scale not in SCALE_SCENARIOS:
        warnings.append(RowError(file, row, "uro:scale", "no L1/L2 scale: scenario left empty"))
    triangles = [t for t in _surfaces(body, axes, frame.dimension) if t.is_valid and t.area > 0]
    geom = as_multipolygon(shapely.union_all(triangles)) if triangles else None
    if geom is None:
        errors.append(RowError(file, row, "lod1MultiSurface", "no polygon with area in the WaterBody"))
        return None
    attributes: dict[str, Any] = {
        "gml_id": body.get("{http://www.opengis.net/gml}id"),
        "description_code": _child_text(risk, "description"),
        "admin_type_code": _child_text(risk, "adminType"),
        "rank_org_code": _child_text(risk, "rankOrg"),
        "scale": scale or None,
        "triangles": len(triangles),
        "srs": frame.srs,
    }
    return ZoneInput(
        row=row,
        group=(name, depth.rank),
        kind="river_flood",
        geom=geom,
        scenario=SCALE_SCENARIOS.get(scale),
        river_name=name,
        depth_rank=depth.rank,
        depth_min_m=depth.min_m,
        depth_max_m=depth.max_m,
        original_code=depth.original,
        attributes={k: v for k, v in attributes.items() if v is not None},
    )


def _read(
    stream: BinaryIO,
    file: str,
    frame: _Frame,
    scale_hint: str | None,
    zones: list[ZoneInput],
    errors: list[RowError],
    warnings: list[RowError],
) -> int:
    """Parse WaterBody elements one by one (memory stays flat on big files); returns how many were read."""
    axes: dict[str, _Axes] = {}
    bodies = 0
    parser = etree.iterparse(stream, events=("start", "end"), resolve_entities=False, no_network=True, huge_tree=True)
    try:
        for event, element in parser:
            local = _local(element.tag)
            if event == "start":
                if bodies == 0 and local != "CityModel" and element.getparent() is None:
                    raise ImportRejected([RowError(file, None, None, f"not CityGML: root element is {local}")])
                if element.get("srsName"):
                    frame.srs = element.get("srsName", DEFAULT_SRS)
                if element.get("srsDimension"):
                    frame.dimension = int(element.get("srsDimension", "3"))
                continue
            parent = element.getparent()
            if parent is not None and parent.getparent() is None:  # a member of the root: free what was read
                element.clear(keep_tail=False)
                while element.getprevious() is not None:
                    del parent[0]
            if local != "WaterBody":
                continue
            bodies += 1
            if frame.srs not in axes:
                axes[frame.srs] = _Axes(frame.srs, file)
            zone = _zone(
                element,
                bodies,
                file=file,
                axes=axes[frame.srs],
                frame=frame,
                scale_hint=scale_hint,
                errors=errors,
                warnings=warnings,
            )
            if zone is not None:
                zones.append(zone)
    except etree.XMLSyntaxError as exc:
        raise ImportRejected([RowError(file, exc.lineno, None, f"not well-formed XML: {exc.msg}")]) from exc
    return bodies


def parse_plateau_fld(path: Path, *, errors: list[RowError], warnings: list[RowError]) -> tuple[list[ZoneInput], int]:
    """Zones of every flooded WaterBody of a fld CityGML file, and the number of WaterBody features read."""
    hint = SCALE_IN_NAME.search(path.name)
    zones: list[ZoneInput] = []
    with path.open("rb") as stream:
        bodies = _read(stream, path.name, _Frame(), hint.group(1) if hint else None, zones, errors, warnings)
    if not zones and not errors:
        tag = "uro:" + RIVER_RISK_TAGS[0]
        raise ImportRejected([RowError(path.name, None, tag, f"required element {tag} is missing: not a fld file")])
    return zones, bodies
