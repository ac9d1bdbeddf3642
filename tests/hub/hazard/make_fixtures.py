"""SYNTHETIC hazard fixtures that follow the official schemas field for field (KSJ A31/A49/A51/A33, PLATEAU fld).

Not real hazard data: every file says so in its name/attributes. Geometries lie in real places of the four wards
(品川区 13109 and its borders) so that clipping can be tested against the real N03 boundaries.
Run `python -m tests.hub.hazard.make_fixtures DIR` to write them somewhere for a look.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import shapefile  # pyshp
from pyproj import CRS, Transformer
from shapely.geometry import Polygon, box, mapping
from shapely.geometry.polygon import orient

MARK = "SYNTHETIC"
RIVER_CODE = "8303030001"
RIVER = "立会川（SYNTHETIC）"
CELL = 0.002
#: A 7×5 grid inside 品川区 (139.718–139.732 E, 35.604–35.614 N); rank by column, so columns of a rank merge.
COLUMN_RANKS = (1, 1, 2, 2, 3, 4, 5)
#: Straddles the 品川区/目黒区 border (about 88 % in 品川区); rank 4.
BORDER = box(139.700, 35.616, 139.712, 35.624)
#: Wholly in 江東区; rank 5.
OUTSIDE = box(139.815, 35.655, 139.825, 35.665)
#: A self-intersecting "bow tie" in 品川区 (invalid as published; repaired to two triangles); rank 6.
BOWTIE = Polygon([(139.720, 35.598), (139.724, 35.602), (139.724, 35.598), (139.720, 35.602), (139.720, 35.598)])
#: A point in the rank-3 column of the grid, also covered by the storm-surge fixture.
POINT_IN_TWO_LAYERS = (35.609, 139.7265)  # lat, lon


def grid() -> list[tuple[Polygon, int]]:
    """The A31 depth polygons (lon/lat) with their rank: grid cells, border box, outside box, bow tie."""
    cells = [
        (box(139.718 + c * CELL, 35.604 + r * CELL, 139.718 + (c + 1) * CELL, 35.604 + (r + 1) * CELL), rank)
        for r in range(5)
        for c, rank in enumerate(COLUMN_RANKS)
    ]
    return [*cells, (BORDER, 4), (OUTSIDE, 5), (BOWTIE, 6)]


def _feature(geom: Polygon, props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": mapping(geom)}


def _geojson(path: Path, features: list[dict[str, Any]], *, epsg: int | None = 6668) -> Path:
    data: dict[str, Any] = {"type": "FeatureCollection", "name": path.stem}
    if epsg:  # KSJ GeoJSON declares JGD2011 in the legacy crs member, as GDAL writes it
        data["crs"] = {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{epsg}"}}
    data["features"] = features
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def _a31_props(layer: int, code: int) -> dict[str, Any]:
    return {
        f"A31a_{layer}01": RIVER_CODE,
        f"A31a_{layer}02": RIVER,
        f"A31a_{layer}03": "2",
        f"A31a_{layer}04": f"東京都（{MARK}）",
        f"A31a_{layer}05": code,
    }


def write_a31_depth_geojson(directory: Path, layer: int = 2) -> Path:
    """A31a 浸水深 (layer 1 計画規模 / 2 想定最大規模) GeoJSON, JGD2011, one feature per polygon."""
    features = [_feature(g, _a31_props(layer, rank)) for g, rank in grid()]
    return _geojson(directory / f"A31a-{layer}0-25_13_{RIVER_CODE}_{MARK}.geojson", features)


def write_a31_duration(directory: Path) -> Path:
    """A31a 浸水継続時間 (A31a_301–305): codes 1–3 by grid column pairs."""
    features = [_feature(g, _a31_props(3, min(3, 1 + i % 3))) for i, (g, _) in enumerate(grid()[:35])]
    return _geojson(directory / f"A31a-30-25_13_{RIVER_CODE}_{MARK}.geojson", features)


def write_a31_house_collapse(directory: Path) -> Path:
    """A31a 家屋倒壊等氾濫想定区域 (A31a_401–405): 氾濫流 (1) strip along the grid's west edge."""
    features = [_feature(box(139.718, 35.604, 139.719, 35.614), _a31_props(4, 1))]
    return _geojson(directory / f"A31a-41-25_13_{RIVER_CODE}_{MARK}.geojson", features)


def _prj(path: Path, epsg: int) -> None:
    path.with_suffix(".prj").write_text(CRS.from_epsg(epsg).to_wkt("WKT1_ESRI"), encoding="ascii")


def _shapefile(
    path: Path,
    fields: list[tuple[str, str, int, int]],
    rows: list[tuple[Polygon, list[Any]]],
    *,
    encoding: str,
    epsg: int,
    cpg: str | None,
) -> Path:
    to_target = Transformer.from_crs(4326, epsg, always_xy=True)
    with shapefile.Writer(str(path.with_suffix("")), shapeType=shapefile.POLYGON, encoding=encoding) as writer:
        for name, kind, size, decimals in fields:
            writer.field(name, kind, size=size, decimal=decimals)
        for geom, values in rows:
            ring = orient(geom, sign=-1.0).exterior.coords  # shapefile outer rings run clockwise
            writer.poly([[list(to_target.transform(x, y)) for x, y in ring]])
            writer.record(*values)
    _prj(path, epsg)
    if cpg:
        path.with_suffix(".cpg").write_text(cpg, encoding="ascii")
    return path


def write_a31_depth_shapefile(
    directory: Path, layer: int = 1, *, encoding: str = "cp932", epsg: int = 6668, cpg: str | None = None
) -> Path:
    """A31a 浸水深 as a Shapefile: Shift_JIS attributes (no .cpg unless given), JGD2011 .prj."""
    fields = [(f"A31a_{layer}0{i}", "C", 50, 0) for i in range(1, 5)] + [(f"A31a_{layer}05", "N", 2, 0)]
    rows = [(g, list(_a31_props(layer, rank).values())) for g, rank in grid()]
    return _shapefile(
        directory / f"A31a-{layer}0-25_13_{RIVER_CODE}_{MARK}.shp",
        fields,
        rows,
        encoding=encoding,
        epsg=epsg,
        cpg=cpg,
    )


#: A49 depth classes as published (text), over the grid's rank-3 column and its neighbour.
A49_CLASSES = (
    ("0.5m以上1m未満", box(139.724, 35.604, 139.728, 35.614)),
    ("3m以上5m未満", box(139.728, 35.604, 139.730, 35.614)),
)


def write_a49_shapefile(directory: Path, *, epsg: int = 6677, cpg: str | None = "SJIS") -> Path:
    """A49 高潮浸水想定区域 Shapefile in JGD2011 平面直角座標系 IX (EPSG:6677), Shift_JIS with a .cpg."""
    fields = [("A49_001", "C", 20, 0), ("A49_002", "C", 2, 0), ("A49_003", "C", 30, 0)]
    rows = [(g, ["東京都", "13", label]) for label, g in A49_CLASSES]
    return _shapefile(directory / f"A49-25_13_{MARK}.shp", fields, rows, encoding="cp932", epsg=epsg, cpg=cpg)


#: A51 depth classes of 品川区 (text), two polygons of the same class merge.
A51_CLASSES = (
    ("0.3m未満", box(139.718, 35.604, 139.720, 35.606)),
    ("0.3m以上0.5m未満", box(139.720, 35.604, 139.722, 35.606)),
    ("0.3m未満", box(139.718, 35.606, 139.720, 35.608)),
    ("1m以上3m未満", box(139.722, 35.604, 139.724, 35.606)),
)


def write_a51_geojson(directory: Path) -> Path:
    """A51 雨水出水（内水）浸水想定区域: A51_001 都道府県名 … A51_005 浸水深 (text class)."""
    features = [
        _feature(
            g,
            {
                "A51_001": "東京都",
                "A51_002": "13",
                "A51_003": f"品川区（{MARK}）",
                "A51_004": "13109",
                "A51_005": label,
            },
        )
        for label, g in A51_CLASSES
    ]
    return _geojson(directory / f"A51-25_13109_{MARK}.geojson", features)


def write_a33_geojson(directory: Path) -> Path:
    """A33 土砂災害警戒区域: one 急傾斜地 警戒区域 and its 特別警戒区域 inside it."""
    base = {"A33_003": "13", "A33_006": f"品川区（{MARK}）", "A33_007": "2020/03/31", "A33_008": 0}
    features = [
        _feature(
            box(139.7300, 35.6150, 139.7320, 35.6165),
            base | {"A33_001": 1, "A33_002": 1, "A33_004": "13109-001", "A33_005": "合成坂"},
        ),
        _feature(
            box(139.7305, 35.6155, 139.7315, 35.6160),
            base | {"A33_001": 1, "A33_002": 2, "A33_004": "13109-001", "A33_005": "合成坂"},
        ),
    ]
    return _geojson(directory / f"A33-25_13_{MARK}.geojson", features)


def write_bad_a31(directory: Path) -> Path:
    """An A31-looking file whose rank field has the wrong name (depth instead of A31a_205)."""
    features = [_feature(BORDER, {"A31a_201": RIVER_CODE, "A31a_202": RIVER, "depth": 2})]
    return _geojson(directory / f"A31a-20-bad_{MARK}.geojson", features)


def write_mapped_geojson(directory: Path) -> Path:
    """A ward's own file: plain GeoJSON (RFC 7946, no crs member) with its own field names."""
    features = [
        _feature(box(139.718, 35.604, 139.722, 35.608), {"zone_id": "Z1", "浸水深": "0.5m以上3m未満", "河川": RIVER}),
        _feature(box(139.722, 35.604, 139.726, 35.608), {"zone_id": "Z2", "浸水深": "3m以上5m未満", "河川": RIVER}),
    ]
    return _geojson(directory / f"ward_flood_{MARK}.geojson", features, epsg=None)


def _pos_list(geom: Polygon) -> str:
    return " ".join(f"{y:.9f} {x:.9f} 0.0" for x, y in geom.exterior.coords)


def _triangles(cell: Polygon) -> list[Polygon]:
    x0, y0, x1, y1 = cell.bounds
    return [Polygon([(x0, y0), (x1, y0), (x1, y1)]), Polygon([(x0, y0), (x1, y1), (x0, y1)])]


SRS = "http://www.opengis.net/def/crs/EPSG/0/6697"
#: PLATEAU WaterBodies: (name, rank, cells); two bodies of rank 2 with the same name merge.
FLD_BODIES = (
    (
        "目黒川水系目黒川（SYNTHETIC）",
        2,
        [box(139.718, 35.604, 139.720, 35.606), box(139.720, 35.604, 139.722, 35.606)],
    ),
    ("目黒川水系目黒川（SYNTHETIC）", 2, [box(139.722, 35.604, 139.724, 35.606)]),
    ("目黒川水系目黒川（SYNTHETIC）", 3, [box(139.718, 35.606, 139.722, 35.608)]),
)


def write_plateau_fld(directory: Path, *, iur: str = "2.0", scale: str = "L2") -> Path:
    """A PLATEAU udx/fld CityGML file: WaterBody triangles (lat lon h, EPSG:6697) with rank and scale."""
    risk = "WaterBodyRiverFloodingRiskAttribute" if iur.startswith(("1", "2")) else "RiverFloodingRiskAttribute"
    members = []
    for index, (name, rank, cells) in enumerate(FLD_BODIES):
        triangles = [t for cell in cells for t in _triangles(cell)]
        triangles.append(Polygon([(139.718, 35.604), (139.719, 35.604), (139.720, 35.604)]))  # degenerate: no area
        surfaces = "".join(
            f"<gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing><gml:posList>{_pos_list(t)}"
            "</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>"
            for t in triangles
        )
        members.append(f"""<core:cityObjectMember><wtr:WaterBody gml:id="fld_{MARK}_{index}">
<gml:name>{name}</gml:name>
<wtr:class codeSpace="../../codelists/WaterBody_class.xml">1140</wtr:class>
<wtr:function codeSpace="../../codelists/WaterBody_function.xml">1</wtr:function>
<wtr:lod1MultiSurface><gml:MultiSurface srsName="{SRS}" srsDimension="3">{surfaces}</gml:MultiSurface>
</wtr:lod1MultiSurface>
<uro:floodingRiskAttribute><uro:{risk}>
<uro:description codeSpace="../../codelists/{risk}_description.xml">1</uro:description>
<uro:rank codeSpace="../../codelists/{risk}_rank.xml">{rank}</uro:rank>
<uro:adminType codeSpace="../../codelists/{risk}_adminType.xml">2</uro:adminType>
<uro:scale codeSpace="../../codelists/{risk}_scale.xml">{scale}</uro:scale>
</uro:{risk}></uro:floodingRiskAttribute>
</wtr:WaterBody></core:cityObjectMember>""")
    text = f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- {MARK} test fixture: not real hazard data -->
<core:CityModel xmlns:core="http://www.opengis.net/citygml/2.0" xmlns:gml="http://www.opengis.net/gml"
 xmlns:wtr="http://www.opengis.net/citygml/waterbody/2.0" xmlns:uro="https://www.geospatial.jp/iur/uro/{iur}">
<gml:boundedBy><gml:Envelope srsName="{SRS}" srsDimension="3">
<gml:lowerCorner>35.604 139.718 0</gml:lowerCorner><gml:upperCorner>35.608 139.724 0</gml:upperCorner>
</gml:Envelope></gml:boundedBy>
{"".join(members)}
</core:CityModel>
"""
    path = directory / f"533935_fld_6697_{scale.lower()}_{MARK}.gml"
    path.write_text(text, encoding="utf-8")
    return path


def write_all(directory: Path) -> list[Path]:
    """Every fixture into one directory."""
    directory.mkdir(parents=True, exist_ok=True)
    return [
        write_a31_depth_geojson(directory, 2),
        write_a31_depth_shapefile(directory, 1),
        write_a31_duration(directory),
        write_a31_house_collapse(directory),
        write_a49_shapefile(directory),
        write_a51_geojson(directory),
        write_a33_geojson(directory),
        write_bad_a31(directory),
        write_mapped_geojson(directory),
        write_plateau_fld(directory),
    ]


if __name__ == "__main__":
    for written in write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "hazard-fixtures")):
        print(written)
