"""Procrastinate workers: draft alerts from events, fan approved alerts out in chunks, sweep and recover."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import procrastinate
from procrastinate import RetryStrategy
from procrastinate.exceptions import AlreadyEnqueued, ConnectorException
from sqlalchemy import Engine, text

from alerts import actions, drafting, outbox
from alerts.channels import Channel, Outcome
from alerts.channels.registry import build_channels
from alerts.delivery import ChunkLock, Recorder
from alerts.models import Alert
from alerts.rules import RuleSet, default_rules
from alerts.schema import libpq_url
from hub.db import make_engine, transaction
from hub.events import service as events
from hub.settings import Settings

log = logging.getLogger(__name__)

#: Named policies of the job queue.
FANOUT_RETRY = RetryStrategy(max_attempts=10, exponential_wait=2)
DELIVER_RETRY = RetryStrategy(max_attempts=6, exponential_wait=3)
#: A worker that sent no heartbeat for this long is presumed dead; its jobs are retried.
HEARTBEAT_S = 2.0
STALLED_AFTER_S = 10.0
WORKER_CONCURRENCY = 4
SIGNAGE_CHANNEL = "alerts"
STATION_EVENTS_CHANNEL = "station_events"
LISTEN_RETRY_S = 5.0
#: How the job queue's connections show in pg_stat_activity.
QUEUE_APPLICATION_NAME = "bosai-worker"
#: Pause before procrastinate's worker is started again after it lost the database, doubling up to the maximum.
RESTART_PAUSE_S = 1.0
RESTART_PAUSE_MAX_S = 10.0  # alerts wait at most this long once the database is back

blueprint = procrastinate.Blueprint()


class RetryLater(Exception):
    """Some deliveries of a chunk must be tried again later (429/5xx beyond the in-request retries)."""


@dataclass
class Runtime:
    """What the tasks of one worker process share."""

    settings: Settings
    engine: Engine
    rules: RuleSet = field(default_factory=default_rules)
    channels: dict[str, Channel] = field(default_factory=dict)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))


def _runtime(context: procrastinate.JobContext) -> Runtime:
    runtime: Runtime = context.additional_context["runtime"]
    return runtime


@functools.cache
def make_app(database_url: str) -> procrastinate.App:
    """The procrastinate app on the database, with the alert tasks: one per database and process.

    procrastinate's `add_tasks_from` renames the blueprint's tasks in place, so a second app built from
    the same blueprint would look for "bosai:bosai:…" tasks and find none. The app is opened and closed
    around each run (`open_async`), which procrastinate supports.
    """
    connector = procrastinate.PsycopgConnector(
        conninfo=libpq_url(database_url), kwargs={"application_name": QUEUE_APPLICATION_NAME}
    )
    app = procrastinate.App(connector=connector)
    app.add_tasks_from(blueprint, namespace=outbox.NAMESPACE)
    return app


def _queued_deliver_chunks(session: Any, alert_id: int) -> set[tuple[str, int]]:
    """Chunks of the alert with a delivery job still waiting to start."""
    rows = session.execute(
        text(
            "SELECT args->>'channel', (args->>'lo')::bigint FROM procrastinate_jobs "
            "WHERE task_name = :task AND status = 'todo' AND (args->>'alert_id')::int = :id"
        ),
        {"task": outbox.DELIVER_TASK, "id": alert_id},
    )
    return {(str(c), int(lo)) for c, lo in rows}


def _resolve_and_defer(session: Any, alert: Alert, *, first_id: int, last_id: int | None) -> int:
    """Resolve one page of subscriptions, then defer a job for each chunk that page added rows to.

    Only chunks this page touched get a job, unless one is still waiting: a chunk whose job is
    already running gets a second one only when new rows landed in its range (the running job loaded
    its rows before), so the queue never fills with jobs that would just wait on a running chunk's lock.
    """
    after = outbox.last_delivery_id(session, alert_id=alert.id)
    outbox.resolve(session, alert, first_id=first_id, last_id=last_id)
    queued = _queued_deliver_chunks(session, alert.id)
    jobs = 0
    for channel in outbox.RECIPIENT_CHANNELS:
        size = outbox.CHUNK_SIZE[channel]
        for lo, hi in outbox.chunk_bounds(session, alert_id=alert.id, channel=channel, size=size, after_id=after):
            if (channel, lo) in queued:
                continue
            args = {"alert_id": alert.id, "channel": channel, "lo": lo, "hi": hi}
            outbox.defer_in_transaction(session, task=outbox.DELIVER_TASK, args=args, priority=outbox.FANOUT_PRIORITY)
            jobs += 1
    return jobs


def dispatch(runtime: Runtime, alert_id: int) -> int:
    """Mark sent, then resolve the targets page by page, each page committed with its chunk jobs."""
    with transaction(runtime.engine) as session:
        alert = outbox.mark_dispatched(session, alert_id, runtime.clock())
        if alert is None:
            return 0
        session.execute(text("SELECT pg_notify(:c, :id)"), {"c": SIGNAGE_CHANNEL, "id": str(alert_id)})
        top = outbox.max_subscription_id(session)
        if alert.scope == "Public":
            events.publish(session, kind="alert.sent", payload=outbox.public_event(alert))
    jobs = 0
    pages: list[tuple[int, int | None]] = [*outbox.resolve_pages(top), (top + 1, None)]  # then those added meanwhile
    for first, last in pages:
        with transaction(runtime.engine) as session:
            alert = session.get(Alert, alert_id)
            if alert is None or alert.scope != "Public":
                return jobs
            jobs += _resolve_and_defer(session, alert, first_id=first, last_id=last)
    return jobs


@blueprint.task(name="alerts.fanout", queue=outbox.QUEUE, pass_context=True, retry=FANOUT_RETRY)
async def fanout(context: procrastinate.JobContext, alert_id: int) -> None:
    """Fan an approved alert out: one spatial query for the targets, then one job per chunk."""
    jobs = await asyncio.to_thread(dispatch, _runtime(context), alert_id)
    log.info("alert %s dispatched in %s delivery jobs", alert_id, jobs)


def _load_chunk(runtime: Runtime, alert_id: int, channel: str, lo: int, hi: int) -> tuple[Any, list[Any]]:
    with transaction(runtime.engine) as session:
        alert = session.get(Alert, alert_id)
        if alert is None or alert.status not in ("sent", "updated", "cancelled"):
            return None, []
        message = outbox.alert_message(session, alert, public_url=runtime.settings.public_url)
        return message, outbox.pending_recipients(session, alert_id=alert_id, channel=channel, lo=lo, hi=hi)


async def deliver_chunk(
    runtime: Runtime, alert_id: int, channel: str, lo: int, hi: int, *, final: bool
) -> list[Outcome]:
    """Send one chunk of pending deliveries on a channel and record every outcome."""
    lock = ChunkLock(runtime.engine, f"deliver:{alert_id}:{channel}:{lo}")
    await asyncio.to_thread(lock.acquire)
    try:
        message, recipients = await asyncio.to_thread(_load_chunk, runtime, alert_id, channel, lo, hi)
        if message is None or not recipients:
            return []
        recorder = Recorder(runtime.engine, final=final)
        try:
            return await runtime.channels[channel].deliver(message, recipients, recorder.add)
        finally:
            await recorder.close()
    finally:
        await asyncio.to_thread(lock.release)


def _defer_stamp(runtime: Runtime, args: dict[str, object]) -> None:
    with transaction(runtime.engine) as session:
        outbox.defer_in_transaction(session, task=outbox.STAMP_TASK, args=args, priority=outbox.STAMP_PRIORITY)


@blueprint.task(name="alerts.deliver", queue=outbox.QUEUE, pass_context=True, retry=DELIVER_RETRY)
async def deliver(context: procrastinate.JobContext, alert_id: int, channel: str, lo: int, hi: int) -> None:
    """One chunk of one channel; raises RetryLater (job retried with backoff) while some must be retried."""
    runtime = _runtime(context)
    final = context.job.attempts >= (DELIVER_RETRY.max_attempts or 0)
    outcomes = await deliver_chunk(runtime, alert_id, channel, lo, hi, final=final)
    if any(o.status == "sent" for o in outcomes):
        args = {"alert_id": alert_id, "channel": channel, "lo": lo, "hi": hi}
        await asyncio.to_thread(_defer_stamp, runtime, args)
    waiting = sum(1 for o in outcomes if o.status == "retry")
    if waiting and not final:
        raise RetryLater(f"{waiting} deliveries of alert {alert_id} on {channel} to retry")


def stamp_chunk(runtime: Runtime, alert_id: int, channel: str, lo: int, hi: int) -> int:
    """Record the last success of the subscriptions a chunk reached."""
    with transaction(runtime.engine) as session:
        return outbox.stamp_successes(session, alert_id=alert_id, channel=channel, lo=lo, hi=hi)


@blueprint.task(name="alerts.stamp", queue=outbox.QUEUE, pass_context=True, retry=DELIVER_RETRY)
async def stamp(context: procrastinate.JobContext, alert_id: int, channel: str, lo: int, hi: int) -> None:
    """Subscriptions' last success after a chunk (low priority: delivery jobs go first)."""
    await asyncio.to_thread(stamp_chunk, _runtime(context), alert_id, channel, lo, hi)


def draft_pending(runtime: Runtime) -> int:
    """Apply the rules to every unprocessed station event and complete order drafts; returns alerts drafted."""
    total = 0
    while True:
        with transaction(runtime.engine) as session:
            seen, drafted = drafting.process_pending_events(session, runtime.rules, clock=runtime.clock)
            drafting.complete_order_drafts(session, runtime.rules, clock=runtime.clock)
            if drafted:
                session.execute(text("SELECT pg_notify(:c, '0')"), {"c": SIGNAGE_CHANNEL})
        total += len(drafted)
        if seen < drafting.EVENT_BATCH:
            return total


@blueprint.task(name="alerts.draft", queue=outbox.QUEUE, pass_context=True, queueing_lock="alerts.draft")
async def draft(context: procrastinate.JobContext) -> None:
    """Draft alerts from new station events (deferred on NOTIFY station_events and by the sweep)."""
    count = await asyncio.to_thread(draft_pending, _runtime(context))
    if count:
        log.info("%s alerts drafted", count)


def expire(runtime: Runtime) -> int:
    """Expire alerts past their time."""
    with transaction(runtime.engine) as session:
        count = actions.expire_due(session, now=runtime.clock())
        if count:
            session.execute(text("SELECT pg_notify(:c, '0')"), {"c": SIGNAGE_CHANNEL})
        return count


@blueprint.periodic(cron="* * * * * */10")
@blueprint.task(name="alerts.sweep", queue=outbox.QUEUE, pass_context=True, queueing_lock="alerts.sweep")
async def sweep(context: procrastinate.JobContext, timestamp: int) -> None:
    """Every 10 s: draft, expire, and retry jobs of workers that died."""
    runtime = _runtime(context)
    await asyncio.to_thread(draft_pending, runtime)
    await asyncio.to_thread(expire, runtime)
    await requeue_stalled(context.app)


async def requeue_stalled(app: procrastinate.App) -> int:
    """Put the jobs of dead workers (no heartbeat) back in the queue."""
    jobs = list(await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_AFTER_S))
    for job in jobs:
        log.warning("retrying job %s (%s) of a dead worker", job.id, job.task_name)
        await app.job_manager.retry_job(job)
    return len(jobs)


async def listen_station_events(app: procrastinate.App, database_url: str, stop: asyncio.Event) -> None:
    """LISTEN station_events and defer a draft job at once for each batch of new events (reconnecting)."""
    import psycopg

    while not stop.is_set():
        try:
            async with await psycopg.AsyncConnection.connect(libpq_url(database_url), autocommit=True) as conn:
                await conn.execute(f"LISTEN {STATION_EVENTS_CHANNEL}")
                while not stop.is_set():
                    async for _ in conn.notifies(timeout=1.0):
                        with contextlib.suppress(AlreadyEnqueued):
                            task = app.configure_task(
                                outbox.DRAFT_TASK, queue=outbox.QUEUE, queueing_lock="alerts.draft"
                            )
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
            queues=[outbox.QUEUE],
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
