"""`bosai map export`: one self-contained folium HTML map of the hazard and flood-history layers for a ward's site."""

from __future__ import annotations

import base64
import html
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import folium
from branca.element import Element, Figure
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from hub.hazards import layers as queries_geo
from hub.hazards import queries
from hub.hazards.codes import DEPTH_RANK_COLOURS
from hub.i18n import Language
from maps.assets import STATIC_DIR
from maps.config import ATTRIBUTIONS, N_, ZONE_KINDS
from maps.i18n import Translator
from maps.queries import base_area_features, base_river_features

LEAFLET = STATIC_DIR / "vendor" / "leaflet"
#: Zoom the exported zones are simplified for (the town-block scale residents read).
EXPORT_ZOOM = 15
START_ZOOM = 14
TOLERANCE = 0.00005
PRECISION = 6
#: Hazard-zone colours without a depth rank.
KIND_COLOURS = {"landslide": "#FFE600", "landslide_special": "#E6001E", "house_collapse": "#FF6E6E"}
HISTORY_COLOUR = "#1e3a8a"
VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1" />'
_FOLIUM_VIEWPORT = re.compile(r'<meta name="viewport"[^>]*/>', re.S)
_CSS_IMAGE = re.compile(r"url\(images/([a-z0-9-]+\.png)\)")
#: Layer names of the zone kinds, in the order the layer list shows them (river flood first).
KIND_LABELS: dict[str, str] = {
    **dict(ZONE_KINDS),
    "landslide": N_("Landslide warning zone"),
    "landslide_special": N_("Landslide special warning zone"),
}
DEPTH_LABELS = (
    N_("Less than 0.5 m"),
    N_("0.5 m to 3 m"),
    N_("3 m to 5 m"),
    N_("5 m to 10 m"),
    N_("10 m to 20 m"),
    N_("20 m or more"),
)


class ExportError(ValueError):
    """The export cannot be made (unknown ward, nothing to show)."""


@dataclass(frozen=True)
class ExportData:
    """What goes into the exported map."""

    ward: dict[str, Any]
    areas: list[dict[str, Any]]
    rivers: list[dict[str, Any]]
    zones: list[dict[str, Any]]
    floods: list[dict[str, Any]]
    bbox: tuple[float, float, float, float]


def _bbox(geometry: dict[str, Any]) -> tuple[float, float, float, float]:
    coords: list[list[float]] = []

    def walk(value: Any) -> None:
        if value and isinstance(value[0], int | float):
            coords.append(value)
        else:
            for item in value:
                walk(item)

    walk(geometry["coordinates"])
    xs, ys = [c[0] for c in coords], [c[1] for c in coords]
    return (min(xs), min(ys), max(xs), max(ys))


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def load(session: Session, *, ward_code: str) -> ExportData:
    """Read the ward, its rivers, hazard zones and flood history from the hub."""
    areas = base_area_features(session, tolerance=TOLERANCE, precision=PRECISION)
    ward = next((f for f in areas if f["properties"]["code"] == ward_code), None)
    if ward is None:
        known = ", ".join(f["properties"]["code"] for f in areas if f["properties"]["kind"] == "ward")
        raise ExportError(f"no area with code {ward_code!r}; wards in the hub: {known or 'none'}")
    bbox = _bbox(ward["geometry"])
    zones = queries.hazard_features(session, bbox=bbox, zoom=EXPORT_ZOOM)
    floods = json.loads(queries_geo.inundation_geojson(session, ward_code=ward_code))["features"]
    rivers = [
        f
        for f in base_river_features(session, tolerance=TOLERANCE, precision=PRECISION)
        if _overlaps(_bbox(f["geometry"]), bbox)
    ]
    mine = [f for f in areas if f["properties"]["code"] == ward_code or f["properties"]["parent_code"] == ward_code]
    return ExportData(ward["properties"], mine, rivers, zones, floods, bbox)


def _swatch(colour: str, label: str) -> str:
    return f'<li><span class="sw" style="background:{colour}"></span>{html.escape(label)}</li>'


def _legend(t: Translator, kinds: list[str]) -> str:
    rows = [_swatch(DEPTH_RANK_COLOURS[rank], t.t(label)) for rank, label in enumerate(DEPTH_LABELS, start=1)]
    rows += [_swatch(KIND_COLOURS[k], t.t(KIND_LABELS.get(k, k))) for k in kinds if k in KIND_COLOURS]
    rows.append(_swatch(f"repeating-linear-gradient(45deg,{HISTORY_COLOUR} 0 3px,#fff 3px 7px)", t.t("Past floods")))
    heading = html.escape(t.t("Depth"))
    return f'<section class="bosai-legend"><strong>{heading}</strong><ul>{"".join(rows)}</ul></section>'


def _flood_words(t: Translator, p: dict[str, Any]) -> str:
    if p.get("above_floor") is not None:
        counts = t.t(
            "{above} buildings flooded above the floor, {below} below the floor.",
            above=p["above_floor"],
            below=p.get("below_floor") if p.get("below_floor") is not None else "?",
        )
    elif p.get("count_class"):
        counts = t.t("{range} buildings flooded.", range=str(p["count_class"]).removesuffix("件"))
    else:
        counts = t.t("Flooding was recorded.")
    return f"{p.get('town_name', '')}: {p.get('event_name', '')} — {counts}"


def build_map(data: ExportData, *, lang: str) -> folium.Map:
    """The folium map: the ward, rivers, one layer per hazard kind, the flood history, a legend."""
    t = Translator(Language(lang))
    west, south, east, north = data.bbox
    fmap = folium.Map(location=[(south + north) / 2, (west + east) / 2], zoom_start=START_ZOOM, tiles=None)
    fmap.default_js, fmap.default_css = [], []
    base = folium.FeatureGroup(name=data.ward["name"], control=False).add_to(fmap)
    folium.GeoJson(
        {"type": "FeatureCollection", "features": data.areas},
        style_function=lambda f: {
            "color": "#3d352b",
            "weight": 2.5 if f["properties"]["kind"] == "ward" else 0.8,
            "fillColor": "#fffdf8",
            "fillOpacity": 1,
        },
    ).add_to(base)
    folium.GeoJson(
        {"type": "FeatureCollection", "features": data.rivers},
        style_function=lambda f: {"color": "#2f74b5", "weight": 3},
    ).add_to(base)
    present = {str(z["properties"]["kind"]) for z in data.zones}
    kinds = [k for k in KIND_LABELS if k in present] + sorted(present - set(KIND_LABELS))
    for kind in kinds:
        features = [z for z in data.zones if z["properties"]["kind"] == kind]
        group = folium.FeatureGroup(name=t.t(KIND_LABELS.get(kind, kind)), show=kind == kinds[0])
        for z in features:
            rank = z["properties"].get("depth_rank")
            z["properties"]["label"] = t.t(DEPTH_LABELS[rank - 1] if rank else KIND_LABELS.get(kind, kind))
        folium.GeoJson(
            {"type": "FeatureCollection", "features": features},
            style_function=lambda f: {
                "fillColor": DEPTH_RANK_COLOURS.get(f["properties"]["depth_rank"] or 0)
                or KIND_COLOURS.get(f["properties"]["kind"], "#888"),
                "fillOpacity": 0.7,
                "color": "#555",
                "weight": 0.5,
            },
            tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
        ).add_to(group)
        group.add_to(fmap)
    mapped = [f for f in data.floods if f.get("geometry")]
    history = folium.FeatureGroup(name=t.t("Past floods"), show=True)
    for feature in mapped:
        layer = folium.GeoJson(
            feature,
            style_function=lambda f: {"color": HISTORY_COLOUR, "weight": 2, "dashArray": "4 3", "fillOpacity": 0.15},
        )
        layer.add_child(folium.Popup(html.escape(_flood_words(t, feature["properties"])), max_width=300))
        layer.add_to(history)
    history.add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.fit_bounds([[south, west], [north, east]])
    listed = "".join(f"<li>{html.escape(_flood_words(t, f['properties']))}</li>" for f in data.floods)
    sources = "".join(f"<li>{html.escape(line)}</li>" for line in ATTRIBUTIONS)
    panel = (
        f'<aside class="bosai-side">{_legend(t, kinds)}'
        f"<section><h2>{html.escape(t.t('Past floods'))}</h2><ul>{listed}</ul></section>"
        f"<section><h2>{html.escape(t.t('Source'))}</h2><ul class='src'>{sources}</ul></section></aside>"
    )
    cast(Figure, fmap.get_root()).html.add_child(Element(panel))
    return fmap


def _inline_css(css: str) -> str:
    """Leaflet's CSS with its images as data: URIs (the export must not load anything)."""

    def data_uri(match: re.Match[str]) -> str:
        encoded = base64.b64encode((LEAFLET / "images" / match.group(1)).read_bytes()).decode()
        return f"url(data:image/png;base64,{encoded})"

    return _CSS_IMAGE.sub(data_uri, css)


EXPORT_CSS = """
.bosai-side{position:absolute;z-index:1000;left:10px;bottom:24px;max-width:min(92vw,360px);max-height:45vh;
overflow:auto;background:#fff;border:2px solid #0b3a66;border-radius:8px;padding:8px 12px;
font:16px/1.5 system-ui,sans-serif;color:#1a1a1a}
.bosai-side h2{font-size:1rem;margin:8px 0 2px}.bosai-side ul{margin:0;padding-left:1.2em}
.bosai-legend ul{list-style:none;padding:0}.bosai-legend li{display:flex;gap:8px;align-items:center}
.sw{display:inline-block;width:28px;height:16px;border:1px solid #555}.src{font-size:.8rem}
"""


def self_contained_html(fmap: folium.Map, *, lang: str, title: str) -> str:
    """The rendered page with Leaflet's JS and CSS inlined and a zoomable viewport; no external request."""
    root = cast(Figure, fmap.get_root())
    css = _inline_css((LEAFLET / "leaflet.css").read_text("utf-8"))
    script = (LEAFLET / "leaflet.js").read_text("utf-8").replace("</script", "<\\/script")
    root.header.add_child(Element(f"<style>{css}{EXPORT_CSS}</style>"), name="leaflet_css", index=0)
    root.header.add_child(Element(f"<script>{script}</script>"), name="leaflet_js", index=1)
    page = root.render()
    page = _FOLIUM_VIEWPORT.sub(VIEWPORT, page, count=1)
    page = page.replace("<html>", f'<html lang="{Language(lang).html_tag}">', 1)
    return page.replace("<head>", f"<head>\n<title>{html.escape(title)}</title>", 1)


def export(engine: Engine, directory: Path, *, ward_code: str, lang: str) -> Path:
    """Write DIRECTORY/index.html for the ward; returns its path."""
    with Session(engine) as session:
        data = load(session, ward_code=ward_code)
    title = f"{data.ward['name']} {Translator(Language(lang)).t('Disaster map')}"
    page = self_contained_html(build_map(data, lang=lang), lang=lang, title=title)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / "index.html"
    target.write_text(page, "utf-8")
    return target
