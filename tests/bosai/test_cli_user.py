"""`bosai user`: add from a password file or the environment, never argv; list, passwd, unlock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, select
from typer.testing import CliRunner

from bosai.cli import app
from hub.db import transaction
from hub.settings import Settings, get_settings
from hub.shelters.models import Shelter
from hub.users.auth import verify_password
from hub.users.models import User

NAME = "cli-test-operator"


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, settings: Settings, engine: Engine) -> Iterator[Engine]:
    """The CLI pointed at the test database; the test user is deleted afterwards."""
    monkeypatch.setenv("BOSAI_DATABASE_URL", settings.database_url)
    monkeypatch.delenv("BOSAI_USER_PASSWORD", raising=False)
    get_settings.cache_clear()
    yield engine
    get_settings.cache_clear()
    with transaction(engine) as session:
        session.execute(delete(User).where(User.username == NAME))


def stored(engine: Engine) -> User:
    with transaction(engine) as session:
        user = session.scalars(select(User).where(User.username == NAME)).one()
        session.expunge(user)
        return user


def test_add_from_password_file_then_passwd_from_env(
    cli_env: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with transaction(cli_env) as session:
        shelter_id = session.scalars(select(Shelter.id).order_by(Shelter.id).limit(1)).one()
    secret_file = tmp_path / "pw"
    secret_file.write_text("first password 123\n", encoding="utf-8")
    args = ["user", "add", NAME, "--role", "operator", "--role", "viewer", "--shelter", str(shelter_id)]
    result = CliRunner().invoke(app, [*args, "--password-file", str(secret_file)])
    assert result.exit_code == 0, result.output
    assert "first password" not in result.output
    user = stored(cli_env)
    assert (list(user.roles), list(user.shelter_ids)) == (["viewer", "operator"], [shelter_id])
    assert verify_password(user.password_hash, "first password 123")

    monkeypatch.setenv("BOSAI_USER_PASSWORD", "second password 456")
    assert CliRunner().invoke(app, ["user", "passwd", NAME]).exit_code == 0
    assert verify_password(stored(cli_env).password_hash, "second password 456")

    listing = CliRunner().invoke(app, ["user", "list"])
    assert f"{NAME}\tviewer,operator\tshelters={shelter_id}\tactive" in listing.output
    assert "$argon2" not in listing.output


def test_add_prompts_and_rejects_bad_input(cli_env: Engine) -> None:
    prompted = CliRunner().invoke(
        app, ["user", "add", NAME, "--role", "viewer"], input="prompted password\nprompted password\n"
    )
    assert prompted.exit_code == 0, prompted.output
    assert verify_password(stored(cli_env).password_hash, "prompted password")
    duplicate = CliRunner().invoke(
        app, ["user", "add", NAME, "--role", "viewer"], input="x" * 12 + "\n" + "x" * 12 + "\n"
    )
    assert duplicate.exit_code == 2 and "already exists" in duplicate.output
    role = CliRunner().invoke(
        app, ["user", "add", "other-name", "--role", "king"], input="y" * 12 + "\n" + "y" * 12 + "\n"
    )
    assert role.exit_code == 2 and "unknown role(s) king" in role.output
    short = CliRunner().invoke(app, ["user", "add", "other-name", "--role", "viewer"], input="short\nshort\n")
    assert short.exit_code == 2 and "at least 12" in short.output


def test_no_password_option_on_the_command_line() -> None:
    result = CliRunner().invoke(app, ["user", "add", "--help"])
    assert "--password-file" in result.output
    assert "--password " not in result.output
