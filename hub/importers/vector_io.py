"""Read polygon features from GeoJSON or ESRI Shapefile, decode Shift_JIS/UTF-8 attributes, reproject to WGS 84."""

from __future__ import annotations

import codecs
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import shapefile  # pyshp
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from hub.importers.common import ImportRejected, RowError, feature_problem, read_feature_collection

#: What a KSJ file without .prj or crs member is (国土数値情報 is published in JGD2011 longitude/latitude).
DEFAULT_CRS = "EPSG:6668"
WGS84 = CRS.from_epsg(4326)
#: Code page names seen in .cpg files, mapped to Python codecs (cp932 is the Windows superset of Shift_JIS).
CPG_ALIASES = {
    "sjis": "cp932",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "shiftjis": "cp932",
    "ms932": "cp932",
    "windows-31j": "cp932",
    "932": "cp932",
    "ansi 932": "cp932",
    "65001": "utf-8",
    "utf8": "utf-8",
}
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf")


@dataclass
class VectorFile:
    """The features of one file, geometries already in EPSG:4326 GeoJSON form."""

    name: str
    fields: list[str]
    features: list[tuple[int, dict[str, Any], dict[str, Any] | None]]
    crs: str
    encoding: str | None = None
    notes: list[RowError] = field(default_factory=list)


def _crs(text: str, *, file: str, origin: str) -> CRS:
    try:
        return CRS.from_user_input(text)
    except CRSError as exc:
        raise ImportRejected([RowError(file, None, origin, f"unknown coordinate reference system: {exc}")]) from exc


def _reprojector(source: CRS) -> Callable[[dict[str, Any] | None], dict[str, Any] | None]:
    """A function taking a GeoJSON geometry in source (x = easting/longitude) to WGS 84 lon/lat."""
    transformer = Transformer.from_crs(source, WGS84, always_xy=True)
    if transformer.definition.startswith("proj=noop"):  # e.g. JGD2011/JGD2000 lon/lat: pyproj says identical
        return lambda geometry: geometry

    def move(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    def reproject(geometry: dict[str, Any] | None) -> dict[str, Any] | None:
        if not geometry:
            return geometry
        try:
            geom: BaseGeometry = shape(geometry)
        except Exception:  # left for the geometry check to report with its row
            return geometry
        return dict(mapping(shapely.transform(geom, move)))

    return reproject


def cpg_encoding(text: str) -> str:
    """The Python codec for the contents of a .cpg file (ValueError if unknown)."""
    name = text.strip().lower()
    name = CPG_ALIASES.get(name, name)
    return codecs.lookup(name).name


def read_geojson_file(path: Path, *, crs: str | None = None) -> VectorFile:
    """A GeoJSON FeatureCollection; honours the legacy `crs` member (KSJ/GDAL write EPSG:6668 there)."""
    data = read_feature_collection(path)
    features: list[dict[str, Any]] = data["features"]
    declared = ((data.get("crs") or {}).get("properties") or {}).get("name")
    crs_text = crs or declared or "OGC:CRS84"
    reproject = _reprojector(_crs(crs_text, file=path.name, origin="crs"))
    fields: dict[str, None] = {}
    rows: list[tuple[int, dict[str, Any], dict[str, Any] | None]] = []
    errors: list[RowError] = []
    for index, feature in enumerate(features, start=1):
        problem = feature_problem(feature)
        if problem:
            errors.append(RowError(path.name, index, problem[0], problem[1]))
            continue
        props = dict(feature.get("properties") or {})
        fields.update(dict.fromkeys(props))
        rows.append((index, props, reproject(feature.get("geometry"))))
    if errors:
        raise ImportRejected(errors)
    return VectorFile(path.name, list(fields), rows, crs_text)


def _plain(value: Any) -> Any:
    """A JSON-friendly attribute value (dBASE dates become ISO strings)."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("ascii", errors="replace")
    return value


def _shapefile_records(path: Path, encoding: str) -> tuple[list[str], list[tuple[int, dict[str, Any], Any]]]:
    with ExitStack() as stack:
        parts = {ext[1:]: stack.enter_context(path.with_suffix(ext).open("rb")) for ext in SHAPEFILE_PARTS}
        reader = stack.enter_context(shapefile.Reader(encoding=encoding, encodingErrors="strict", **parts))
        names = [f.name for f in reader.fields[1:]]
        rows = [
            (
                index,
                {k: _plain(v) for k, v in record.record.as_dict().items()},
                record.shape.__geo_interface__ if record.shape.points else None,
            )
            for index, record in enumerate(reader.iterShapeRecords(), start=1)
        ]
    return names, rows


def read_shapefile(path: Path, *, encoding: str | None = None, crs: str | None = None) -> VectorFile:
    """An ESRI Shapefile: .cpg, explicit or detected (UTF-8, else CP932) attribute encoding; .prj CRS."""
    missing = [ext for ext in SHAPEFILE_PARTS if not path.with_suffix(ext).exists()]
    if missing:
        raise ImportRejected([RowError(path.name, None, None, f"shapefile part(s) missing: {', '.join(missing)}")])
    notes: list[RowError] = []
    cpg = path.with_suffix(".cpg")
    candidates: tuple[str, ...]
    if encoding:
        try:
            candidates = (cpg_encoding(encoding),)
        except LookupError as exc:
            raise ImportRejected([RowError(path.name, None, "encoding", f"unknown encoding {encoding!r}")]) from exc
    elif cpg.exists():
        try:
            candidates = (cpg_encoding(cpg.read_text(encoding="ascii", errors="replace")),)
        except LookupError:
            notes.append(RowError(cpg.name, None, None, "unknown code page in .cpg; detecting the encoding"))
            candidates = ("utf-8", "cp932")
    else:
        candidates = ("utf-8", "cp932")
    fields: list[str] = []
    records: list[tuple[int, dict[str, Any], Any]] = []
    used: str | None = None
    for candidate in candidates:
        try:
            fields, records = _shapefile_records(path, candidate)
        except (UnicodeDecodeError, shapefile.ShapefileException) as exc:
            if "decode" not in str(exc).lower():
                raise ImportRejected([RowError(path.name, None, None, f"unreadable shapefile: {exc}")]) from exc
            continue
        used = candidate
        break
    if used is None:
        tried = " or ".join(candidates)
        raise ImportRejected([RowError(path.name, None, None, f"attributes are not {tried}; pass --encoding")])
    prj = path.with_suffix(".prj")
    if crs:
        crs_text = crs
    elif prj.exists():
        crs_text = prj.read_text(encoding="utf-8", errors="replace")
    else:
        crs_text = DEFAULT_CRS
        notes.append(RowError(path.name, None, None, f"no .prj: coordinates taken as {DEFAULT_CRS} (JGD2011)"))
    source = _crs(crs_text, file=path.name, origin=".prj")
    reproject = _reprojector(source)
    rows = [(index, props, reproject(geometry)) for index, props, geometry in records]
    label = source.to_string() if source.to_epsg() is None else f"EPSG:{source.to_epsg()}"
    return VectorFile(path.name, fields, rows, label, used, notes)


def read_vector(path: Path, *, encoding: str | None = None, crs: str | None = None) -> VectorFile:
    """Features of a .geojson/.json or .shp file."""
    suffix = path.suffix.lower()
    if suffix == ".shp":
        return read_shapefile(path, encoding=encoding, crs=crs)
    if suffix in {".geojson", ".json"}:
        return read_geojson_file(path, crs=crs)
    raise ImportRejected([RowError(path.name, None, None, "expected a .geojson, .json or .shp file")])
