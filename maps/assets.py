"""The map's static assets: the JS bundle built from maps/static/js, a content version, the offline precache list."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from hub.api.static_files import file_under
from hub.i18n import LANGUAGES, po_path
from maps.i18n import DOMAIN

PACKAGE = Path(__file__).resolve().parent
STATIC_DIR = PACKAGE / "static"
JS_DIR = STATIC_DIR / "js"
TEMPLATES_DIR = PACKAGE / "templates"
#: Source modules of /static/app.js, in load order (each is a self-contained IIFE on window.Bosai).
JS_MODULES = (
    "core.js",
    "i18n.js",
    "net.js",
    "speech.js",
    "basemap.js",
    "hazard.js",
    "history.js",
    "shelters.js",
    "gauges.js",
    "orders.js",
    "where.js",
    "listview.js",
    "notify.js",
    "live.js",
    "panels.js",
    "app.js",
)
#: Files every offline start needs (the page and catalogues are added by the service worker route).
PRECACHE_STATIC = (
    "/static/vendor/leaflet/leaflet.css",
    "/static/vendor/leaflet/leaflet.js",
    "/static/app.css",
    "/static/app.js",
    "/static/icons/icon.svg",
    "/static/icons/icon-192.png",
)


@dataclass(frozen=True)
class Bundle:
    """The concatenated app script and its version."""

    body: bytes
    version: str


def _version_of(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@lru_cache(maxsize=1)
def bundle() -> Bundle:
    """The app script: every module in order, separated by a comment naming its source."""
    parts = [f"/* {name} */\n{(JS_DIR / name).read_text('utf-8')}\n" for name in JS_MODULES]
    body = "".join(parts).encode("utf-8")
    return Bundle(body, hashlib.sha256(body).hexdigest()[:12])


@lru_cache(maxsize=1)
def version() -> str:
    """A version that changes whenever a served asset, template or catalogue changes."""
    files = sorted(p for p in STATIC_DIR.rglob("*") if p.is_file() and "axe-core" not in p.parts)
    files += sorted(TEMPLATES_DIR.rglob("*"))
    files += [po_path(DOMAIN, lang) for lang in LANGUAGES]
    return _version_of([p for p in files if p.is_file()])


def precache_urls() -> list[str]:
    """Every URL the service worker stores at install so the map opens offline."""
    v = version()
    static = [f"{url}?v={v}" for url in PRECACHE_STATIC]
    return [
        "/",
        "/manifest.webmanifest",
        "/map/base.geojson",
        *static,
        *(f"/map/i18n/{lang.value}.json" for lang in LANGUAGES),
    ]


def static_file(relative: str) -> Path | None:
    """The file under maps/static for a URL path, or None when it is missing or outside the directory."""
    return file_under(STATIC_DIR, relative)
