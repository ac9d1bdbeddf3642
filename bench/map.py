"""Map first-view benchmark: time to the first shelters drawn and bytes for the first view in Chromium.

Throttled with Chromium's own network emulation (CDP Network.emulateNetworkConditions), printed beside the
same page loaded unthrottled in the same run (the machine's baseline). The hub runs in-process on a real port.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from hub.settings import Settings
from tests.fakes.server import ThreadedServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
PHONE = {"width": 390, "height": 844}
#: The issue's slow connection: 1.6 Mbps down, 750 kbps up, 150 ms round trip (DevTools "Fast 3G").
THROTTLED = {"latency_ms": 150, "down_bps": 1_600_000, "up_bps": 750_000}
TARGET_S = 3.0
TARGET_BYTES = 1_000_000
#: The first view is over when no response has finished for this long after the shelters are drawn.
QUIET_S = 1.5
FIRST_VIEW_TIMEOUT_MS = 60_000
SERVER_START_TIMEOUT_S = 30.0


class BenchError(RuntimeError):
    """The measured page did not load cleanly."""


@dataclass
class Load:
    """One page load."""

    shelters_drawn_s: float
    bytes: int
    requests: int
    largest: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class MapBench:
    """Median figures of the throttled loads and of the unthrottled baseline."""

    runs: int
    throttled: Load
    baseline: Load
    network: dict[str, int]

    @property
    def meets_targets(self) -> bool:
        """Whether the throttled first view is within 3 s and 1 MB."""
        return self.throttled.shelters_drawn_s <= TARGET_S and self.throttled.bytes <= TARGET_BYTES


def load_once(browser: Any, url: str, *, throttle: bool) -> Load:
    """Open the map in a fresh context (empty cache, no service worker) and measure its first view."""
    context = browser.new_context(viewport=PHONE, locale="ja-JP", service_workers="block")
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    if throttle:
        cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": THROTTLED["latency_ms"],
                "downloadThroughput": THROTTLED["down_bps"] / 8,
                "uploadThroughput": THROTTLED["up_bps"] / 8,
            },
        )
    urls: dict[str, str] = {}
    finished: dict[str, int] = {}
    last_finish = [time.monotonic()]
    cdp.on("Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]))

    def on_finished(event: dict[str, Any]) -> None:
        finished[event["requestId"]] = int(event["encodedDataLength"])
        last_finish[0] = time.monotonic()

    cdp.on("Network.loadingFinished", on_finished)
    errors: list[str] = []
    page.on("response", lambda r: errors.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None)
    page.on("requestfailed", lambda r: errors.append(f"failed {r.url} {r.failure}"))
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    try:
        page.goto(url, wait_until="commit")
        page.wait_for_selector("html[data-shelters-drawn]", timeout=FIRST_VIEW_TIMEOUT_MS)
        drawn_ms = page.evaluate("performance.getEntriesByName('bosai:shelters-drawn')[0].startTime")
        page.wait_for_selector("html[data-ready]", timeout=FIRST_VIEW_TIMEOUT_MS)
        while time.monotonic() - last_finish[0] < QUIET_S:
            page.wait_for_timeout(100)
        if errors:
            raise BenchError("the first view had errors (figures would flatter it): " + "; ".join(errors))
        sizes = sorted(((urls.get(k, k), v) for k, v in finished.items()), key=lambda item: -item[1])
        return Load(
            drawn_ms / 1000, sum(finished.values()), len(finished), [(u.split("?")[0], n) for u, n in sizes[:6]]
        )
    finally:
        context.close()


def _median(loads: list[Load]) -> Load:
    middle = sorted(loads, key=lambda item: item.shelters_drawn_s)[len(loads) // 2]
    return Load(
        statistics.median(item.shelters_drawn_s for item in loads),
        int(statistics.median(item.bytes for item in loads)),
        middle.requests,
        middle.largest,
    )


def run(settings: Settings, *, runs: int = 3) -> MapBench:
    """Load the map `runs` times unthrottled and throttled, alternating; medians of each."""
    from playwright.sync_api import sync_playwright

    from bosai.web import create_app

    baseline: list[Load] = []
    throttled: list[Load] = []
    hub = ThreadedServer(create_app(settings), lifespan="auto", start_timeout_s=SERVER_START_TIMEOUT_S)
    with hub as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            load_once(browser, server.url, throttle=False)  # warm the hub's caches (base map, catalogues)
            for _ in range(runs):
                baseline.append(load_once(browser, server.url, throttle=False))
                throttled.append(load_once(browser, server.url, throttle=True))
        finally:
            browser.close()
    return MapBench(runs, _median(throttled), _median(baseline), dict(THROTTLED))


def report_lines(result: MapBench) -> list[str]:
    """Human-readable figures, each beside its target and the unthrottled baseline."""
    t, b = result.throttled, result.baseline
    verdict = "meets" if result.meets_targets else "MISSES"
    lines = [
        f"map first view, median of {result.runs} (phone 390×844, fresh cache, ja)",
        f"  first shelters drawn: {t.shelters_drawn_s:.2f} s at 1.6 Mbps / 150 ms (target ≤ {TARGET_S:.0f} s)"
        f"   | baseline unthrottled: {b.shelters_drawn_s:.2f} s",
        f"  bytes for the first view: {t.bytes / 1024:.0f} KiB in {t.requests} responses"
        f" (target ≤ {TARGET_BYTES / 1_000_000:.0f} MB)   | baseline: {b.bytes / 1024:.0f} KiB",
        f"  → {verdict} both targets",
        "  largest responses: "
        + ", ".join(f"{url.rsplit('/', 1)[-1] or '/'} {n / 1024:.0f} KiB" for url, n in t.largest),
    ]
    return lines


def as_json(result: MapBench) -> dict[str, Any]:
    """Plain data for --json."""
    return asdict(result) | {
        "targets": {"seconds": TARGET_S, "bytes": TARGET_BYTES},
        "meets_targets": result.meets_targets,
    }
