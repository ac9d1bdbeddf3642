"""What the map page needs to know: which hub endpoints exist, layers, legends and attribution (pure)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from hub.hazards.codes import DEPTH_RANK_COLOURS
from hub.shelters import crowding
from hub.shelters.models import SHELTER_KINDS
from hub.stations import levels
from maps.tile_sources import TILE_SOURCES


def N_(msgid: str) -> str:
    """Mark a string for translation (translated in the browser)."""
    return msgid


#: Hub endpoints the map may use: name → (method, path template). Present ones are found in the app's routes.
ENDPOINTS: dict[str, tuple[str, str]] = {
    "shelters": ("GET", "/api/shelters"),
    "shelter": ("GET", "/api/shelters/{id}"),
    "shelters_nearest": ("GET", "/api/shelters/nearest"),
    "stations": ("GET", "/api/stations"),
    "station_readings": ("GET", "/api/stations/{code}/readings"),
    "hazard_zones": ("GET", "/api/hazard-zones"),
    "inundation": ("GET", "/api/inundation"),
    "areas": ("GET", "/api/areas"),
    "orders": ("GET", "/api/orders"),
    "point_info": ("GET", "/api/point-info"),
    "walk_route": ("GET", "/api/route/walk"),
    "events": ("GET", "/api/events"),
    "alerts": ("GET", "/api/alerts/current"),
    "webpush": ("POST", "/api/subscriptions/webpush"),
    "webpush_delete": ("DELETE", "/api/subscriptions/webpush"),
    "webpush_key": ("GET", "/api/push/vapid-public-key"),
    "tiles": ("GET", "/tiles/{layer}/{z}/{x}/{y}.mvt"),
    "opendata": ("GET", "/opendata/"),
}
_PARAM = re.compile(r"\{[^}]*\}")
#: Public reads the map's service worker may keep for offline use; a live stream is never stored.
NOT_KEPT_OFFLINE: frozenset[str] = frozenset({"events"})

#: Dangers a resident can choose (shelter suitability; GSI hazard flags). Volcano is left out in the wards.
HAZARD_OPTIONS: tuple[tuple[str, str], ...] = (
    ("all", N_("Any danger (show all)")),
    ("flood", N_("River flood")),
    ("inland_flood", N_("Heavy rain flooding")),
    ("storm_surge", N_("Storm surge")),
    ("landslide", N_("Landslide")),
    ("earthquake", N_("Earthquake")),
    ("tsunami", N_("Tsunami")),
    ("large_fire", N_("Large fire")),
)
#: Hazard-zone kinds the layer can show; landslide also draws its special warning zones.
ZONE_KINDS: tuple[tuple[str, str], ...] = (
    ("river_flood", N_("River flood")),
    ("inland_flood", N_("Heavy rain flooding")),
    ("storm_surge", N_("Storm surge")),
    ("tsunami", N_("Tsunami")),
    ("landslide", N_("Landslide")),
    ("house_collapse", N_("Houses may be washed away")),
    ("flood_duration", N_("How long the water stays")),
)
SHELTER_KIND_LABELS: dict[str, str] = {
    "designated_emergency_site": N_("Emergency evacuation site"),
    "designated_shelter": N_("Evacuation shelter (stay)"),
    "wide_area_site": N_("Wide-area evacuation site"),
    "temporary_assembly_point": N_("Temporary gathering point"),
    "temporary_stay_facility": N_("Stay for stranded commuters"),
    "welfare_shelter": N_("Welfare shelter"),
}
#: Online background maps (off by default: the first view stays light and works with no connection).
BASE_TILES: tuple[dict[str, Any], ...] = (
    {
        "id": "gsi-pale",
        "label": N_("GSI map (needs internet)"),
        "url": "https://cyberjapandata.gsi.go.jp/xyz/pale/{z}/{x}/{y}.png",
        "attribution": '<a href="https://maps.gsi.go.jp/development/ichiran.html">地理院タイル</a>',
        "max_native_zoom": 18,
    },
    {
        "id": "osm",
        "label": N_("OpenStreetMap (needs internet)"),
        "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "attribution": '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
        "max_native_zoom": 19,
    },
)


def tile_origins() -> list[str]:
    """The origins (scheme://host) of the online background maps, for the pages' Content-Security-Policy."""
    return sorted({"{0.scheme}://{0.netloc}".format(urlsplit(str(tiles["url"]))) for tiles in BASE_TILES})


#: Attribution of the bundled data (data/README.md); shown in the map's "about" section.
ATTRIBUTIONS: tuple[str, ...] = (
    "出典：国土地理院「指定緊急避難場所・指定避難所データ」",
    "出典：品川区「災害時等の避難所・広域避難場所」「一時集合場所」（東京都オープンデータカタログ）",
    "品川区「町丁別浸水実績一覧」「令和7年9月11日 浸水実績図」（第三者による転記）",
    "国土交通省「川の水位情報」",
    "「国土数値情報（行政区域データ）」「国土数値情報（河川データ）」（国土交通省）",
    "浸水深の配色：国土交通省「水害ハザードマップ作成の手引き」の標準色",
)
#: 警戒レベル colours (気象庁 / 内閣府 guidelines): 2 yellow, 3 red, 4 purple, 5 black.
LEVEL_COLOURS: dict[int, str] = {1: "#FFFFFF", 2: "#F2E700", 3: "#FF2800", 4: "#AA00AA", 5: "#0C000C"}


def _normalise(path: str) -> str:
    return _PARAM.sub("{}", path.rstrip("/") or "/")


def available_endpoints(routes: Iterable[tuple[str, set[str]]]) -> dict[str, str | None]:
    """Each known endpoint's path template when the app serves it, else None (the map hides that feature)."""
    served = {(method, _normalise(path)) for path, methods in routes for method in methods}
    return {
        name: (path if (method, _normalise(path)) in served else None) for name, (method, path) in ENDPOINTS.items()
    }


def offline_paths() -> list[str]:
    """Path templates of the public GET endpoints whose answers the service worker may keep offline."""
    return sorted(
        path
        for name, (method, path) in ENDPOINTS.items()
        if method == "GET" and name not in NOT_KEPT_OFFLINE and path.startswith(("/api/", "/tiles/"))
    )


def page_config(endpoints: dict[str, str | None], extent: tuple[float, float, float, float] | None) -> dict[str, Any]:
    """The configuration embedded in the page (and served at /map/config.json)."""
    return {
        "endpoints": endpoints,
        "extent": extent,
        "hazard_options": [value for value, _ in HAZARD_OPTIONS],
        "hazard_labels": dict(HAZARD_OPTIONS),
        "zone_kinds": dict(ZONE_KINDS),
        "shelter_kinds": {k: SHELTER_KIND_LABELS.get(k, k) for k in SHELTER_KINDS},
        "depth_colours": DEPTH_RANK_COLOURS,
        "level_colours": LEVEL_COLOURS,
        "station_alert_levels": levels.ALERT_LEVELS,
        "crowding": {"thresholds": list(crowding.THRESHOLDS), "keys": [key for key, _, _ in crowding.LEVELS]},
        "base_tiles": list(BASE_TILES),
        "official_tiles": [source.as_dict() for source in TILE_SOURCES],
    }
