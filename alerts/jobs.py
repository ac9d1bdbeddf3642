"""The alert jobs: thin procrastinate tasks over the plain functions of fanout, drafting and actions."""

from __future__ import annotations

import asyncio
import functools
import logging

import procrastinate

from alerts import actions, drafting, fanout, queue
from alerts.fanout import Runtime
from alerts.retry import DELIVER_JOB_RETRY, FANOUT_JOB_RETRY
from hub.db import transaction

log = logging.getLogger(__name__)

#: A worker that sent no heartbeat for this long is presumed dead; its jobs are retried.
STALLED_AFTER_S = 10.0

blueprint = procrastinate.Blueprint()


class ChunkNotDone(Exception):
    """Some deliveries of a chunk must be tried again later (429/5xx beyond the in-request retries)."""


def runtime_of(context: procrastinate.JobContext) -> Runtime:
    """The worker's shared runtime, as `bosai worker` passed it to procrastinate."""
    runtime: Runtime = context.additional_context["runtime"]
    return runtime


@functools.cache
def make_app(database_url: str) -> procrastinate.App:
    """The procrastinate app on the database, with the alert tasks: one per database and process.

    procrastinate's `add_tasks_from` renames the blueprint's tasks in place, so a second app built from
    the same blueprint would look for "bosai:bosai:…" tasks and find none. The app is opened and closed
    around each run (`open_async`), which procrastinate supports.
    """
    app = procrastinate.App(connector=queue.connector(database_url))
    app.add_tasks_from(blueprint, namespace=queue.NAMESPACE)
    return app


@blueprint.task(name="alerts.fanout", queue=queue.QUEUE, pass_context=True, retry=FANOUT_JOB_RETRY)
async def fanout_alert(context: procrastinate.JobContext, alert_id: int) -> None:
    """Fan an approved alert out: mark it sent, resolve its targets, one delivery job per chunk."""
    jobs = await asyncio.to_thread(fanout.dispatch, runtime_of(context), alert_id)
    log.info("alert %s dispatched in %s delivery jobs", alert_id, jobs)


@blueprint.task(name="alerts.deliver", queue=queue.QUEUE, pass_context=True, retry=DELIVER_JOB_RETRY)
async def deliver(context: procrastinate.JobContext, alert_id: int, channel: str, lo: int, hi: int) -> None:
    """One chunk of one channel; raises ChunkNotDone (retried with backoff) while some must be retried."""
    runtime = runtime_of(context)
    final = context.job.attempts >= (DELIVER_JOB_RETRY.max_attempts or 0)
    outcomes = await fanout.deliver_chunk(runtime, alert_id, channel, lo, hi, final=final)
    if any(o.status == "sent" for o in outcomes):
        await asyncio.to_thread(fanout.defer_stamp, runtime, alert_id, channel, lo, hi)
    waiting = sum(1 for o in outcomes if o.status == "retry")
    if waiting and not final:
        raise ChunkNotDone(f"{waiting} deliveries of alert {alert_id} on {channel} to retry")


@blueprint.task(name="alerts.stamp", queue=queue.QUEUE, pass_context=True, retry=DELIVER_JOB_RETRY)
async def stamp(context: procrastinate.JobContext, alert_id: int, channel: str, lo: int, hi: int) -> None:
    """Subscriptions' last success after a chunk (low priority: delivery jobs go first)."""
    await asyncio.to_thread(fanout.stamp_chunk, runtime_of(context), alert_id, channel, lo, hi)


@blueprint.task(name="alerts.draft", queue=queue.QUEUE, pass_context=True, queueing_lock="alerts.draft")
async def draft(context: procrastinate.JobContext) -> None:
    """Draft alerts from new station events (deferred on NOTIFY station_events and by the sweep)."""
    runtime = runtime_of(context)
    count = await asyncio.to_thread(drafting.draft_pending, runtime.engine, runtime.rules, clock=runtime.clock)
    if count:
        log.info("%s alerts drafted", count)


def expire(runtime: Runtime) -> int:
    """Expire the alerts past their time, in one transaction."""
    with transaction(runtime.engine) as session:
        return actions.expire_due(session, now=runtime.clock())


@blueprint.periodic(cron="* * * * * */10")
@blueprint.task(name="alerts.sweep", queue=queue.QUEUE, pass_context=True, queueing_lock="alerts.sweep")
async def sweep(context: procrastinate.JobContext, timestamp: int) -> None:
    """Every 10 s: draft, expire, and retry jobs of workers that died."""
    runtime = runtime_of(context)
    await asyncio.to_thread(drafting.draft_pending, runtime.engine, runtime.rules, clock=runtime.clock)
    await asyncio.to_thread(expire, runtime)
    await requeue_stalled(context.app)


async def requeue_stalled(app: procrastinate.App) -> int:
    """Put the jobs of dead workers (no heartbeat) back in the queue."""
    jobs = list(await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_AFTER_S))
    for job in jobs:
        log.warning("retrying job %s (%s) of a dead worker", job.id, job.task_name)
        await app.job_manager.retry_job(job)
    return len(jobs)
