"""What the console page needs to know: which hub endpoints exist, roles, transitions and labels (pure)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from alerts.lifecycle import ROLES as ALERT_ACTION_ROLES
from alerts.models import ALERT_STATUSES
from hub.hazards.models import HAZARD_ZONE_KINDS
from hub.i18n import LANGUAGES, STAFF_LANGUAGES
from hub.importers.api import IMPORT_ROLES
from hub.opendata.datasets import DATASETS
from hub.orders import service as orders
from hub.orders.models import ORDER_STATUSES
from hub.shelters import crowding
from hub.shelters import service as shelter_ops
from hub.shelters.models import HAZARDS, SHELTER_KINDS, SHELTER_STATUSES
from hub.stations import levels
from hub.users.auth import PERMISSIONS
from hub.users.models import ROLES

#: Hub endpoints the console may use: name → (method, path template). Absent ones show "not available".
ENDPOINTS: dict[str, tuple[str, str]] = {
    "login": ("POST", "/api/auth/token"),
    "me": ("GET", "/api/auth/me"),
    "logout": ("POST", "/api/auth/logout"),
    "shelters": ("GET", "/api/shelters"),
    "shelter": ("GET", "/api/shelters/{}"),
    "shelter_state": ("GET", "/api/shelters/{}/state"),
    "shelter_status": ("POST", "/api/shelters/{}/status"),
    "shelter_occupancy": ("PATCH", "/api/shelters/{}/occupancy"),
    "shelter_link": ("POST", "/api/shelters/{}/operator-link"),
    "shelter_history": ("GET", "/api/shelters/{}/history"),
    "stations": ("GET", "/api/stations"),
    "areas": ("GET", "/api/areas"),
    "base_map": ("GET", "/map/base.geojson"),
    "map_static": ("GET", "/static/{}"),
    "orders_current": ("GET", "/api/orders"),
    "orders_all": ("GET", "/api/orders/all"),
    "order": ("GET", "/api/orders/{}"),
    "order_draft": ("POST", "/api/orders"),
    "order_approve": ("POST", "/api/orders/{}/approve"),
    "order_issue": ("POST", "/api/orders/{}/issue"),
    "order_lift": ("POST", "/api/orders/{}/lift"),
    "order_cancel": ("POST", "/api/orders/{}/cancel"),
    "order_send_back": ("POST", "/api/orders/{}/send-back"),
    "order_resubmit": ("POST", "/api/orders/{}/resubmit"),
    "order_targets": ("GET", "/api/orders/preview-targets"),
    "order_alert_preview": ("GET", "/api/orders/{}/alert-preview"),
    "alerts": ("GET", "/api/alerts"),
    "alert": ("GET", "/api/alerts/{}"),
    "alert_approve": ("POST", "/api/alerts/{}/approve"),
    "alert_send": ("POST", "/api/alerts/{}/send"),
    "alert_reject": ("POST", "/api/alerts/{}/reject"),
    "alert_update": ("POST", "/api/alerts/{}/update"),
    "alert_cancel": ("POST", "/api/alerts/{}/cancel"),
    "alert_cap": ("GET", "/api/alerts/{}.cap"),
    "alert_cap_preview": ("GET", "/api/alerts/{}/cap-preview"),
    "alert_deliveries": ("GET", "/api/alerts/{}/deliveries"),
    "signs": ("GET", "/api/signage/devices"),
    "events": ("GET", "/api/events"),
    "audit": ("GET", "/api/audit"),
    "import_shelters_preview": ("POST", "/api/imports/shelters/preview"),
    "import_shelters": ("POST", "/api/imports/shelters"),
    "import_hazard_preview": ("POST", "/api/imports/hazard/preview"),
    "import_hazard": ("POST", "/api/imports/hazard"),
    "opendata": ("GET", "/opendata/"),
}
_PARAM = re.compile(r"\{[^}]*\}")
#: Colours of the five-level alert scale (警戒レベル) as the national guidelines print them.
LEVEL_COLOURS: dict[int, str] = {1: "#FFFFFF", 2: "#F2E700", 3: "#FF2800", 4: "#AA00AA", 5: "#0C000C"}
#: New events at or above this level ring the bell and badge the title.
ALARM_LEVEL = 3


def normalise(path: str) -> str:
    """A path template with every parameter written as {} and no trailing slash."""
    return _PARAM.sub("{}", path.rstrip("/") or "/")


def available_endpoints(routes: Iterable[tuple[str, set[str]]], mounts: Iterable[str]) -> dict[str, str | None]:
    """Each endpoint's path template when the app serves it (a route, or a mounted sub-app), else None."""
    served = {(method, normalise(path)) for path, methods in routes for method in methods}
    prefixes = [normalise(m) for m in mounts]
    found: dict[str, str | None] = {}
    for name, (method, path) in ENDPOINTS.items():
        here = (method, normalise(path)) in served or (
            method == "GET" and any(normalise(path).startswith(p) for p in prefixes if p != "/")
        )
        found[name] = path if here else None
    return found


def page_config(endpoints: dict[str, str | None], version: str) -> dict[str, Any]:
    """Everything static the console needs besides its catalogues."""
    return {
        "version": version,
        "endpoints": endpoints,
        "roles": list(ROLES),
        "permissions": {name: sorted(roles) for name, roles in PERMISSIONS.items()}
        | {"data.import": sorted(IMPORT_ROLES)}
        | {f"alert.{action}": sorted(roles) for action, roles in ALERT_ACTION_ROLES.items()},
        "shelter_statuses": list(SHELTER_STATUSES),
        "shelter_transitions": {k: sorted(v) for k, v in shelter_ops.TRANSITIONS.items()},
        "counting_statuses": sorted(shelter_ops.COUNTING_STATUSES),
        "shelter_kinds": list(SHELTER_KINDS),
        "crowding": {
            "thresholds": list(crowding.THRESHOLDS),
            "levels": [{"key": k, "label": ja, "label_en": en} for k, ja, en in crowding.LEVELS],
        },
        "hazards": list(HAZARDS),
        "hazard_zone_kinds": list(HAZARD_ZONE_KINDS),
        "order_levels": {str(k): {"ja": ja, "en": en} for k, (ja, en) in orders.LEVEL_NAMES.items()},
        "order_statuses": list(ORDER_STATUSES),
        "alert_statuses": list(ALERT_STATUSES),
        "alert_languages": list(LANGUAGES),
        "alert_language_tags": {lang.value: lang.html_tag for lang in LANGUAGES},
        "languages": [{"code": lang.value, "name": lang.native_name} for lang in STAFF_LANGUAGES],
        "level_colours": {str(k): v for k, v in LEVEL_COLOURS.items()},
        "station_bands": list(levels.BANDS),
        "band_alert_levels": levels.ALERT_LEVELS,
        "alarm_level": ALARM_LEVEL,
        "open_data": [
            {"file": d.file, "title": d.title, "description": d.description, "format": d.format} for d in DATASETS
        ],
    }
