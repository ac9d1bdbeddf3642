"""国土数値情報 hazard layers: A31 洪水浸水想定区域, A49 高潮, A51 雨水出水（内水）, A33 土砂災害警戒区域."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hub.hazards.codes import (
    DURATION_LABELS,
    HOUSE_COLLAPSE_LABELS,
    LANDSLIDE_PHENOMENA,
    LANDSLIDE_ZONES,
    SCALE_SCENARIOS,
    Depth,
    code_int,
    depth_from_rank,
    depth_from_value,
)
from hub.importers.common import ImportRejected, RowError
from hub.importers.vector_io import VectorFile
from hub.importers.zones import ZoneInput, feature_geometry

#: A31 attribute prefixes: A31a = 河川単位 (2023年度以降), A31 = 河川単位 第2.x/3.0版, A31b = 1次メッシュ単位.
A31_PREFIXES = ("A31a", "A31", "A31b")
#: A31 layer number → (kind, flood scale). 1 計画規模, 2 想定最大規模, 3 浸水継続時間, 4 家屋倒壊等氾濫想定区域.
A31_LAYERS: dict[int, tuple[str, str]] = {
    1: ("river_flood", "L1"),
    2: ("river_flood", "L2"),
    3: ("flood_duration", "L2"),
    4: ("house_collapse", "L2"),
}
#: Storm surge and inland flood areas are drawn for the largest assumed event (想定し得る最大規模).
MAX_SCENARIO = SCALE_SCENARIOS["L2"]
KSJ_FORMATS = ("ksj-a31", "ksj-a49", "ksj-a51", "ksj-a33")


@dataclass(frozen=True)
class A31Layer:
    """Which A31 layer a file is and the names of its fields."""

    prefix: str
    number: int

    def field(self, item: int) -> str:
        """The attribute name of item 1–5 of this layer (mesh layers carry only the code, item 1)."""
        return f"{self.prefix}_{self.number}{item:02d}"

    @property
    def code_field(self) -> str:
        """The field holding the rank/class code."""
        return self.field(1 if self.prefix == "A31b" else 5)

    @property
    def river_fields(self) -> tuple[str, str] | None:
        """River code and river name fields (none in the mesh edition)."""
        return None if self.prefix == "A31b" else (self.field(1), self.field(2))


def _refuse(vector: VectorFile, field: str, why: str) -> ImportRejected:
    found = ", ".join(vector.fields[:12]) or "none"
    return ImportRejected([RowError(vector.name, None, field, f"{why} (fields in the file: {found})")])


def _require(vector: VectorFile, *fields: str, what: str) -> None:
    for name in fields:
        if name not in vector.fields:
            raise _refuse(vector, name, f"required {what} field {name} is missing")


def detect_a31(vector: VectorFile) -> A31Layer:
    """The A31 layer of a file from its field names; refused with the expected field named if none fits."""
    for prefix in A31_PREFIXES:
        for number in A31_LAYERS:
            layer = A31Layer(prefix, number)
            if layer.code_field in vector.fields:
                if layer.river_fields:
                    _require(vector, *layer.river_fields, what="A31")
                return layer
    expected = "/".join(A31Layer("A31a", n).code_field for n in A31_LAYERS)
    raise _refuse(vector, "A31a_205", f"not a KSJ A31 layer: required rank field {expected} is missing")


Parser = Callable[[dict[str, Any], int, list[RowError]], dict[str, Any] | None]


def _a31(vector: VectorFile) -> Parser:
    layer = detect_a31(vector)
    kind, scale = A31_LAYERS[layer.number]
    code_field = layer.code_field

    def parse(props: dict[str, Any], row: int, errors: list[RowError]) -> dict[str, Any] | None:
        value = props.get(code_field)
        river_code, river = (props.get(f) for f in layer.river_fields) if layer.river_fields else (None, None)
        base: dict[str, Any] = {"kind": kind, "scenario": SCALE_SCENARIOS[scale], "river_name": river}
        attrs = {"layer": f"{layer.prefix}-{layer.number}0", "scale": scale, "manager": props.get(layer.field(4))}
        if kind == "river_flood":
            try:
                depth = depth_from_rank(value)
            except ValueError as exc:
                errors.append(RowError(vector.name, row, code_field, str(exc)))
                return None
            return base | _depth_columns(depth) | {"group": (river_code, depth.rank), "attributes": attrs}
        labels = DURATION_LABELS if kind == "flood_duration" else HOUSE_COLLAPSE_LABELS
        code = code_int(value)
        if code not in labels:
            errors.append(RowError(vector.name, row, code_field, f"unknown code {value!r}; one of {sorted(labels)}"))
            return None
        attrs["label"] = labels[code]
        return base | {"original_code": str(code), "group": (river_code, code), "attributes": attrs}

    return parse


def _depth_columns(depth: Depth) -> dict[str, Any]:
    return {
        "depth_rank": depth.rank,
        "depth_min_m": depth.min_m,
        "depth_max_m": depth.max_m,
        "original_code": depth.original,
    }


def _depth_class(vector: VectorFile, kind: str, depth_field: str, group_fields: tuple[str, ...]) -> Parser:
    _require(vector, depth_field, *group_fields, what=depth_field.split("_")[0])

    def parse(props: dict[str, Any], row: int, errors: list[RowError]) -> dict[str, Any] | None:
        value = props.get(depth_field)
        try:
            depth = depth_from_value(value)
        except ValueError as exc:
            errors.append(RowError(vector.name, row, depth_field, str(exc)))
            return None
        group = (*(props.get(f) for f in group_fields), depth.original)
        attrs = {"label": str(value), "rank_label": depth.label}
        return {"kind": kind, "scenario": MAX_SCENARIO, "group": group, "attributes": attrs} | _depth_columns(depth)

    return parse


def _a33(vector: VectorFile) -> Parser:
    _require(vector, "A33_001", "A33_002", what="A33")

    def parse(props: dict[str, Any], row: int, errors: list[RowError]) -> dict[str, Any] | None:
        phenomenon, zone = code_int(props.get("A33_001")), code_int(props.get("A33_002"))
        if phenomenon not in LANDSLIDE_PHENOMENA:
            errors.append(RowError(vector.name, row, "A33_001", f"unknown 現象の種類 {props.get('A33_001')!r}"))
            return None
        if zone not in LANDSLIDE_ZONES:
            errors.append(RowError(vector.name, row, "A33_002", f"unknown 区域区分 {props.get('A33_002')!r}"))
            return None
        label, special = LANDSLIDE_ZONES[zone]
        number = props.get("A33_004") or f"row{row}"
        return {
            "kind": "landslide_special" if special else "landslide",
            "scenario": LANDSLIDE_PHENOMENA[phenomenon],
            "original_code": str(zone),
            "group": (phenomenon, zone, number),
            "attributes": {"label": label, "phenomenon": LANDSLIDE_PHENOMENA[phenomenon], "name": props.get("A33_005")},
        }

    return parse


def ksj_parser(vector: VectorFile, source_format: str) -> Parser:
    """The row parser for a KSJ file of the given format, after checking its fields."""
    if source_format == "ksj-a31":
        return _a31(vector)
    if source_format == "ksj-a49":
        return _depth_class(vector, "storm_surge", "A49_003", ())
    if source_format == "ksj-a51":
        return _depth_class(vector, "inland_flood", "A51_005", ("A51_004",))
    if source_format == "ksj-a33":
        return _a33(vector)
    raise ValueError(f"unknown KSJ format {source_format!r}; one of {KSJ_FORMATS}")


def parse_ksj(
    vector: VectorFile, source_format: str, *, errors: list[RowError], warnings: list[RowError]
) -> list[ZoneInput]:
    """Normalised zones of every feature of a KSJ file; bad rows are recorded in errors (pure)."""
    parse = ksj_parser(vector, source_format)
    zones: list[ZoneInput] = []
    for row, props, geometry in vector.features:
        fields = parse(props, row, errors)
        geom = feature_geometry(geometry, file=vector.name, row=row, errors=errors, warnings=warnings)
        if fields is None or geom is None:
            continue
        extra = fields.pop("attributes")
        attributes = {k: v for k, v in props.items() if v not in (None, "")} | {
            k: v for k, v in extra.items() if v is not None
        }
        zones.append(ZoneInput(row=row, geom=geom, attributes=attributes, **fields))
    return zones
