"""The `bosai` command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bosai.cli import app
from hub.settings import Settings, get_settings, mask_url


@pytest.fixture(autouse=True)
def _fresh_settings() -> None:
    get_settings.cache_clear()


def test_config_masks_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOSAI_MQTT_URL", "mqtts://ingest:broker-pass-123@broker.example:8883")
    monkeypatch.setenv("BOSAI_DATABASE_URL", "postgresql+psycopg://bosai:db-pass-456@db:5432/bosai")
    monkeypatch.setenv("BOSAI_JWT_SECRET", "jwt-secret-789")
    result = CliRunner().invoke(app, ["config", "--json"])
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    values = json.loads(result.output)
    for secret in ("broker-pass-123", "db-pass-456", "jwt-secret-789"):
        assert secret not in result.output
    assert values["mqtt_url"] == "mqtts://ingest:***@broker.example:8883"
    assert values["database_url"] == "postgresql+psycopg://bosai:***@db:5432/bosai"
    assert values["jwt_secret"] == "***"


def test_settings_defaults_and_mqtt_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BOSAI_DATABASE_URL", "BOSAI_MQTT_URL", "BOSAI_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=None)
    assert settings.database_url == "postgresql+psycopg://postgres@127.0.0.1:5432/bosai"
    assert (settings.mqtt_host, settings.mqtt_port, settings.mqtt_credentials) == (
        "127.0.0.1",
        1883,
        (None, None),
    )
    assert settings.public_url == "http://127.0.0.1:8000"
    tls = Settings(_env_file=None, mqtt_url="mqtts://u:p@h")
    assert (tls.mqtt_port, tls.mqtt_credentials) == (8883, ("u", "p"))


def test_mask_url_leaves_passwordless_urls_alone() -> None:
    assert mask_url("mqtt://127.0.0.1:1883") == "mqtt://127.0.0.1:1883"
    assert mask_url("postgresql://h/db?options=-c%20x%3Dy&sslmode=require") == (
        "postgresql://h/db?options=-c%20x%3Dy&sslmode=require"
    )


def test_config_masks_query_string_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOSAI_DATABASE_URL", "postgresql+psycopg://u@h/db?password=db-query-pass&sslmode=require")
    monkeypatch.setenv("BOSAI_WALK_ROUTER_URL", "https://router.example/?api_token=router-token-1")
    result = CliRunner().invoke(app, ["config"])
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "db-query-pass" not in result.output and "router-token-1" not in result.output
    assert "postgresql+psycopg://u@h/db?password=***&sslmode=require" in result.output


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("postgresql+psycopg://u@h/db?password=secret", "postgresql+psycopg://u@h/db?password=***"),
        ("postgresql://u:pw@[::1]:5432/db?sslpassword=k&PassWord=p", "postgresql://u:***@[::1]:5432/db?sslpassword=***&PassWord=***"),
        ("postgresql://u@h/db?pass%77ord=secret", "postgresql://u@h/db?pass%77ord=***"),
        ("postgresql://u:p%40ss@h/db?application_name=hub", "postgresql://u:***@h/db?application_name=hub"),
    ],
)  # fmt: skip
def test_mask_url_masks_passwords_in_userinfo_and_query(url: str, masked: str) -> None:
    assert mask_url(url) == masked


def test_import_error_exits_2_and_names_the_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    monkeypatch.setenv("BOSAI_DATABASE_URL", settings.database_url)
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,kind,latitude,longitude\nX,y,rain,999,139\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["import", "stations", str(bad)])
    assert result.exit_code == 2
    assert "row 2" in result.output and "latitude" in result.output
