"""After one visit the map opens again with the hub stopped: app, base map and last shelters from the PWA caches."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, expect

from tests.conftest import LiveServer
from tests.maps.conftest import PHONE, READY_TIMEOUT_MS, new_map_page

pytestmark = pytest.mark.browser

#: True once the service worker controls the page, holds its precache and the page's shelter list.
CACHED = """async () => {
  const registration = await navigator.serviceWorker.ready;
  if (!registration.active || !navigator.serviceWorker.controller) return false;
  const names = await caches.keys();
  const app = names.find((n) => n.startsWith("bosai-app-"));
  if (!app || !(await (await caches.open(app)).match("/map/base.geojson"))) return false;
  return Boolean(await caches.match("/api/shelters"));
}"""


def test_reloads_and_shows_shelters_with_the_server_stopped(browser: Browser, app: FastAPI) -> None:
    server = LiveServer(app)
    server.start()
    item = new_map_page(browser, viewport=PHONE)
    try:
        page = item.open(server.url)
        page.wait_for_selector("html[data-shelters-drawn]")
        drawn_online = page.locator(".shelter-marker, .shelter-group").count()
        page.wait_for_function(CACHED, timeout=READY_TIMEOUT_MS, polling=200)
        page.reload()  # the second visit is the one the service worker serves
        page.wait_for_selector("html[data-ready]", timeout=READY_TIMEOUT_MS)
        page.wait_for_function(CACHED, timeout=READY_TIMEOUT_MS, polling=200)
        page.goto("about:blank")  # closes the live event stream so the server can stop at once
    finally:
        server.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.url, timeout=2)
    try:
        page.goto(server.url)
        page.wait_for_selector("html[data-ready]", timeout=READY_TIMEOUT_MS)
        page.wait_for_selector("html[data-shelters-drawn]")
        assert page.locator(".leaflet-base-pane path").count() > 0, "the base map comes from the cache"
        assert page.locator(".shelter-marker, .shelter-group").count() == drawn_online
        status = page.locator("#net-status")
        expect(status).to_have_class(re.compile("net-status--offline"))
        expect(status).to_contain_text(re.compile(r"通信できません。.*\d{1,2}:\d{2}.*に保存した情報"))
        page.click(".actions [data-open-panel=list]")
        expect(page.locator("#list-shelters li").first).to_be_visible()
    finally:
        item.context.close()
