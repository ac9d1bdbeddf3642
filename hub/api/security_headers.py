"""Security headers on every response of the hub: Content-Security-Policy, nosniff, Referrer-Policy, HSTS.

One policy for every page (the map, the staff console, signage, /ogcapi HTML, open data): scripts, styles,
fonts and connections from the hub's own origin only, no inline script, no plugins, not framed. Exceptions,
each by path:

- the API docs (`/docs`): FastAPI's page boots Swagger UI with one inline script; it is allowed by its
  SHA-256 hash, computed from the page served (built by FastAPI from the app's configuration, no request
  input), never by 'unsafe-inline';
- ReDoc (`/redoc`) styles itself at run time (styled-components) and parses in a blob: worker, so its
  styles may be inline and its workers blob:;
- signs (`/signage/…`) may be framed by the hub itself and HTTPS pages (signage players show web pages in
  frames); a sign has no control to click, and its token already is its URL.

Online base maps are the one outside source: on the map's page and its service worker only, their tile
origins are allowed as images and (the service worker fetches them) as connections. HSTS is sent only on
requests that reached the hub over HTTPS, judged by the ASGI scheme, which is taken from X-Forwarded-Proto
only for the configured trusted proxies (hub.api.client_address).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable, Mapping
from typing import Final

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SELF: Final = "'self'"
NONE: Final = "'none'"
#: The policy of every page, directive by directive.
BASE_POLICY: Final[Mapping[str, tuple[str, ...]]] = {
    "default-src": (SELF,),
    "script-src": (SELF,),
    "style-src": (SELF,),
    "img-src": (SELF, "data:", "blob:"),
    "connect-src": (SELF,),
    "font-src": (SELF,),
    "worker-src": (SELF,),
    "manifest-src": (SELF,),
    "object-src": (NONE,),
    "base-uri": (NONE,),
    "form-action": (SELF,),
    "frame-ancestors": (NONE,),
}
#: Pages with one inline script of their own, allowed by its hash.
HASHED_PAGES: Final = frozenset({"/docs", "/docs/oauth2-redirect"})
#: The map's page and its service worker, which show and fetch online base-map tiles.
TILE_PAGES: Final = frozenset({"/", "/sw.js"})
REDOC_PAGE: Final = "/redoc"
FRAMABLE_PREFIX: Final = "/signage/"
#: A sign may be shown inside a frame of the hub or of an HTTPS page (a signage player).
FRAMABLE_BY: Final = (SELF, "https:")
#: Two years, as the OWASP HTTP headers cheat sheet suggests; no includeSubDomains (other hosts are not ours).
HSTS: Final = "max-age=63072000"
REFERRER_POLICY: Final = "strict-origin-when-cross-origin"
INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\ssrc\s*=)[^>]*>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)


def render_policy(directives: Mapping[str, Iterable[str]]) -> str:
    """The Content-Security-Policy header value of the directives (pure)."""
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


def inline_script_hashes(html: bytes) -> list[str]:
    """CSP hash sources ('sha256-…') of the inline scripts of an HTML page (pure)."""
    return [
        f"'sha256-{base64.b64encode(hashlib.sha256(body).digest()).decode()}'"
        for body in INLINE_SCRIPT.findall(html)
        if body.strip()
    ]


def policy_group(path: str) -> str:
    """The path that stands for every page sharing this page's policy (pure)."""
    if path in TILE_PAGES or path == REDOC_PAGE:
        return path
    return FRAMABLE_PREFIX if path.startswith(FRAMABLE_PREFIX) else ""


def page_policy(path: str, *, tile_origins: Iterable[str] = (), script_hashes: Iterable[str] = ()) -> str:
    """The Content-Security-Policy of the page at `path` (pure)."""
    directives = {name: list(sources) for name, sources in BASE_POLICY.items()}
    if path in TILE_PAGES:
        directives["img-src"] += tile_origins
        directives["connect-src"] += tile_origins
    directives["script-src"] += script_hashes
    if path == REDOC_PAGE:
        directives["style-src"].append("'unsafe-inline'")
        directives["worker-src"].append("blob:")
    if path.startswith(FRAMABLE_PREFIX):
        directives["frame-ancestors"] = list(FRAMABLE_BY)
    return render_policy(directives)


class SecurityHeadersMiddleware:
    """Add the security headers to every HTTP response that does not set them itself."""

    def __init__(self, app: ASGIApp, *, tile_origins: Iterable[str] = ()) -> None:
        self.app = app
        self.tile_origins = tuple(tile_origins)
        groups = ("", *TILE_PAGES, REDOC_PAGE, FRAMABLE_PREFIX)
        self.policies = {group: page_policy(group, tile_origins=self.tile_origins) for group in groups}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Add the headers at the start of the response (after the body for hashed pages)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        https = scope.get("scheme") == "https"
        if path in HASHED_PAGES:
            await self._hashed_page(scope, receive, send, https=https)
            return
        policy = self.policies[policy_group(path)]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                add_headers(message, policy, https=https)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _hashed_page(self, scope: Scope, receive: Receive, send: Send, *, https: bool) -> None:
        """Hold the (small, uncompressed) page until its body is known, then allow its inline scripts by hash."""
        plain = [(name, value) for name, value in scope["headers"] if name != b"accept-encoding"]
        start: Message | None = None
        chunks: list[bytes] = []

        async def buffered(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            hashes = inline_script_hashes(body) if start["status"] == 200 else []
            add_headers(start, page_policy(scope["path"], script_hashes=hashes), https=https)
            await send(start)
            await send({"type": "http.response.body", "body": body})

        await self.app({**scope, "headers": plain}, receive, buffered)


def add_headers(start: Message, policy: str, *, https: bool) -> None:
    """Set the security headers on a response start message, keeping any the response set itself."""
    headers = MutableHeaders(scope=start)
    headers.setdefault("Content-Security-Policy", policy)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", REFERRER_POLICY)
    if https:
        headers.setdefault("Strict-Transport-Security", HSTS)
