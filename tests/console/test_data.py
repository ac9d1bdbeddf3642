"""Console in Chromium: a broken shelter CSV shows its row errors in the preview and changes nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import FilePayload, expect
from sqlalchemy import Engine, select

from hub.db import transaction
from hub.shelters.models import Shelter
from tests.console.conftest import Console, Staff
from tests.console.helpers import count_shelters

pytestmark = pytest.mark.browser
HEADER = (
    "NO,共通ID,施設・場所名,住所,洪水,崖崩れ、土石流及び地滑り,高潮,地震,津波,大規模な火事,内水氾濫,火山現象,"
    "緯度,経度,備考"
)
ROWS = (
    "1,CONSOLE-BROKEN-1,正しい行,品川区1-1,1,,,1,,,,,35.61,139.73,",
    "2,CONSOLE-BROKEN-2,,品川区1-2,1,,,1,,,,,35.61,139.73,",
    "3,CONSOLE-BROKEN-3,緯度が文字,品川区1-3,1,,,1,,,,,北緯,139.73,",
    "4,CONSOLE-BROKEN-4,経度が範囲外,品川区1-4,1,,,1,,,,,35.61,239.73,",
)
BROKEN_CSV = ("\ufeff" + "\r\n".join((HEADER, *ROWS)) + "\r\n").encode("utf-8")


def broken_file() -> FilePayload:
    """The upload as Playwright's file payload."""
    return {"name": "broken-shelters.csv", "mimeType": "text/csv", "buffer": BROKEN_CSV}


def test_a_broken_csv_shows_row_errors_and_changes_nothing(
    console_factory: Callable[..., Console], staff: Callable[..., Staff], engine: Engine
) -> None:
    coordinator = staff("coord-data", "coordinator")
    before = count_shelters(engine)
    console = console_factory()
    console.login(coordinator, "/data")
    page = console.page
    page.set_input_files("input[type=file]", files=[broken_file()])
    page.click("form.upload-form button[type=submit]")
    table = page.locator("table.errors-table")
    expect(table).to_be_visible()
    rows = table.locator("tbody tr")
    expect(rows.first).to_be_visible()
    cells = [r.split("\t") for r in rows.all_inner_texts()]
    found = {(c[0], c[1]) for c in cells}
    assert {("3", "施設・場所名"), ("4", "緯度"), ("5", "経度")} <= found, cells
    assert all(c[2] for c in cells)
    expect(page.locator("[role=alert]").filter(has_text="取り込めません")).to_be_visible()
    expect(page.locator('[data-count="inserted"] b')).to_have_text("1")  # what the one good row would do
    expect(page.locator("button:has-text('取り込む')")).to_be_disabled()

    page.check("input[name=skip_invalid]")  # changing an option needs a new preview first
    expect(page.locator("button:has-text('取り込む')")).to_be_disabled()
    assert count_shelters(engine) == before
    with transaction(engine) as session:
        assert session.scalar(select(Shelter.id).where(Shelter.source_id.like("CONSOLE-BROKEN-%"))) is None
