"""Settings of every Bosai Hub process: one cached pydantic-settings class, prefix BOSAI_."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus, urlsplit, urlunsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SECRET_FIELDS = frozenset({"jwt_secret", "line_channel_secret", "line_channel_access_token"})
URL_FIELDS = frozenset({"database_url", "mqtt_url"})
#: Query parameters whose name holds one of these carry a secret (libpq `password`, `sslpassword`; tokens).
SECRET_QUERY_WORDS = ("pass", "pwd", "secret", "token")


def _masked_query(query: str) -> str:
    """The query string with the values of secret parameters replaced by *** (the rest kept byte for byte)."""
    pairs = []
    for pair in query.split("&"):
        name, sep, _ = pair.partition("=")
        secret = sep and any(word in unquote_plus(name).lower() for word in SECRET_QUERY_WORDS)
        pairs.append(f"{name}=***" if secret else pair)
    return "&".join(pairs)


def mask_url(url: str) -> str:
    """Return the URL with its password and secret query parameters (?password=…) replaced by ***."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        userinfo, _, hostport = netloc.rpartition("@")
        netloc = f"{userinfo.partition(':')[0]}:***@{hostport}"
    query = _masked_query(parts.query) if parts.query else parts.query
    if (netloc, query) == (parts.netloc, parts.query):
        return url
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


class Settings(BaseSettings):
    """Effective configuration, read from BOSAI_* environment variables or a .env file."""

    model_config = SettingsConfigDict(env_prefix="BOSAI_", env_file=".env", extra="ignore")

    database_url: str = "postgresql+psycopg://postgres@127.0.0.1:5432/bosai"
    mqtt_url: str = "mqtt://127.0.0.1:1883"
    public_url: str = "http://127.0.0.1:8000"
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    data_dir: Path = Field(default=Path(__file__).resolve().parent.parent / "data")
    log_level: str = "INFO"
    #: Connections each of a hub process's pools keeps open (sync: staff and large reads; async: small
    #: public reads), and the extra ones it may open at a peak: up to 2 × (size + overflow) per process
    #: (plus the event listener's one LISTEN connection). Keep the size ≥ the requests one process serves
    #: at once: a connection opened for one request and closed after it costs PostgreSQL a backend start,
    #: many times the query itself.
    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=5, ge=0)
    #: FastAPI's OpenTelemetry spans, metrics and logs, for a site that configures an OpenTelemetry
    #: provider; off, the hub does not look for one on every request.
    telemetry: bool = False

    jwt_secret: SecretStr | None = None
    jwt_secret_file: Path | None = None
    access_token_minutes: int = 30
    cors_origins: list[str] = Field(default_factory=list)
    max_body_bytes: int = 5 * 1024 * 1024
    #: Lifetime of a per-shelter operator link (QR code) in hours: one shift by default; staff can revoke
    #: a link earlier (POST /api/shelters/{id}/operator-links/{link_id}/revoke).
    operator_link_hours: int = Field(default=12, ge=1, le=24 * 14)
    #: Failed logins of one username from one client address before that address is refused for it
    #: (base seconds, doubling per further failure up to max). Never locks the account for other addresses.
    login_max_failures: int = Field(default=5, ge=1)
    login_lockout_base_s: int = Field(default=60, ge=1)
    login_lockout_max_s: int = Field(default=3600, ge=1)
    #: Failures of one account from all addresses together after which each address is refused after its
    #: first failure (a distributed guess); an address without failures still logs in.
    login_account_alarm_failures: int = Field(default=50, ge=1)
    #: Password hashes (argon2id, 19 MiB each) running at once; logins beyond these plus the queue wait
    #: get 503 with Retry-After, as do logins that waited longer than login_hash_wait_s.
    login_hash_concurrency: int = Field(default=2, ge=1)
    login_hash_queue: int = Field(default=16, ge=0)
    login_hash_wait_s: float = Field(default=5.0, gt=0)
    #: Named per-client-IP rate limits "COUNT/PERIOD" (PERIOD: second, minute, hour): burst and refill.
    rate_limits: dict[str, str] = Field(default_factory=lambda: {"login": "10/minute", "public": "3000/minute"})
    #: Event stream: keep-alive ping and the safety poll when no NOTIFY arrives (seconds).
    sse_ping_s: float = 15.0
    events_poll_s: float = 5.0

    vapid_private_key_file: Path | None = None
    vapid_subject: str = "mailto:bosai@example.invalid"
    push_host_allowlist: list[str] = Field(
        default_factory=lambda: [
            "fcm.googleapis.com",
            "updates.push.services.mozilla.com",
            "web.push.apple.com",
            "wns2-*.notify.windows.com",
        ]
    )
    #: An OSRM-compatible routing service (e.g. the ward's own OSRM with the foot profile) for walking routes
    #: to shelters on the map; without it the map draws straight lines.
    walk_router_url: str | None = None
    walk_router_profile: str = "foot"
    line_api_base_url: str = "https://api.line.me"
    line_channel_secret: SecretStr | None = None
    line_channel_access_token: SecretStr | None = None
    #: Reverse proxies (IP addresses or CIDR networks) whose X-Forwarded-For and X-Forwarded-Proto the hub
    #: believes; empty (the default): the TCP peer is the client and forwarded headers are ignored.
    trusted_proxies: list[str] = Field(default_factory=list)
    #: Open event streams (/api/events and signs) one hub process serves, in all and per client address;
    #: beyond either a new stream is refused with 429.
    sse_max_connections: int = Field(default=1000, ge=1)
    sse_max_per_client: int = Field(default=20, ge=1)
    #: How long /healthz reuses its broker check (seconds).
    health_cache_s: float = Field(default=5.0, ge=0)

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_networks(cls, value: list[str]) -> list[str]:
        """Each entry an IP address or network; '*' (trust everyone) is refused: name the proxies."""
        for entry in value:
            try:
                ipaddress.ip_network(entry.strip(), strict=False)
            except ValueError:
                raise ValueError(f"trusted proxy {entry!r} is not an IP address or CIDR network") from None
        return [entry.strip() for entry in value]

    @property
    def mqtt_host(self) -> str:
        """Broker host name from the MQTT URL."""
        return urlsplit(self.mqtt_url).hostname or "127.0.0.1"

    @property
    def mqtt_port(self) -> int:
        """Broker port from the MQTT URL (1883, or 8883 for mqtts)."""
        parts = urlsplit(self.mqtt_url)
        return parts.port or (8883 if parts.scheme == "mqtts" else 1883)

    @property
    def mqtt_credentials(self) -> tuple[str | None, str | None]:
        """User name and password from the MQTT URL, if any."""
        parts = urlsplit(self.mqtt_url)
        return parts.username, parts.password

    def masked(self) -> dict[str, Any]:
        """Every setting as plain data, with passwords and secrets masked."""
        out: dict[str, Any] = {}
        for name, value in self.model_dump().items():
            if (name in URL_FIELDS or name.endswith("_url")) and isinstance(value, str):
                out[name] = mask_url(value)
            elif name in SECRET_FIELDS:
                out[name] = "***" if value is not None else None
            elif isinstance(value, Path):
                out[name] = str(value)
            else:
                out[name] = value
        return out


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
