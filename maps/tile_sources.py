"""Official GSI hazard raster tiles (重ねるハザードマップ) the map may overlay when online, as plain data.

The imported hazard_zones remain the offline truth; these tiles are a complement with national coverage.
Terms: ハザードマップポータルサイト open data (出典表示 required; see ATTRIBUTION_URL).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from hub.hazards.codes import DEPTH_RANK_COLOURS, DEPTH_RANK_LABELS, DURATION_LABELS

BASE_URL = "https://disaportaldata.gsi.go.jp/raster"
ATTRIBUTION = "ハザードマップポータルサイト（国土交通省）"
ATTRIBUTION_URL = "https://disaportal.gsi.go.jp/hazardmap/copyright/opendata.html"
#: The tiles are rendered up to zoom 17; a client may over-zoom beyond.
MAX_NATIVE_ZOOM = 17
MIN_ZOOM = 2


@dataclass(frozen=True)
class LegendEntry:
    """One colour of a tile legend."""

    label: str
    colour: str


@dataclass(frozen=True)
class TileSource:
    """One XYZ raster overlay: where its tiles are, what it shows, its legend and attribution."""

    id: str
    name: str
    name_en: str
    kind: str
    url: str
    legend: tuple[LegendEntry, ...]
    attribution: str = ATTRIBUTION
    attribution_url: str = ATTRIBUTION_URL
    min_zoom: int = MIN_ZOOM
    max_native_zoom: int = MAX_NATIVE_ZOOM
    opacity: float = 0.6
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON (a map page's config)."""
        return asdict(self)


def _url(layer: str) -> str:
    return f"{BASE_URL}/{layer}/{{z}}/{{x}}/{{y}}.png"


#: Depth legend of flood and storm-surge tiles (the same six classes as hazard_zones.depth_rank).
DEPTH_LEGEND = tuple(LegendEntry(DEPTH_RANK_LABELS[r], DEPTH_RANK_COLOURS[r]) for r in sorted(DEPTH_RANK_LABELS))
#: Tsunami tiles split the shallow classes further (津波浸水想定の新凡例).
TSUNAMI_LEGEND = (
    LegendEntry("0.3m未満", "#FFFFB3"),
    LegendEntry("0.3m以上0.5m未満", "#F7F5A9"),
    LegendEntry("0.5m以上1m未満", "#F8E1A6"),
    LegendEntry("1m以上3m未満", "#FFD8C0"),
    *DEPTH_LEGEND[2:],
)
DURATION_LEGEND = tuple(
    LegendEntry(label, colour)
    for label, colour in zip(
        DURATION_LABELS.values(),
        ("#A0D2FF", "#0041FF", "#0000B4", "#00006E", "#6E006E", "#4B004B", "#280028"),
        strict=True,
    )
)
LANDSLIDE_LEGEND = (
    LegendEntry("土砂災害警戒区域", "#FFE600"),
    LegendEntry("土砂災害特別警戒区域", "#E6001E"),
)

TILE_SOURCES: tuple[TileSource, ...] = (
    TileSource(
        "gsi-flood-l2",
        "洪水浸水想定区域（想定最大規模）",
        "River flood, largest assumed (L2)",
        "river_flood",
        _url("01_flood_l2_shinsuishin_data"),
        DEPTH_LEGEND,
    ),
    TileSource(
        "gsi-flood-l1",
        "洪水浸水想定区域（計画規模）",
        "River flood, planned scale (L1)",
        "river_flood",
        _url("01_flood_l1_shinsuishin_newlegend_data"),
        DEPTH_LEGEND,
    ),
    TileSource(
        "gsi-flood-duration",
        "浸水継続時間（想定最大規模）",
        "Flood duration (L2)",
        "flood_duration",
        _url("01_flood_l2_keizoku_data"),
        DURATION_LEGEND,
        note="Legend colours approximate the official legend; check against the portal's legend image.",
    ),
    TileSource(
        "gsi-house-collapse-flow",
        "家屋倒壊等氾濫想定区域（氾濫流）",
        "House-collapse zone (flood flow)",
        "house_collapse",
        _url("01_flood_l2_kaokutoukai_hanran_data"),
        (LegendEntry("氾濫流", "#FF6E6E"),),
    ),
    TileSource(
        "gsi-house-collapse-erosion",
        "家屋倒壊等氾濫想定区域（河岸侵食）",
        "House-collapse zone (bank erosion)",
        "house_collapse",
        _url("01_flood_l2_kaokutoukai_kagan_data"),
        (LegendEntry("河岸侵食", "#FF6E6E"),),
    ),
    TileSource(
        "gsi-storm-surge",
        "高潮浸水想定区域",
        "Storm surge",
        "storm_surge",
        _url("03_hightide_l2_shinsuishin_data"),
        DEPTH_LEGEND,
    ),
    TileSource(
        "gsi-tsunami",
        "津波浸水想定",
        "Tsunami",
        "tsunami",
        _url("04_tsunami_newlegend_data"),
        TSUNAMI_LEGEND,
    ),
    TileSource(
        "gsi-landslide-debris-flow",
        "土砂災害警戒区域（土石流）",
        "Landslide warning zone: debris flow",
        "landslide",
        _url("05_dosekiryukeikaikuiki"),
        LANDSLIDE_LEGEND,
    ),
    TileSource(
        "gsi-landslide-steep-slope",
        "土砂災害警戒区域（急傾斜地の崩壊）",
        "Landslide warning zone: steep slope",
        "landslide",
        _url("05_kyukeishakeikaikuiki"),
        LANDSLIDE_LEGEND,
    ),
    TileSource(
        "gsi-landslide-slide",
        "土砂災害警戒区域（地すべり）",
        "Landslide warning zone: landslide",
        "landslide",
        _url("05_jisuberikeikaikuiki"),
        LANDSLIDE_LEGEND,
    ),
)


def tile_source(source_id: str) -> TileSource:
    """One overlay by id (KeyError if unknown)."""
    for source in TILE_SOURCES:
        if source.id == source_id:
            return source
    raise KeyError(source_id)
