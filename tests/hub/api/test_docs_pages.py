"""/docs and /redoc point at the vendored files, which are served, under a policy that keeps them on this host."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hub.api import docs
from hub.settings import Settings


@pytest.fixture(scope="module")
def client(settings: Settings) -> TestClient:
    """The full web application; the documentation needs no database."""
    from bosai.web import create_app

    return TestClient(create_app(settings))


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_pages_load_only_vendored_files_under_a_same_host_policy(client: TestClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]  # the hub's one policy (hub.api.security_headers)
    assert (
        "default-src 'self'" in policy
        and "img-src 'self'" in policy
        and "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    )
    loaded = re.findall(r'(?:src|href)="([^"]+)"', response.text)
    assert loaded, "the page loads its UI"
    for url in loaded:
        assert url.startswith(f"{docs.ASSETS_URL}/"), url
        assert client.get(url).status_code == 200, url
    assert "fonts.googleapis.com" not in response.text


def test_swagger_ui_sends_nothing_to_the_online_validator(client: TestClient) -> None:
    assert '"validatorUrl": null' in client.get("/docs").text


def test_oauth2_redirect_page_is_kept(client: TestClient) -> None:
    assert client.get("/docs/oauth2-redirect").status_code == 200


def test_every_vendored_library_keeps_its_licence() -> None:
    for library in ("swagger-ui", "redoc"):
        assert (docs.ASSETS_DIR / library / "LICENSE").is_file()
    readme = (docs.ASSETS_DIR / "README.md").read_text()
    assert "swagger-ui-dist" in readme and "redoc" in readme


def test_install_refuses_an_app_with_fastapis_cdn_pages() -> None:
    with pytest.raises(ValueError, match="docs_url=None"):
        docs.install(FastAPI())
