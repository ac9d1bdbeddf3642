"""API documentation at /docs (Swagger UI) and /redoc (ReDoc) from vendored assets: nothing from a CDN.

FastAPI's documented self-hosting recipe: the app is created with `docs_url=None, redoc_url=None`, and
`install` adds the pages with FastAPI's own HTML builders pointed at the files in `static/docs/`
(versions, sources and licences in `static/docs/README.md`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse

ASSETS_DIR: Final = Path(__file__).resolve().parent / "static" / "docs"
#: Where the vendored files are served; beside /docs, apart from the map's /static.
ASSETS_URL: Final = "/docs/assets"
FAVICON: Final = "swagger-ui/favicon-32x32.png"
SWAGGER_URL: Final = "/docs"
REDOC_URL: Final = "/redoc"
#: Swagger UI would otherwise send the spec's address to validator.swagger.io for its badge.
SWAGGER_PARAMETERS: Final[dict[str, Any]] = {"validatorUrl": None}


def install(app: FastAPI) -> None:
    """Serve the vendored assets and the two documentation pages on an app built without FastAPI's own."""
    if app.docs_url or app.redoc_url:
        raise ValueError("create the app with docs_url=None and redoc_url=None: its pages load from a CDN")
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS_DIR), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"
    oauth2_redirect_url = app.swagger_ui_oauth2_redirect_url

    @app.get(SWAGGER_URL, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        """Swagger UI on the app's OpenAPI document."""
        root = _root_path(request)
        page = get_swagger_ui_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=root + oauth2_redirect_url if oauth2_redirect_url else None,
            swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_URL}/{FAVICON}",
            swagger_ui_parameters=SWAGGER_PARAMETERS,
        )
        return page

    if oauth2_redirect_url:

        @app.get(oauth2_redirect_url, include_in_schema=False)
        async def swagger_ui_redirect() -> HTMLResponse:
            """Swagger UI's OAuth2 redirect page."""
            return get_swagger_ui_oauth2_redirect_html()

    @app.get(REDOC_URL, include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        """ReDoc on the app's OpenAPI document, without Google Fonts."""
        root = _root_path(request)
        page = get_redoc_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{ASSETS_URL}/redoc/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS_URL}/{FAVICON}",
            with_google_fonts=False,
        )
        return page


def _root_path(request: Request) -> str:
    """The path prefix the app is served under (behind a proxy), as FastAPI's own docs pages use it."""
    return str(request.scope.get("root_path", ""))
