"""The shipped nginx configuration (deploy/nginx/bosai.conf), run by a private nginx in front of a recording
upstream: HTTPS with the deployment's certificate, plain HTTP only for ACME and redirects, honest forwarding."""

from __future__ import annotations

import http.client
import shutil
import ssl
import subprocess
import tempfile
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.deploy.certs import ServerCertificate, make_server_certificate
from tests.deploy.conftest import wait_for_port
from tests.fakes.server import free_port

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
START_TIMEOUT_S = 10.0
#: The directives of the main nginx.conf the official image provides around conf.d/*.conf, with private paths.
MAIN_CONF = """\
daemon off;
user root;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    include {dir}/default.conf;
}}
"""


@dataclass
class Upstream:
    """A stand-in for the hub: answers 200 and records each request's path and headers."""

    port: int
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)


@dataclass(frozen=True)
class Proxy:
    """The private nginx: its ports, the certificate and the ACME webroot."""

    http_port: int
    https_port: int
    certificate: ServerCertificate
    acme: Path
    upstream: Upstream


def _upstream() -> tuple[ThreadingHTTPServer, Upstream]:
    upstream = Upstream(free_port())

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            upstream.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
            body = b"hub"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    return ThreadingHTTPServer(("127.0.0.1", upstream.port), Handler), upstream


def site_config(directory: Path, http_port: int, https_port: int, upstream: int) -> str:
    """deploy/nginx/bosai.conf with the private ports and paths (IPv4 only)."""
    config = (REPO / "deploy/nginx/bosai.conf").read_text()
    for old, new in [
        ("    listen [::]:80;\n", ""),
        ("    listen [::]:443 ssl;\n", ""),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;"),
        ("http://hub:8000", f"http://127.0.0.1:{upstream}"),
        ("/etc/nginx/certs", str(directory / "certs")),
        ("/var/www/acme", str(directory / "acme")),
    ]:
        assert old in config, f"{old!r} is no longer in bosai.conf: update this test"
        config = config.replace(old, new)
    return config


@pytest.fixture
def proxy() -> Iterator[Proxy]:
    """nginx with the shipped site configuration on spare loopback ports."""
    assert Path(NGINX).exists(), "nginx is not installed: run scripts/services.sh (make services)"
    server, upstream = _upstream()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory(prefix="bosai-nginx-") as name:
        directory = Path(name)
        (directory / "certs").mkdir()
        (directory / "acme").mkdir()
        certificate = make_server_certificate(directory / "certs")
        http_port, https_port = free_port(), free_port()
        (directory / "default.conf").write_text(site_config(directory, http_port, https_port, upstream.port))
        main = directory / "nginx.conf"
        main.write_text(MAIN_CONF.format(dir=directory))
        log = directory / "error.log"
        check = subprocess.run([NGINX, "-t", "-q", "-e", str(log), "-c", str(main)], capture_output=True)
        assert check.returncode == 0, check.stderr.decode() + log.read_text()
        process = subprocess.Popen([NGINX, "-e", str(log), "-c", str(main)], stderr=subprocess.DEVNULL)
        try:
            wait_for_port(https_port, process, log)
            yield Proxy(http_port, https_port, certificate, directory / "acme", upstream)
        finally:
            process.terminate()
            process.wait(timeout=START_TIMEOUT_S)
            server.shutdown()
            server.server_close()


def https_get(proxy: Proxy, path: str, context: ssl.SSLContext, headers: dict[str, str] | None = None) -> bytes:
    """GET over HTTPS to the proxy (the host name the certificate is for)."""
    connection = http.client.HTTPSConnection("127.0.0.1", proxy.https_port, context=context, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": "localhost", **(headers or {})})
        response = connection.getresponse()
        assert response.status == 200, response.status
        assert connection.sock is not None
        version = connection.sock.version() if isinstance(connection.sock, ssl.SSLSocket) else None
        assert version in {"TLSv1.2", "TLSv1.3"}
        return response.read()
    finally:
        connection.close()


def test_https_reaches_the_hub_with_the_real_client_address(proxy: Proxy) -> None:
    context = ssl.create_default_context(cafile=str(proxy.certificate.ca))
    spoofed = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "http"}
    assert https_get(proxy, "/api/shelters?x=1", context, spoofed) == b"hub"
    [(path, headers)] = proxy.upstream.requests
    assert path == "/api/shelters?x=1"
    assert headers["x-forwarded-for"] == "127.0.0.1"  # replaced, not appended to the client's spoofed value
    assert headers["x-forwarded-proto"] == "https"
    assert headers["host"] == "localhost"


def test_https_fails_for_a_client_that_does_not_trust_the_ca(proxy: Proxy) -> None:
    with pytest.raises(ssl.SSLCertVerificationError):
        https_get(proxy, "/", ssl.create_default_context())
    assert proxy.upstream.requests == []


def test_plain_http_only_redirects_to_https(proxy: Proxy) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", proxy.http_port, timeout=10)
    connection.request("GET", "/staff/?a=b", headers={"Host": "hub.example.org"})
    response = connection.getresponse()
    connection.close()
    assert response.status == 301
    assert response.getheader("Location") == "https://hub.example.org/staff/?a=b"
    assert proxy.upstream.requests == []


def test_plain_http_serves_the_acme_challenge(proxy: Proxy) -> None:
    challenge = proxy.acme / ".well-known/acme-challenge"
    challenge.mkdir(parents=True)
    (challenge / "token123").write_text("token123.thumbprint")
    with urllib.request.urlopen(f"http://127.0.0.1:{proxy.http_port}/.well-known/acme-challenge/token123") as reply:
        assert reply.read() == b"token123.thumbprint"
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"http://127.0.0.1:{proxy.http_port}/.well-known/acme-challenge/nope")
    missing.value.close()
    assert missing.value.code == 404
