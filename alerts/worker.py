"""`bosai worker`'s process: procrastinate's worker on the alert jobs, restarted after losing the database."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time

import procrastinate
from procrastinate.exceptions import AlreadyEnqueued, ConnectorException

from alerts import queue
from alerts.channels.registry import build_channels
from alerts.fanout import Runtime
from alerts.jobs import STALLED_AFTER_S, make_app, requeue_stalled
from hub.db import make_engine
from hub.settings import Settings

log = logging.getLogger(__name__)

HEARTBEAT_S = 2.0
WORKER_CONCURRENCY = 4
STATION_EVENTS_CHANNEL = "station_events"
LISTEN_RETRY_S = 5.0
#: Pause before procrastinate's worker is started again after it lost the database, doubling up to the maximum.
RESTART_PAUSE_S = 1.0
RESTART_PAUSE_MAX_S = 10.0  # alerts wait at most this long once the database is back


async def listen_station_events(app: procrastinate.App, database_url: str, stop: asyncio.Event) -> None:
    """LISTEN station_events and defer a draft job at once for each batch of new events (reconnecting)."""
    import psycopg

    while not stop.is_set():
        try:
            async with await psycopg.AsyncConnection.connect(queue.libpq_url(database_url), autocommit=True) as conn:
                await conn.execute(f"LISTEN {STATION_EVENTS_CHANNEL}")
                while not stop.is_set():
                    async for _ in conn.notifies(timeout=1.0):
                        with contextlib.suppress(AlreadyEnqueued):
                            task = app.configure_task(queue.DRAFT_TASK, queue=queue.QUEUE, queueing_lock="alerts.draft")
                            await task.defer_async()
                        break
        except psycopg.OperationalError as exc:  # the sweep still drafts every 10 s meanwhile
            log.warning("LISTEN %s lost (%s); reconnecting", STATION_EVENTS_CHANNEL, exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), LISTEN_RETRY_S)


async def run(
    settings: Settings,
    *,
    concurrency: int = WORKER_CONCURRENCY,
    wait: bool = True,
    install_signal_handlers: bool = True,
    runtime: Runtime | None = None,
) -> None:
    """Run one worker until stopped (SIGTERM/SIGINT, or cancelling this coroutine); wait=False: until the queue is idle.

    procrastinate stops its worker when it loses the database (a restart, a failover: its listener fails).
    A worker that is not being stopped is then started again, after a pause that doubles while the
    database stays away, so alerts keep going out once it is back.
    """
    app = make_app(settings.database_url)
    async with contextlib.AsyncExitStack() as stack:
        if runtime is None:
            engine = make_engine(settings.database_url, pool_size=concurrency + 2)
            stack.callback(engine.dispose)
            runtime = Runtime(settings=settings, engine=engine)
            runtime.channels = await stack.enter_async_context(build_channels(settings))
        await stack.enter_async_context(app.open_async())
        stop = asyncio.Event()
        if install_signal_handlers and wait:
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, stop.set)
                stack.callback(loop.remove_signal_handler, signum)
        listener = asyncio.create_task(listen_station_events(app, settings.database_url, stop)) if wait else None
        try:
            await _work_until_stopped(app, runtime, stop, concurrency=concurrency, wait=wait)
        finally:
            stop.set()
            if listener is not None:
                listener.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await listener


async def _work_until_stopped(
    app: procrastinate.App, runtime: Runtime, stop: asyncio.Event, *, concurrency: int, wait: bool
) -> None:
    """procrastinate's worker, started again whenever it stops by itself while `stop` is not set."""
    pause = RESTART_PAUSE_S
    while not stop.is_set():
        started = time.monotonic()
        worker = asyncio.create_task(_one_worker_run(app, runtime, concurrency=concurrency, wait=wait))
        stopping = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait({worker, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            if not worker.done():  # asked to stop (or cancelled): procrastinate lets running jobs finish
                worker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await worker
        if stop.is_set():
            return
        lost = worker.result()  # anything but losing the database is raised here
        if not wait and lost is None:
            return
        if time.monotonic() - started > RESTART_PAUSE_MAX_S:
            pause = RESTART_PAUSE_S
        log.warning("job queue worker stopped (%s); starting it again in %.0f s", lost or "database lost", pause)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), pause)
        pause = min(RESTART_PAUSE_MAX_S, pause * 2)


async def _one_worker_run(app: procrastinate.App, runtime: Runtime, *, concurrency: int, wait: bool) -> str | None:
    """One run of procrastinate's worker; the reason when it could not reach the database, else None."""
    try:
        await requeue_stalled(app)
        await app.run_worker_async(
            queues=[queue.QUEUE],
            concurrency=concurrency,
            wait=wait,
            additional_context={"runtime": runtime},
            update_heartbeat_interval=HEARTBEAT_S,
            stalled_worker_timeout=STALLED_AFTER_S,
            install_signal_handlers=False,  # run() handles SIGTERM/SIGINT: a stop is then told from a lost database
        )
    except ConnectorException as exc:
        return f"database unreachable: {exc.__cause__ or exc}"
    return None
