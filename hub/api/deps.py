"""FastAPI dependencies: settings, database sessions."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session

from hub.api.reader import Reader
from hub.db import make_async_read_engine
from hub.settings import Settings


def get_app_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


def get_db_engine(request: Request) -> Engine:
    """The engine the app was created with."""
    engine: Engine = request.app.state.engine
    return engine


def get_session(engine: Annotated[Engine, Depends(get_db_engine)]) -> Iterator[Session]:
    """A session for one request; the caller commits what it changes."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


def read_engine(app: FastAPI) -> AsyncEngine:
    """The app's async engine for public reads (same database and pool sizes), created on first use."""
    engine: AsyncEngine | None = getattr(app.state, "read_engine", None)
    if engine is None:
        settings: Settings = app.state.settings
        sync_engine: Engine = app.state.engine
        engine = make_async_read_engine(
            sync_engine.url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow
        )
        app.state.read_engine = engine
    return engine


async def dispose_read_engine(app: FastAPI) -> None:
    """Close the read engine's connections (app shutdown)."""
    engine: AsyncEngine | None = getattr(app.state, "read_engine", None)
    if engine is not None:
        app.state.read_engine = None
        await engine.dispose()


async def get_reader(request: Request) -> AsyncIterator[Reader]:
    """A Reader for one small public GET (bounded rows): autocommit statements, no thread hop."""
    engine = read_engine(request.app)
    reader = Reader(await engine.connect(), engine)
    try:
        yield reader
    finally:
        await reader.close()


#: The one sync session: staff work, writes and large public reads.
SessionDep = Annotated[Session, Depends(get_session)]
#: The one async read: public GET endpoints with a bounded answer (nearest, one shelter, point info, one tile).
ReaderDep = Annotated[Reader, Depends(get_reader)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
