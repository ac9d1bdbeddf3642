"""`bosai user`: staff accounts. Passwords come from a prompt, a file or the environment, never argv."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.db import make_engine
from hub.errors import DomainError
from hub.settings import get_settings
from hub.users import service as users
from hub.users.models import ROLES, User

app = typer.Typer(help="Staff accounts (roles: " + ", ".join(ROLES) + ").", no_args_is_help=True)
PASSWORD_ENV = "BOSAI_USER_PASSWORD"


@contextmanager
def _session() -> Iterator[Session]:
    engine = make_engine(get_settings().database_url, pool_size=1)
    try:
        with Session(engine, expire_on_commit=False) as session, session.begin():
            yield session
    finally:
        engine.dispose()


def _password(password_file: Path | None) -> str:
    """The new password: --password-file, else $BOSAI_USER_PASSWORD, else an interactive prompt."""
    if password_file is not None:
        try:
            lines = password_file.read_text("utf-8").splitlines()
        except OSError as exc:
            raise typer.BadParameter(f"cannot read {password_file}: {exc.strerror}") from None
        return lines[0] if lines else ""
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env:
        return from_env
    value: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


def _fail(exc: DomainError) -> NoReturn:
    typer.echo(f"error: {exc.detail}", err=True)
    raise typer.Exit(2)


PASSWORD_FILE = typer.Option(None, "--password-file", help=f"first line is the password (else ${PASSWORD_ENV})")


@app.command()
def add(
    username: str = typer.Argument(..., help="login name"),
    role: list[str] = typer.Option(..., "--role", help="repeat for several roles"),
    shelter: list[int] = typer.Option([], "--shelter", help="shelter id an operator may update; repeatable"),
    display_name: str | None = typer.Option(None, "--display-name"),
    password_file: Path | None = PASSWORD_FILE,
) -> None:
    """Create a staff account."""
    password = _password(password_file)
    try:
        with _session() as session:
            user = users.create_user(
                session,
                username=username,
                password=password,
                roles=role,
                shelter_ids=shelter,
                display_name=display_name,
            )
    except DomainError as exc:
        _fail(exc)
    typer.echo(f"user {user.username} (id {user.id}) created with roles {', '.join(user.roles)}")


@app.command("list")
def list_users() -> None:
    """Print every account: name, roles, shelters, state."""
    with _session() as session:
        for user in session.scalars(select(User).order_by(User.username)):
            state = "active" if user.active else "disabled"
            if user.failed_logins:
                state += f", {user.failed_logins} failed logins"
            shelters = ",".join(map(str, user.shelter_ids)) or "-"
            typer.echo(f"{user.username}\t{','.join(user.roles)}\tshelters={shelters}\t{state}")


def _by_name(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username).with_for_update())
    if user is None:
        typer.echo(f"error: no user {username!r}", err=True)
        raise typer.Exit(2)
    return user


@app.command()
def passwd(username: str, password_file: Path | None = PASSWORD_FILE) -> None:
    """Set a new password (also clears a lockout)."""
    password = _password(password_file)
    try:
        with _session() as session:
            users.update_user(session, _by_name(session, username), {"password": password})
    except DomainError as exc:
        _fail(exc)
    typer.echo(f"password of {username} changed")


@app.command()
def unlock(username: str) -> None:
    """Clear failed logins and a lockout."""
    with _session() as session:
        users.unlock(session, _by_name(session, username))
    typer.echo(f"{username} unlocked")
