"""The public hazard map: the page at /, its manifest, service worker, static files, base map and catalogues."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.routing import iter_route_contexts
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from hub.i18n import LANGUAGES, Language, browser_messages, negotiate, parse_language
from maps import assets
from maps.basemap import BaseMapCache
from maps.config import (
    ATTRIBUTIONS,
    BASE_TILES,
    HAZARD_OPTIONS,
    LEVEL_COLOURS,
    N_,
    ZONE_KINDS,
    available_endpoints,
    offline_paths,
)
from maps.config import page_config as build_config
from maps.i18n import DOMAIN, Translator, browser_catalogue, browser_languages

router = APIRouter(include_in_schema=False)
templates = Environment(loader=FileSystemLoader(assets.TEMPLATES_DIR), autoescape=select_autoescape(["html"]))
base_maps = BaseMapCache()
#: Versioned assets never change under one URL; everything else is revalidated on each use.
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
MANIFEST_COLOURS = {"theme_color": "#0b3a66", "background_color": "#ffffff"}


def _routes(request: Request) -> list[tuple[str, set[str]]]:
    """(path, methods) of every route of the app, included routers and mounts too (mounts serve GET)."""
    out: list[tuple[str, set[str]]] = []
    for route in iter_route_contexts(request.app.routes):
        path = route.path
        if not isinstance(path, str):
            continue
        methods = route.methods
        out.append((path, set(methods) if methods else {"GET"}))
        if not methods:
            out.append((path.rstrip("/") + "/", {"GET"}))
    return out


def _page_config(request: Request) -> dict[str, Any]:
    base = base_maps.get(request.app.state.engine, request.app.state.settings.data_dir)
    return build_config(available_endpoints(_routes(request)), base.extent) | {"version": assets.version()}


def _script_json(value: Any) -> Markup:
    """JSON safe inside a <script> element (no closing tag, no HTML comment)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


@router.get("/", response_class=HTMLResponse)
def map_page(
    request: Request,
    lang: Annotated[str | None, Query(max_length=16)] = None,
    accept_language: Annotated[str | None, Header(max_length=512)] = None,
) -> HTMLResponse:
    """The map, in the language asked for or preferred by the browser."""
    chosen: Language = negotiate(accept_language, lang)
    config = _page_config(request)
    boot = {
        "lang": chosen.value,
        "languages": browser_languages(),
        "messages": browser_messages(DOMAIN, chosen),
        "config": config,
    }
    translator = Translator(chosen)
    html = templates.get_template("index.html").render(
        lang=chosen,
        languages=LANGUAGES,
        t=translator.t,
        th=translator.th,
        N_=N_,
        version=assets.version(),
        boot_json=_script_json(boot),
        hazard_options=HAZARD_OPTIONS,
        zone_kinds=ZONE_KINDS,
        base_tiles=BASE_TILES,
        attributions=ATTRIBUTIONS,
        depth_colours=sorted(config["depth_colours"].items()),
        level_colours=LEVEL_COLOURS,
    )
    headers = {"Cache-Control": REVALIDATE, "Vary": "Accept-Language", "Content-Language": chosen.html_tag}
    return HTMLResponse(html, headers=headers)


@router.get("/map/config.json")
def map_config(request: Request) -> JSONResponse:
    """The page configuration: available endpoints, layers, legends."""
    return JSONResponse(_page_config(request), headers={"Cache-Control": REVALIDATE})


@router.get("/map/i18n/{code}.json")
def catalogue(code: str) -> FileResponse:
    """The message catalogue of one language (msgid → translation), generated from hub/locales at build time."""
    language = parse_language(code)
    if language is None:
        raise HTTPException(404, f"no catalogue for {code!r}; available: {', '.join(LANGUAGES)}")
    path = browser_catalogue(language)
    if not path.is_file():
        raise HTTPException(503, f"catalogue {code!r} not built: run `make i18n-build` (bosai i18n build)")
    return FileResponse(path, media_type="application/json", headers={"Cache-Control": REVALIDATE})


@router.get("/map/base.geojson")
def base_map(request: Request, if_none_match: Annotated[str | None, Header(max_length=200)] = None) -> Response:
    """The simple base map: wards, town blocks, rivers and neighbouring municipalities."""
    base = base_maps.get(request.app.state.engine, request.app.state.settings.data_dir)
    headers = {"ETag": base.etag, "Cache-Control": REVALIDATE}
    if if_none_match and base.etag in {tag.strip() for tag in if_none_match.split(",")}:
        return Response(status_code=304, headers=headers)
    return Response(base.body, media_type="application/geo+json", headers=headers)


@router.get("/manifest.webmanifest")
def manifest() -> JSONResponse:
    """The web app manifest (installable, opens the map standalone)."""
    body = {
        "name": "Bosai Hub 防災マップ",
        "short_name": "防災マップ",
        "description": "Hazard map, past floods, shelters and river levels",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "lang": "ja",
        "icons": [
            {"src": "/static/icons/icon-192.png", "sizes": "192x192", "type": "image/png"},
            {"src": "/static/icons/icon-512.png", "sizes": "512x512", "type": "image/png"},
            {"src": "/static/icons/icon.svg", "sizes": "any", "type": "image/svg+xml"},
        ],
    } | MANIFEST_COLOURS
    return JSONResponse(body, media_type="application/manifest+json", headers={"Cache-Control": REVALIDATE})


@router.get("/sw.js")
def service_worker() -> Response:
    """The service worker (root scope, as the map is at /), with this version's precache and offline lists."""
    source = (assets.TEMPLATES_DIR / "sw.js").read_text("utf-8")
    body = (
        source.replace("__VERSION__", assets.version())
        .replace("__PRECACHE__", json.dumps(assets.precache_urls()))
        .replace("__OFFLINE_PATHS__", json.dumps(offline_paths()))
    )
    headers = {"Cache-Control": REVALIDATE, "Service-Worker-Allowed": "/"}
    return Response(body, media_type="text/javascript", headers=headers)


@router.get("/static/app.js")
def app_script(v: Annotated[str | None, Query(max_length=32)] = None) -> Response:
    """The map's script, bundled from maps/static/js."""
    cache = IMMUTABLE if v == assets.version() else REVALIDATE
    return Response(assets.bundle().body, media_type="text/javascript", headers={"Cache-Control": cache})


@router.get("/static/{path:path}")
def static(path: str, v: Annotated[str | None, Query(max_length=32)] = None) -> FileResponse:
    """A file of maps/static (vendored Leaflet, styles, icons); 404 for anything outside it."""
    found = assets.static_file(path)
    if found is None:
        raise HTTPException(404, f"no static file {path!r}")
    cache = IMMUTABLE if v == assets.version() else REVALIDATE
    return FileResponse(found, headers={"Cache-Control": cache})
