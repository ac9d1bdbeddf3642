"""Secrets and staff accounts of the local demo, generated once into a git-ignored directory (never the repo)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from alerts.channels.vapid import generate_vapid_key
from hub.users.models import User
from hub.users.service import create_user

#: Demo staff: a coordinator drafts, a second person approves (four-eyes) and administers.
DEMO_ACCOUNTS = (("demo-coordinator", ("coordinator",)), ("demo-approver", ("approver", "admin")))


def _private_file(path: Path, content: str) -> None:
    """Write a file readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(content)


def ensure_secrets(var_dir: Path) -> dict[str, str]:
    """Create the token-signing secret and the VAPID key when missing; return the environment naming them."""
    jwt_file = var_dir / "jwt-secret"
    if not jwt_file.exists():
        _private_file(jwt_file, secrets.token_urlsafe(48) + "\n")
    vapid_file = var_dir / "vapid-private.pem"
    if not vapid_file.exists():
        generate_vapid_key(vapid_file)
    return {"BOSAI_JWT_SECRET_FILE": str(jwt_file.resolve()), "BOSAI_VAPID_PRIVATE_KEY_FILE": str(vapid_file.resolve())}


def ensure_accounts(engine: Engine, var_dir: Path) -> Path:
    """Create the demo staff accounts with random passwords (once); return the 0600 file that lists them."""
    credentials = var_dir / "demo-credentials.txt"
    with Session(engine) as session, session.begin():
        existing = set(session.scalars(select(User.username).where(User.username.in_([n for n, _ in DEMO_ACCOUNTS]))))
        created = []
        for username, roles in DEMO_ACCOUNTS:
            if username in existing:
                continue
            password = secrets.token_urlsafe(12)
            create_user(session, username=username, password=password, roles=roles, display_name=username)
            created.append(f"{username}\t{password}\t{','.join(roles)}\n")
    if created:
        previous = credentials.read_text(encoding="utf-8") if credentials.exists() else ""
        _private_file(credentials, previous + "".join(created))
    return credentials
