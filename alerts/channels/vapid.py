"""VAPID (RFC 8292): the application server's key pair and signed Authorization headers."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid02, b64urlencode

#: A VAPID JWT is valid ≤ 24 h (RFC 8292); we sign for 12 h and reuse it per push-service origin.
VAPID_TOKEN_S = 12 * 3600
VAPID_REFRESH_MARGIN_S = 600


def origin_of(endpoint: str) -> str:
    """scheme://host[:port] of an endpoint: the VAPID audience."""
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}"


def public_key_b64(private_key_file: Path) -> str:
    """The VAPID application server key browsers need (uncompressed P-256 point, base64url)."""
    vapid = Vapid02.from_file(str(private_key_file))
    raw = vapid.public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return str(b64urlencode(raw))


def generate_vapid_key(path: Path) -> str:
    """Write a new VAPID private key (PEM, mode 0600) and return its public key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    vapid = Vapid02()
    vapid.generate_keys()
    vapid.save_key(str(path))
    path.chmod(0o600)
    return public_key_b64(path)


class VapidSigner:
    """VAPID Authorization headers, signed once per push-service origin and reused until near expiry."""

    def __init__(self, private_key_file: Path, subject: str, *, clock: Any = time.time) -> None:
        self._vapid = Vapid02.from_file(str(private_key_file))
        self._subject = subject
        self._clock = clock
        self._cache: dict[str, tuple[float, str]] = {}

    def authorization(self, endpoint: str) -> str:
        """The Authorization header value for a request to the endpoint."""
        return self.authorization_for(origin_of(endpoint))

    def authorization_for(self, audience: str) -> str:
        """The Authorization header value for requests to a push-service origin (scheme://host[:port])."""
        now = self._clock()
        cached = self._cache.get(audience)
        if cached and cached[0] - VAPID_REFRESH_MARGIN_S > now:
            return cached[1]
        expires = int(now) + VAPID_TOKEN_S
        header = str(self._vapid.sign({"aud": audience, "exp": expires, "sub": self._subject})["Authorization"])
        self._cache[audience] = (float(expires), header)
        return header
