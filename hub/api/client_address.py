"""The client's address: the TCP peer, or behind a configured reverse proxy the hop it forwarded for.

One rule for everything that reads the client's address (rate limits, stream caps, audit records, the
access log): forwarded headers count only when the peer is one of `Settings.trusted_proxies`. The
installed middleware is uvicorn's ProxyHeadersMiddleware, which then takes the rightmost X-Forwarded-For
hop that is not itself a trusted proxy (a client's own X-Forwarded-For entries stand to the left of what
the proxy appended, so they are never chosen) and the scheme from X-Forwarded-Proto. It rewrites the
ASGI scope's `client` (and `scheme`), so `request.client` and uvicorn's access log show the result.
`bosai serve` turns uvicorn's own proxy handling off (it trusts 127.0.0.1 by default): the setting is the
only source of trust.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from fastapi import FastAPI
from starlette.types import Scope
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

#: The key of requests whose peer is unknown (a Unix socket, a test transport).
UNKNOWN: Final = "unknown"


def client_host(scope: Scope) -> str:
    """The client's address as derived by the proxy middleware (the peer when no proxy is trusted)."""
    client = scope.get("client")
    return str(client[0]) if client else UNKNOWN


def install(app: FastAPI, trusted_proxies: Sequence[str]) -> None:
    """Believe X-Forwarded-For/-Proto from these proxies only; add last, so it runs before every other layer."""
    if trusted_proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(trusted_proxies))
