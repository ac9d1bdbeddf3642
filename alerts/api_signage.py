"""Signage: the full-screen page, its state over SSE, heartbeats; staff register signs and see offline ones."""

from __future__ import annotations

import asyncio
import html
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from sse_starlette.sse import EventSourceResponse
from starlette.concurrency import run_in_threadpool

from alerts import queries as queries_alerts
from alerts.channels import SIGNAGE_CHANNEL, notify_signs, signage
from alerts.drafting import geometry_value
from alerts.models import SignageDevice
from alerts.render import phrase
from hub.api.deps import SessionDep, SettingsDep, get_db_engine
from hub.api.event_hub import EventHub, EventHubUnavailableError
from hub.api.problems import ProblemError
from hub.api.security import PrincipalDep, require
from hub.i18n import LANGUAGES

#: Fixed texts of the sign page (alerts.messages.PHRASES["_signage"]).
SIGN_TEXTS = ("calm", "go", "lost")
PAGE = Path(__file__).resolve().parent / "static" / "signage.html"
#: The page's script and styles (files, not inline: the Content-Security-Policy allows no inline script).
ASSETS = {"signage.css": "text/css", "signage.js": "text/javascript"}
#: The sign's token is in its URL: never send it on as a referrer, never cache the page.
PAGE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
#: What wakes a sign's stream to re-read its state: NOTIFYs on the sign channel (alerts sent, updated,
#: cancelled, expired; signs re-keyed) and a shelter opening or closing (its nearest open shelter). The
#: stream reads the database only then and at its heartbeat, never on a timer of its own.
WAKE_CHANNELS = (SIGNAGE_CHANNEL,)
WAKE_KINDS = ("shelter.status",)
#: An SSE comment keeps proxies from closing an idle stream; a 'tick' tells the page the hub is alive.
TICK_S = 5.0
REGISTER_ROLES = frozenset({"admin", "coordinator"})
TokenQuery = Annotated[str, Query(min_length=16, max_length=128)]

pages = APIRouter(tags=["signage"])
staff = APIRouter(prefix="/api/signage", tags=["signage (staff)"])


def _device(session: Session, device_id: str, token: str | None) -> SignageDevice:
    device = session.scalars(select(SignageDevice).where(SignageDevice.device_id == device_id)).first()
    if device is None or not signage.token_matches(device, token):
        raise ProblemError(404, "unknown sign or wrong token")  # the same answer for both: no probing
    return device


@pages.get("/signage/assets/{name}", include_in_schema=False)
def asset(name: str) -> FileResponse:
    """The sign page's script or stylesheet."""
    media_type = ASSETS.get(name)
    if media_type is None:
        raise ProblemError(404, f"no signage asset {name!r}")
    return FileResponse(PAGE.parent / name, media_type=media_type, headers={"Cache-Control": "no-cache"})


@pages.get("/signage/{device_id}", response_class=HTMLResponse, summary="The full-screen sign page")
def page(device_id: str, token: TokenQuery, session: SessionDep) -> HTMLResponse:
    """The page itself; it loads its state and follows the SSE stream."""
    _device(session, device_id, token)
    texts = html.escape(json.dumps(sign_texts(), ensure_ascii=False, separators=(",", ":")), quote=True)
    return HTMLResponse(PAGE.read_text(encoding="utf-8").replace("__SIGNAGE_TEXT__", texts), headers=PAGE_HEADERS)


def sign_texts() -> dict[str, dict[str, str]]:
    """The sign page's fixed texts in every language, from the alerts catalogues."""
    return {
        lang.value: {"label": lang.facts.reader_name}
        | {key: phrase("_signage", key, lang, time="{time}") for key in SIGN_TEXTS}
        for lang in LANGUAGES
    }


@pages.get("/signage/{device_id}/state", summary="What the sign shows now")
def state(device_id: str, token: TokenQuery, session: SessionDep, settings: SettingsDep) -> dict[str, Any]:
    """Current alerts for the sign's place, its languages and the nearest open shelter with a QR code."""
    device = _device(session, device_id, token)
    current = signage.sign_state(session, device, public_url=settings.public_url)
    return {"version": current.version, **current.data}


@pages.post("/signage/{device_id}/heartbeat", status_code=204, summary="The sign is alive")
def beat(device_id: str, token: TokenQuery, session: SessionDep) -> Response:
    """Record a heartbeat."""
    signage.heartbeat(session, _device(session, device_id, token))
    session.commit()
    return Response(status_code=204)


def _snapshot(engine: Engine, device_id: str, token: str, public_url: str, beat_now: bool) -> dict[str, Any]:
    with Session(engine, expire_on_commit=False) as session:
        device = _device(session, device_id, token)
        if beat_now:
            signage.heartbeat(session, device)
            session.commit()
        current = signage.sign_state(session, device, public_url=public_url)
        return {"version": current.version, **current.data}


@pages.get(
    "/signage/{device_id}/events",
    summary="SSE: the sign's state whenever it changes",
    response_class=EventSourceResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def events(
    device_id: str,
    token: TokenQuery,
    request: Request,
    settings: SettingsDep,
    engine: Annotated[Engine, Depends(get_db_engine)],
) -> EventSourceResponse:
    """`state` events when woken by a change (and re-checked at each heartbeat), `tick` every few seconds;
    counts as heartbeat. 503 when the hub's change listener cannot reach the database."""
    hub: EventHub = request.app.state.event_hub
    try:
        await hub.start()
    except EventHubUnavailableError as exc:
        raise ProblemError(503, str(exc), headers={"Retry-After": "5"}) from None
    watcher = hub.watch(channels=WAKE_CHANNELS, kinds=WAKE_KINDS)  # before the first read: no change is missed
    try:
        first = await run_in_threadpool(_snapshot, engine, device_id, token, settings.public_url, True)
    except BaseException:
        watcher.close()
        raise

    async def stream() -> AsyncIterator[dict[str, str]]:
        loop = asyncio.get_running_loop()
        version, last_beat, last_tick = first["version"], loop.time(), loop.time()
        with watcher:
            yield {"event": "state", "data": json.dumps(first, ensure_ascii=False)}
            while not await request.is_disconnected():
                woken = await watcher.wait(max(0.0, last_tick + TICK_S - loop.time()))
                now = loop.time()
                beat_now = now - last_beat >= signage.HEARTBEAT_S
                if woken or beat_now:
                    current = await run_in_threadpool(
                        _snapshot, engine, device_id, token, settings.public_url, beat_now
                    )
                    last_beat = now if beat_now else last_beat
                    if current["version"] != version:
                        version = current["version"]
                        yield {"event": "state", "data": json.dumps(current, ensure_ascii=False)}
                if now - last_tick >= TICK_S:
                    last_tick = now
                    yield {"event": "tick", "data": datetime.now(UTC).isoformat()}

    return EventSourceResponse(stream(), ping=int(TICK_S * 3))


class DeviceBody(BaseModel):
    """A sign to register: where it is and what it speaks."""

    device_id: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=200)
    area_codes: list[str] = Field(default_factory=list, max_length=10)
    lat: float | None = Field(default=None, ge=20, le=46)
    lon: float | None = Field(default=None, ge=122, le=154)
    languages: list[str] = Field(default_factory=lambda: [lang.value for lang in LANGUAGES], min_length=1, max_length=5)


@staff.post("/devices", status_code=201, summary="Register a sign (the token is shown once)")
def register(body: DeviceBody, session: SessionDep, principal: PrincipalDep, settings: SettingsDep) -> dict[str, Any]:
    """Create or re-key a sign; coordinators and admins only."""
    if not REGISTER_ROLES & principal.roles:
        raise ProblemError(
            403,
            "registering signs needs the coordinator or admin role",
            problem_type="urn:bosai:problem:forbidden-role",
        )
    if (body.lat is None) != (body.lon is None):
        raise ProblemError(422, "give both lat and lon, or neither")
    bad = [lang for lang in body.languages if lang not in LANGUAGES]
    unknown = sorted(set(body.area_codes) - queries_alerts.known_area_codes(session, area_codes=body.area_codes))
    if bad or unknown:
        raise ProblemError(422, f"unknown languages {bad} or area codes {unknown}")
    token, token_hash = signage.new_token()
    device = session.scalars(select(SignageDevice).where(SignageDevice.device_id == body.device_id)).first()
    device = device or SignageDevice(device_id=body.device_id)
    device.name, device.token_hash, device.area_codes = body.name, token_hash, list(body.area_codes)
    device.languages = list(body.languages)
    device.location = geometry_value(f"SRID=4326;POINT({body.lon} {body.lat})") if body.lat is not None else None
    session.add(device)
    notify_signs(session)  # a re-keyed sign's open streams read again, and end on the old token
    session.commit()
    url = f"{settings.public_url.rstrip('/')}/signage/{device.device_id}?token={token}"
    return {"device_id": device.device_id, "token": token, "url": url}


@staff.get("/devices", summary="Signs and whether they are online", dependencies=[Depends(require("staff.read"))])
def devices(session: SessionDep, offline: bool | None = None) -> dict[str, Any]:
    """Every sign with its last heartbeat; `offline=true` lists only the silent ones."""
    now = datetime.now(UTC)
    rows = []
    for d in session.scalars(select(SignageDevice).order_by(SignageDevice.device_id)):
        is_off = signage.is_offline(d, now)
        if offline is None or offline == is_off:
            rows.append(
                {
                    "device_id": d.device_id,
                    "name": d.name,
                    "area_codes": list(d.area_codes),
                    "last_heartbeat_at": d.last_heartbeat_at.isoformat() if d.last_heartbeat_at else None,
                    "offline": is_off,
                }
            )
    return {"devices": rows}


def routers() -> list[APIRouter]:
    """The signage routers."""
    return [pages, staff]
