"""Browser fixtures for the staff console: Chromium, committed staff users and exact clean-up of what tests change."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, ViewportSize
from sqlalchemy import Engine, delete, func, select, update

from alerts.models import Alert, Delivery
from hub.audit.models import AuditEntry
from hub.db import transaction
from hub.events.models import Event
from hub.orders.models import EvacuationOrder
from hub.shelters.models import Shelter
from hub.users import service as users
from hub.users.auth import hash_password
from hub.users.models import User
from tests.browser import SCREENSHOTS
from tests.conftest import LiveServer

PASSWORD = "console-test-password-1"
PHONE: ViewportSize = {"width": 360, "height": 800}
DESKTOP: ViewportSize = {"width": 1920, "height": 1080}
#: Browser console lines a test may expect (an API answering 401/403/404/409/412/422 on purpose).
EXPECTED_HTTP_ERRORS = (
    "status of 401",
    "status of 403",
    "status of 404",
    "status of 409",
    "status of 412",
    "status of 422",
)


@dataclass
class Staff:
    """A committed staff user of the test."""

    id: int
    username: str
    roles: tuple[str, ...]


@dataclass
class Touched:
    """What the console tests changed, to put back exactly afterwards."""

    shelters: dict[int, dict[str, Any]] = field(default_factory=dict)


@pytest.fixture(scope="module")
def marks(engine: Engine) -> Iterator[dict[str, int]]:
    """Highest audit and event ids before the module; everything above them is removed afterwards."""
    with transaction(engine) as session:
        start = {
            "audit": int(session.scalar(select(func.coalesce(func.max(AuditEntry.id), 0))) or 0),
            "events": int(session.scalar(select(func.coalesce(func.max(Event.id), 0))) or 0),
        }
    yield start
    with transaction(engine) as session:
        session.execute(delete(AuditEntry).where(AuditEntry.id > start["audit"]))
        session.execute(delete(Event).where(Event.id > start["events"]))


@pytest.fixture(scope="module")
def touched(engine: Engine, marks: dict[str, int]) -> Iterator[Touched]:
    """Shelters the tests change; their original state is restored afterwards."""
    record = Touched()
    yield record
    with transaction(engine) as session:
        for shelter_id, original in record.shelters.items():
            session.execute(update(Shelter).where(Shelter.id == shelter_id).values(**original))


@pytest.fixture(scope="module")
def staff(engine: Engine, touched: Touched) -> Iterator[Callable[..., Staff]]:
    """Create committed staff users with unique names; they, their orders and alerts are deleted afterwards."""
    created: list[Staff] = []
    tag = uuid.uuid4().hex[:8]
    password_hash = hash_password(PASSWORD)

    def make(name: str, *roles: str, shelter_ids: tuple[int, ...] = ()) -> Staff:
        with transaction(engine) as session:
            user = users.create_user(
                session,
                username=f"console-{name}-{tag}",
                password="",
                password_hash=password_hash,
                roles=roles,
                shelter_ids=shelter_ids,
            )
            made = Staff(user.id, user.username, roles)
        created.append(made)
        return made

    yield make
    ids = [s.id for s in created]
    with transaction(engine) as session:
        order_ids = list(session.scalars(select(EvacuationOrder.id).where(EvacuationOrder.drafted_by.in_(ids))))
        alert_ids = list(session.scalars(select(Alert.id).where(Alert.order_id.in_(order_ids))))
        session.execute(delete(Delivery).where(Delivery.alert_id.in_(alert_ids)))
        session.execute(update(Alert).where(Alert.references_id.in_(alert_ids)).values(references_id=None))
        session.execute(delete(Alert).where(Alert.id.in_(alert_ids)))
        session.execute(delete(EvacuationOrder).where(EvacuationOrder.id.in_(order_ids)))
        session.execute(delete(User).where(User.id.in_(ids)))


def remember_shelter(engine: Engine, touched: Touched, shelter_id: int) -> None:
    """Keep a shelter's live state so the module can restore it."""
    if shelter_id in touched.shelters:
        return
    with transaction(engine) as session:
        shelter = session.get(Shelter, shelter_id)
        assert shelter is not None
        touched.shelters[shelter_id] = {
            "status": shelter.status,
            "occupancy": shelter.occupancy,
            "capacity": shelter.capacity,
            "version": shelter.version,
            "status_changed_at": shelter.status_changed_at,
            "status_changed_by": shelter.status_changed_by,
        }


class ConsoleErrors:
    """Console errors and uncaught exceptions of a page; expected HTTP errors can be allowed."""

    def __init__(self, page: Page) -> None:
        self.lines: list[str] = []
        self.allowed: tuple[str, ...] = ()
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.lines.append(f"pageerror: {exc}\n{exc.stack}"))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            self.lines.append(f"{message.type}: {message.text}")

    def allow_http_errors(self) -> None:
        """Failed requests are part of this test (e.g. a 403 it provokes)."""
        self.allowed = EXPECTED_HTTP_ERRORS

    def unexpected(self) -> list[str]:
        """Lines that are not allowed."""
        return [line for line in self.lines if not any(a in line for a in self.allowed)]


@dataclass
class Console:
    """A browser page on the live server with its console error log."""

    page: Page
    errors: ConsoleErrors
    base: str

    def open(self, route: str = "") -> None:
        """Open /staff (optionally at a #/route)."""
        self.page.goto(f"{self.base}/staff{('#' + route) if route else ''}")

    def login(self, who: Staff, route: str = "/board") -> None:
        """Sign in through the form and wait for the navigation."""
        self.open()
        self.page.fill("input[name=username]", who.username)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("form.login-form button[type=submit]")
        self.page.wait_for_selector("#mainnav:not([hidden])")
        if route != "/board":
            self.page.evaluate("route => { location.hash = route; }", route)
        self.page.wait_for_selector(f'#main[aria-busy="false"] .view-{view_name(route)}')

    def go(self, route: str) -> None:
        """Move to another screen through the hash route and wait for it."""
        self.page.evaluate("route => { location.hash = route; }", route)
        self.page.wait_for_selector(f'#main[aria-busy="false"] .view-{view_name(route)}')

    def shot(self, name: str, *, full_page: bool = False) -> None:
        """Save docs/screenshots/console-<name>.png."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.wait_for_timeout(300)  # let maps finish drawing their tiles of outlines
        self.page.screenshot(path=str(SCREENSHOTS / f"console-{name}.png"), full_page=full_page)

    def api(self, method: str, path: str, token: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """Call the hub API from inside the page (same origin) with a bearer token; returns status and body."""
        result: dict[str, Any] = self.page.evaluate(
            """async ([method, path, token, body]) => {
                const headers = { Authorization: `Bearer ${token}` };
                if (body) headers["Content-Type"] = "application/json";
                const res = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined });
                let data = null;
                try { data = await res.json(); } catch { data = null; }
                return { status: res.status, body: data, etag: res.headers.get("ETag") };
            }""",
            [method, path, token, body],
        )
        return result


def view_name(route: str) -> str:
    """The CSS class suffix of the view a hash route renders."""
    parts = [p for p in route.strip("/").split("/") if p]
    if not parts:
        return "board"
    if len(parts) == 1:
        return parts[0]
    if parts[1] == "new":
        return f"{parts[0][:-1]}_new"
    if parts[-1] == "edit":
        return f"{parts[0][:-1]}_edit"
    return parts[0][:-1]


@pytest.fixture
def console_factory(browser: Browser, live_server: LiveServer) -> Iterator[Callable[..., Console]]:
    """Open fresh browser contexts (phone or desktop); each test fails on unexpected console errors."""
    opened: list[Console] = []

    def make(viewport: ViewportSize = DESKTOP) -> Console:
        context = browser.new_context(viewport=viewport, locale="ja-JP", timezone_id="Asia/Tokyo")
        page = context.new_page()
        page.set_default_timeout(15_000)
        console = Console(page, ConsoleErrors(page), live_server.url)
        opened.append(console)
        return console

    yield make
    problems = []
    for console in opened:
        problems += console.errors.unexpected()
        console.page.context.close()
    assert not problems, "console errors:\n" + "\n".join(problems)
