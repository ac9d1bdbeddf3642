"""Routes of the staff console: the page at /staff and /staff/s/{token}, its config and static files."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Annotated

import fastapi.routing
from fastapi import APIRouter, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse
from starlette.routing import BaseRoute, Mount, Route

from console import api
from console.config import available_endpoints, page_config
from hub.api.static_files import file_under

router = APIRouter()
router.include_router(api.router)  # the approvers' previews are API endpoints (in the OpenAPI schema)
STATIC_DIR = Path(__file__).resolve().parent / "static"
#: The Content-Security-Policy and nosniff come from the hub for every page (hub.api.security_headers).
PAGE_HEADERS = {
    # A per-shelter link carries its token in the path: never send it on as a referrer, never cache the page.
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
STATIC_HEADERS = {"Cache-Control": "no-cache"}
#: Longest per-shelter token accepted in a link (a signed JWT is a few hundred characters).
MAX_TOKEN_CHARS = 2048


@lru_cache
def version() -> str:
    """A short hash of the static files, so a new release is fetched at once."""
    digest = hashlib.sha256()
    for path in sorted(STATIC_DIR.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(STATIC_DIR).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def static_file(relative: str) -> Path | None:
    """The file under console/static for a URL path, or None when missing or outside it."""
    return file_under(STATIC_DIR, relative)


def _page() -> HTMLResponse:
    html = (STATIC_DIR / "index.html").read_text("utf-8").replace("__VERSION__", version())
    return HTMLResponse(html, headers=PAGE_HEADERS)


@router.get("/staff", include_in_schema=False)
def staff_page() -> HTMLResponse:
    """The console (login, then the screens the user's roles allow)."""
    return _page()


@router.get("/staff/", include_in_schema=False)
def staff_slash() -> RedirectResponse:
    """/staff/ → /staff."""
    return RedirectResponse("/staff", status_code=308)


@router.get("/staff/s/{token}", include_in_schema=False)
def shelter_link_page(token: Annotated[str, PathParam(max_length=MAX_TOKEN_CHARS)]) -> HTMLResponse:
    """A per-shelter operator link: the console opened straight into that one shelter (the page reads the token)."""
    return _page()


def served_routes(routes: Sequence[BaseRoute]) -> tuple[list[tuple[str, set[str]]], list[str]]:
    """(path, methods) of every route of the app, and the paths of mounted sub-apps, however deeply included."""
    flatten = getattr(fastapi.routing, "iter_route_contexts", None)  # FastAPI ≥ 0.16x includes routers lazily
    found: list[tuple[str, set[str]]] = []
    mounts: list[str] = []
    for item in flatten(routes) if flatten else routes:
        original = getattr(item, "original_route", item)
        path = getattr(item, "path", None)
        if not isinstance(path, str):
            continue
        if isinstance(original, Mount):
            mounts.append(path)
        elif isinstance(original, Route):
            found.append((path, set(getattr(item, "methods", None) or ())))
    return found, mounts


@router.get("/staff/config.json", include_in_schema=False)
def console_config(request: Request) -> JSONResponse:
    """Which hub endpoints exist and the hub's roles, transitions and labels."""
    routes, mounts = served_routes(request.app.routes)
    body = page_config(available_endpoints(routes, mounts), version())
    return JSONResponse(body, headers={"Cache-Control": "no-cache"})


@router.get("/staff/static/{path:path}", include_in_schema=False)
def console_static(path: str) -> FileResponse:
    """A file of console/static (scripts, styles, catalogues, vendored libraries)."""
    found = static_file(path)
    if found is None:
        raise HTTPException(404, f"no static file {path!r}")
    return FileResponse(found, headers=STATIC_HEADERS)
