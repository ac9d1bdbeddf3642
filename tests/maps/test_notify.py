"""“Notify me” and alert history in Chromium: the page subscribes through the real hub API, reads alerts aloud."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import Engine, delete, select, text

from alerts.channels.vapid import generate_vapid_key
from alerts.models import Alert, Subscription
from hub.db import transaction
from hub.settings import Settings
from tests.conftest import DATA, TEST_DATABASE_URL, LiveServer
from tests.maps.conftest import MapPage, new_map_page, settle
from tests.maps.test_where import RECORD_SPEECH

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
PUSH_HOST = "fcm.push.example.org"
#: The browser's push service is out of reach offline: PushManager hands out a subscription with real
#: P-256 keys made by WebCrypto and records the application server key the page asked with.
FAKE_PUSH_MANAGER = """
window.__push = { serverKey: null, unsubscribed: false, current: null };
const b64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)))
  .replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
PushManager.prototype.getSubscription = async function () { return window.__push.current; };
PushManager.prototype.subscribe = async function (options) {
  window.__push.serverKey = b64url(options.applicationServerKey);
  const pair = await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"]);
  const p256dh = b64url(await crypto.subtle.exportKey("raw", pair.publicKey));
  const auth = b64url(crypto.getRandomValues(new Uint8Array(16)));
  const endpoint = "https://PUSH_HOST/fcm/send/" + crypto.randomUUID();
  window.__push.current = {
    endpoint,
    toJSON: () => ({ endpoint, expirationTime: null, keys: { p256dh, auth } }),
    unsubscribe: async () => { window.__push.unsubscribed = true; window.__push.current = null; return true; },
  };
  return window.__push.current;
};
""".replace("PUSH_HOST", PUSH_HOST)


@pytest.fixture(scope="module")
def push_hub(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Path]]:
    """The full app with a VAPID key (outside the repo) and the test push host allowed."""
    from bosai.web import create_app

    key = tmp_path_factory.mktemp("secrets") / "vapid.pem"
    generate_vapid_key(key)
    settings = Settings(
        database_url=TEST_DATABASE_URL,
        data_dir=DATA,
        jwt_secret="test-secret-not-for-production",
        vapid_private_key_file=key,
        push_host_allowlist=[PUSH_HOST],
    )
    server = LiveServer(create_app(settings, engine))
    server.start()
    yield server, key
    server.stop()


@pytest.fixture
def notify_page(browser: Browser) -> Iterator[MapPage]:
    """A phone page allowed to show notifications, with the fake PushManager."""
    made = new_map_page(browser, viewport=PHONE, permissions=["notifications"])
    made.page.add_init_script(FAKE_PUSH_MANAGER)
    made.page.add_init_script(RECORD_SPEECH)
    yield made
    made.context.close()


@pytest.fixture
def sent_alert(engine: Engine) -> Iterator[Alert]:
    """A sent, current level-4 public alert with Japanese and English messages (deleted afterwards)."""
    tag = uuid.uuid4().hex[:6]
    messages = {
        "ja": {"title": f"【警戒レベル4】目黒川 氾濫危険 {tag}", "body": f"目黒川が氾濫危険水位に達しました {tag}"},
        "en": {"title": f"[Level 4] Meguro River danger {tag}", "body": f"The Meguro River reached danger {tag}"},
    }
    now = datetime.now(UTC)
    with transaction(engine) as session:
        alert = Alert(
            kind="river_level",
            status="sent",
            level=4,
            hazard="flood",
            area_codes=["13109"],
            messages=messages,
            sent_at=now,
            expires_at=now + timedelta(hours=1),
        )
        session.add(alert)
        session.flush()
        session.expunge(alert)
    yield alert
    with transaction(engine) as session:
        session.execute(delete(Alert).where(Alert.id == alert.id))


def test_notify_me_subscribes_through_the_hub_and_turns_off(
    notify_page: MapPage, push_hub: tuple[LiveServer, Path], engine: Engine
) -> None:
    server, _ = push_hub
    page = notify_page.open(server.url)
    page.click(".actions [data-open-panel=notify]")
    page.evaluate("() => Bosai.map.setView([35.6092, 139.7302], 15)")  # 品川区役所
    settle(page)
    page.click("#notify-add-centre")
    page.check('input[name="notify-lang"][value="en"]')
    page.uncheck('input[name="notify-hazard"][value="landslide"]')
    page.click("#notify-submit")
    expect(page.locator("#notify-status")).to_have_text("お知らせを受け取る設定にしました。")
    expect(page.locator("#notify-off")).to_be_visible()

    endpoint = page.evaluate("() => window.__push.current.endpoint")
    server_key = page.evaluate("() => window.__push.serverKey")
    assert server_key == page.evaluate(
        "async () => (await (await fetch('/api/push/vapid-public-key')).json()).publicKey"
    )
    with engine.connect() as conn:
        row = conn.execute(
            select(Subscription.languages, Subscription.hazards, Subscription.keys).where(
                Subscription.channel == "webpush", Subscription.address == endpoint
            )
        ).one()
        inside: bool = conn.execute(
            text(
                "SELECT ST_Contains(geom, ST_SetSRID(ST_MakePoint(139.7302, 35.6092), 4326)) AND "
                "NOT ST_Contains(geom, ST_SetSRID(ST_MakePoint(139.7402, 35.6092), 4326)) "
                "FROM subscriptions WHERE address = :a"
            ),
            {"a": endpoint},
        ).scalar_one()
    assert set(row.languages) == {"ja", "en"}
    assert "flood" in row.hazards and "landslide" not in row.hazards
    assert set(row.keys) == {"p256dh", "auth"}
    assert inside  # a 500 m circle around the place, not 900 m east of it

    page.click("#notify-off")
    expect(page.locator("#notify-status")).to_have_text("お知らせを止めました。")
    assert page.evaluate("() => window.__push.unsubscribed")
    with engine.connect() as conn:
        left = conn.execute(select(Subscription.id).where(Subscription.address == endpoint)).all()
    assert left == []
    assert notify_page.problems.all() == []


def test_current_alert_is_in_the_banner_the_history_and_read_aloud(
    notify_page: MapPage, live_server: LiveServer, sent_alert: Alert
) -> None:
    page = notify_page.open(live_server.url)
    title, body = sent_alert.messages["ja"]["title"], sent_alert.messages["ja"]["body"]
    expect(page.locator("#warnings")).to_contain_text(title)
    assert page.evaluate("Bosai.canSpeak()")  # Chromium has the Web Speech API
    page.click("#warnings-speak")
    spoken = page.evaluate("() => window.__spoken")
    assert any(body in s["text"] and s["lang"].startswith("ja") for s in spoken), spoken
    page.click(".actions [data-open-panel=notify]")
    expect(page.locator("#alert-history")).to_contain_text(f"{title} {body}")
    assert notify_page.problems.all() == []
