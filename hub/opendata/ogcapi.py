"""OGC API – Features at /ogcapi: pygeoapi's API core and PostgreSQL provider on the hub's public views.

pygeoapi's own Starlette app reads one global config from PYGEOAPI_CONFIG at import time, so the hub
builds the pygeoapi `API` from its settings instead and routes the Features endpoints to it here. The
provider reads the `ogc_*` views of the migration, which hold public columns only: no filter, sort or
property selection of OGC API can reach staff data. Links are built on the configured public URL
(`Settings.public_url`), never on the request's Host header: the answers are cached publicly, so a
client-chosen host would reach every later reader.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Mapping
from http import HTTPStatus
from pathlib import Path
from typing import Any, Final

import pygeoapi.api as core_api
import pygeoapi.api.itemtypes as itemtypes_api
from pygeoapi.api import API, APIRequest
from pygeoapi.openapi import get_oas
from pygeoapi.provider.base import BaseProvider, ProviderItemNotFoundError
from pygeoapi.provider.sql import PostgreSQLProvider, get_table_model
from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from hub.api.caching import MAX_AGE_SENSOR_S, cached
from hub.api.problems import problem
from hub.opendata.datasets import LICENCE, LICENCE_URL
from hub.settings import Settings

PREFIX: Final = "/ogcapi"
CRS84: Final = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CRS84_URI: Final = "https://www.opengis.net/def/crs/OGC/0/CRS84"
#: The four wards (lon/lat), advertised as the spatial extent of the ward layers; gauges cover Japan.
EXTENT: Final = [139.66, 35.57, 139.86, 35.71]
JAPAN: Final = [122.9, 20.4, 154.0, 45.6]
DEFAULT_ITEMS: Final = 100
MAX_ITEMS: Final = 10_000
#: Largest offset accepted (PostgreSQL's OFFSET is a bigint; the collections hold thousands of items).
MAX_OFFSET: Final = 1_000_000_000
PROVIDER: Final = "hub.opendata.ogcapi.HubPostgreSQLProvider"
PYGEOAPI_LOG_LEVEL: Final = logging.ERROR
#: The hub's replacements of pygeoapi's HTML templates (no script, no CDN: see its README.md).
TEMPLATES_DIR: Final = Path(__file__).resolve().parent / "ogc_templates"

#: Collection id → (view, title, description, keywords).
COLLECTIONS: Final[dict[str, tuple[str, str, str, list[str]]]] = {
    "shelters": (
        "ogc_shelters",
        "避難所・避難場所 / Shelters",
        "Evacuation sites and shelters with hazard designations, capacity and live status.",
        ["shelter", "evacuation", "避難所"],
    ),
    "stations": (
        "ogc_stations",
        "水位観測所 / River gauges",
        "Water-level gauges with thresholds and their current band as evaluated by the hub.",
        ["river", "water level", "水位"],
    ),
    "hazard-zones": (
        "ogc_hazard_zones",
        "浸水想定区域等 / Hazard zones",
        "Assumed hazard zones with the national depth rank.",
        ["hazard", "flood", "浸水想定"],
    ),
    "inundation": (
        "ogc_inundation_records",
        "浸水実績 / Flood history",
        "Past floods by town block with building counts or count classes.",
        ["flood history", "浸水実績"],
    ),
    "areas": (
        "ogc_areas",
        "行政区域 / Areas",
        "Ward and town-block boundaries.",
        ["boundaries", "行政区域"],
    ),
}


#: The hub engines pygeoapi providers may use, by the key written in their provider definition.
ENGINES: dict[str, Engine] = {}


class HubPostgreSQLProvider(PostgreSQLProvider):  # type: ignore[misc]
    """pygeoapi's PostgreSQL provider on the hub's own engine (psycopg 3, its pool), with integer feature ids.

    Mirrors GenericSQLProvider.__init__ (pygeoapi 0.21) except that the engine is the hub's, not a new
    psycopg2 engine with its own pool.
    """

    def __init__(self, provider_def: dict[str, Any]) -> None:
        BaseProvider.__init__(self, provider_def)
        self.table = provider_def["table"]
        self.id_field = provider_def["id_field"]
        self.geom = provider_def.get("geom_field", "geom")
        self.driver_name = "postgresql+psycopg"
        self.storage_crs = provider_def.get("storage_crs", CRS84_URI)
        self._store_db_parameters(provider_def["data"], provider_def.get("options", {}))
        self._engine = ENGINES[provider_def["data"]["engine"]]
        self.table_model = get_table_model(self.table, self.id_field, self.db_search_path, self._engine)
        self.get_fields()

    def get(self, identifier: Any, crs_transform_spec: Any = None, **kwargs: Any) -> Any:
        """One feature; ids that are not integers name no feature (404, not a database error)."""
        try:
            number = int(str(identifier))
        except ValueError:
            raise ProviderItemNotFoundError(f"No such item: id={identifier}.") from None
        return super().get(number, crs_transform_spec, **kwargs)

    def _sqlalchemy_to_feature(self, item: Any, crs_transform_out: Any = None) -> dict[str, Any]:
        """A GeoJSON feature; a null geometry is not repeated as a `geom` property."""
        feature: dict[str, Any] = super()._sqlalchemy_to_feature(item, crs_transform_out)
        feature["properties"].pop(self.geom, None)
        return feature


def pygeoapi_config(settings: Settings, base_url: str, *, engine_key: str) -> dict[str, Any]:
    """The pygeoapi configuration of the hub's collections, served under `base_url` (pure)."""
    data = {"engine": engine_key, "search_path": ["public"]}
    resources = {
        cid: {
            "type": "collection",
            "title": title,
            "description": description,
            "keywords": keywords,
            "extents": {"spatial": {"bbox": JAPAN if cid == "stations" else EXTENT, "crs": CRS84}},
            "providers": [
                {
                    "type": "feature",
                    "name": PROVIDER,
                    "data": data,
                    "id_field": "id",
                    "table": view,
                    "geom_field": "geom",
                }
            ],
        }
        for cid, (view, title, description, keywords) in COLLECTIONS.items()
    }
    return {
        "server": {
            "bind": {"host": settings.http_host, "port": settings.http_port},
            "url": base_url,
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "languages": ["ja", "en"],
            "limits": {"default_items": DEFAULT_ITEMS, "max_items": MAX_ITEMS},
            "map": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "attribution": "© OpenStreetMap"},
            "templates": {"path": str(TEMPLATES_DIR)},
        },
        "logging": {"level": logging.getLevelName(PYGEOAPI_LOG_LEVEL)},
        "metadata": {
            "identification": {
                "title": "Bosai Hub",
                "description": "Disaster information of the Tokyo wards: shelters, gauges, hazard zones, floods.",
                "keywords": ["disaster", "防災"],
                "keywords_type": "theme",
                "terms_of_service": LICENCE_URL,
                "url": settings.public_url,
            },
            "license": {"name": LICENCE, "url": LICENCE_URL},
            "provider": {"name": "Bosai Hub", "url": settings.public_url},
            "contact": {"name": "Bosai Hub", "url": settings.public_url, "role": "pointOfContact"},
        },
        "resources": resources,
    }


def base_url(settings: Settings) -> str:
    """Where the OGC API is published: under the configured public URL, whatever Host a request names."""
    return f"{settings.public_url.rstrip('/')}{PREFIX}"


class OgcApi:
    """The pygeoapi API object of one hub app, its links on the public URL, created on first use."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.settings = settings
        self.engine_key = f"engine-{id(engine)}"
        ENGINES[self.engine_key] = engine
        self._api: API | None = None
        # pygeoapi warns on every request without an offset and for DATE columns; keep its errors only.
        logging.getLogger("pygeoapi").setLevel(PYGEOAPI_LOG_LEVEL)

    @property
    def api(self) -> API:
        """pygeoapi's API on the hub's collections."""
        if self._api is None:
            self._api = API(pygeoapi_config(self.settings, base_url(self.settings), engine_key=self.engine_key), {})
        return self._api


Handler = Callable[..., tuple[dict[str, str], int, Any]]


def query_problem(params: Mapping[str, str]) -> tuple[str, str] | None:
    """(parameter, reason) when pygeoapi cannot answer the query (it would fail in the database); else None."""
    offset = params.get("offset")
    if offset is not None and not (offset.isascii() and offset.isdigit() and int(offset) <= MAX_OFFSET):
        return "offset", f"must be a whole number from 0 to {MAX_OFFSET}"
    bbox = params.get("bbox")
    if bbox is not None and len(bbox.split(",")) != 4:
        return "bbox", "must be four numbers: min lon, min lat, max lon, max lat (the collections are 2D)"
    if "datetime" in params:
        return "datetime", "the collections have no time dimension"
    return None


def as_problem(status: int, content: Any, path: str) -> Response:
    """pygeoapi's exception document ({code, description}) as problem+json, its members kept."""
    try:
        document = json.loads(content)
    except (TypeError, ValueError):
        document = None
    if not isinstance(document, dict):
        document = {}
    members = {k: v for k, v in document.items() if k in {"code", "description"}}
    detail = str(document.get("description") or "") or None
    return problem(status, HTTPStatus(status).phrase, detail, instance=path, **members)


def openapi_document(api: API, request: APIRequest) -> tuple[dict[str, str], int, Any]:
    """The OGC API's own OpenAPI document, generated by pygeoapi on first request (it reads every view)."""
    if not api.openapi:
        api.openapi = get_oas(api.config)
    result: tuple[dict[str, str], int, Any] = core_api.openapi_(api, request)
    return result


def _endpoint(ogc: OgcApi, handler: Handler, *names: str) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> Response:
        refused = query_problem(request.query_params)
        if refused is not None:
            name, reason = refused
            errors = [{"field": f"query.{name}", "message": reason}]
            return problem(400, "Bad Request", f"{name} {reason}", errors=errors, instance=request.url.path)
        api = ogc.api
        api_request = await APIRequest.from_starlette(request, api.locales)
        if not api_request.is_valid():
            headers, status, content = api.get_format_exception(api_request)
        else:
            args = [request.path_params[name] for name in names]
            headers, status, content = await asyncio.to_thread(handler, api, api_request, *args)
        body = content.encode("utf-8") if isinstance(content, str) else bytes(content)
        media = headers.pop("Content-Type", "application/json")
        if status >= 400 and "json" in media:
            return as_problem(status, body, request.url.path)
        if status != 200:
            return Response(body, status_code=status, media_type=media, headers=headers)
        return cached(request, body, media_type=media, max_age=MAX_AGE_SENSOR_S, **headers)

    return endpoint


def ogc_routes(settings: Settings, engine: Engine) -> tuple[Route, Mount]:
    """The landing page at /ogcapi and the OGC API – Features sub-application mounted below it."""
    ogc = OgcApi(settings, engine)
    landing = _endpoint(ogc, core_api.landing_page)
    routes = [
        Route("/", landing),
        Route("/openapi", _endpoint(ogc, openapi_document)),
        Route("/conformance", _endpoint(ogc, core_api.conformance)),
        Route("/collections", _endpoint(ogc, core_api.describe_collections)),
        Route("/collections/{collection_id}", _endpoint(ogc, core_api.describe_collections, "collection_id")),
        Route(
            "/collections/{collection_id}/queryables",
            _endpoint(ogc, itemtypes_api.get_collection_queryables, "collection_id"),
        ),
        Route(
            "/collections/{collection_id}/items", _endpoint(ogc, itemtypes_api.get_collection_items, "collection_id")
        ),
        Route(
            "/collections/{collection_id}/items/{item_id}",
            _endpoint(ogc, itemtypes_api.get_collection_item, "collection_id", "item_id"),
        ),
    ]
    return Route(PREFIX, landing, include_in_schema=False), Mount(PREFIX, app=Starlette(routes=routes))
