"""The event hub's fan-out: a subscriber that falls behind replays from the table and misses nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import anyio
import pytest
from sqlalchemy import Engine, delete, text

from hub.api.event_hub import EventHub
from hub.db import transaction
from hub.events import service as events
from hub.events.models import Event

BURST = 7


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def created(engine: Engine) -> Iterator[list[int]]:
    """Ids of events the test commits, deleted afterwards."""
    ids: list[int] = []
    yield ids
    with transaction(engine) as session:
        session.execute(delete(Event).where(Event.id.in_(ids)))


def commit_burst(engine: Engine, ids: list[int]) -> None:
    """BURST events in one transaction, so the hub dispatches them in one go."""
    with transaction(engine) as session:
        ids.extend(events.publish(session, kind="test.burst", payload={"n": n}) for n in range(BURST))


@pytest.mark.anyio
async def test_lagging_subscriber_replays_everything_in_order(engine: Engine, created: list[int]) -> None:
    hub = EventHub(engine, poll_s=1.0, queue_size=2)
    received: list[int] = []
    try:
        async with hub.subscription(None) as stream:
            assert hub.subscribers == 1
            await anyio.to_thread.run_sync(commit_burst, engine, created)
            iterator: AsyncIterator[events.EventRecord] = stream
            with anyio.fail_after(30):  # a hang guard, not a speed assertion
                async for record in iterator:
                    received.append(record.id)
                    if len(received) == BURST:
                        break
        assert hub.subscribers == 0
    finally:
        await hub.stop()
    assert received == created


WATCHED_CHANNEL = "bosai_test_watch"
#: How long a watcher that should stay asleep is given to wake wrongly.
QUIET_S = 1.5


def notify(engine: Engine, channel: str) -> None:
    with transaction(engine) as session:
        session.execute(text("SELECT pg_notify(:c, '')"), {"c": channel})


def publish(engine: Engine, ids: list[int], kind: str) -> None:
    with transaction(engine) as session:
        ids.append(events.publish(session, kind=kind, payload={}))


@pytest.mark.anyio
async def test_watchers_wake_on_their_channels_and_kinds_only(engine: Engine, created: list[int]) -> None:
    hub = EventHub(engine, poll_s=30.0, channels=(WATCHED_CHANNEL,))
    try:
        await hub.start()
        with hub.watch(channels=(WATCHED_CHANNEL,)) as by_channel, hub.watch(kinds=("test.watch",)) as by_kind:
            await anyio.to_thread.run_sync(notify, engine, "bosai_test_other")
            await anyio.to_thread.run_sync(publish, engine, created, "test.other")
            assert not await by_channel.wait(QUIET_S) and not await by_kind.wait(0.0)
            await anyio.to_thread.run_sync(notify, engine, WATCHED_CHANNEL)
            assert await by_channel.wait(30) and not await by_kind.wait(QUIET_S)
            await anyio.to_thread.run_sync(publish, engine, created, "test.watch.one")
            assert await by_kind.wait(30) and not await by_channel.wait(QUIET_S)
        with pytest.raises(ValueError, match="does not listen"):
            hub.watch(channels=("bosai_test_other",))
    finally:
        await hub.stop()
