"""``prodbot scheduler``: fire the jobs on their schedule, in each site's time zone.

APScheduler 3 only fires; it keeps no job store (its FAQ: a store must not be shared between
processes), so the schedule is built from the plant at start-up and what was posted lives in
our outbox. Every job computes all periods due up to its clock, so a run that fires late, or
the catch-up run at start-up after downtime, posts what was missed, and nothing twice. Jobs fire
on cron triggers per site, in its zone, and a firing runs the job for that site only (twenty
sites whose clocks strike 07:00 together are twenty small runs, not twenty runs of all sites);
the registry's ``INTERVALS`` (the ``deliveries`` job) have one interval trigger each, whatever
the sites. At most ``SCHEDULER_WORKERS`` runs go at once, so runs never exhaust the database
pool.
"""

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.plant.file import alerts_of
from bot.settings import Settings
from jobs.base import JobDeps
from jobs.leader import LeaderLock
from jobs.registry import INTERVALS, JOBS
from models import Site

logger = logging.getLogger(__name__)

STANDBY_POLL = timedelta(seconds=5)
LEADERSHIP_CHECK = timedelta(seconds=15)
EVERY_30_MINUTES = {"minute": "0,30"}
DEFAULT_WORKERS = Settings.model_fields["scheduler_workers"].default


def run_job(name: str, deps: JobDeps, site_id: int | None = None) -> None:
    """What a trigger fires: the job with the real clock, for the site whose clock fired (None:
    every site). A failed run is logged and the next run (or the catch-up) covers its
    periods."""
    sites = None if site_id is None else [site_id]
    try:
        outcomes = JOBS[name].run(datetime.now(UTC), deps, sites)
    except Exception:
        logger.exception("job %s failed (site %s); its periods stay due", name, site_id or "all")
        return
    if sent := sum(outcome.sent for outcome in outcomes):
        logger.info("job %s posted %d message(s)", name, sent)


def schedule_jobs(scheduler: BaseScheduler, deps: JobDeps) -> list[str]:
    """Add every job's triggers, built from the sites in the database; returns the job ids."""
    ids = []
    for job_name, trigger_id, trigger, site_id in _triggers(deps.session_factory):
        if job_name not in JOBS:
            continue
        job_id = f"{job_name}:{trigger_id}"
        scheduler.add_job(
            run_job,
            trigger,
            args=[job_name, deps, site_id],
            id=job_id,
            name=job_id,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=int(timedelta(minutes=10).total_seconds()),
        )
        ids.append(job_id)
    return ids


@dataclass(frozen=True)
class NextRun:
    site: str | None  # None for a job that is not on a site's schedule
    at: datetime  # in the trigger's time zone: the site's


def next_runs(session_factory: sessionmaker[Session], now: datetime) -> dict[str, list[NextRun]]:
    """When each job fires next after ``now``, at each site (``prodbot jobs list``)."""
    with session_scope(session_factory) as session:
        sites = {f"site{site.id}": site.name for site in session.scalars(select(Site))}
    soonest: dict[tuple[str, str | None], datetime] = {}
    for job_name, trigger_id, trigger, _ in _triggers(session_factory):
        at = trigger.get_next_fire_time(None, now)
        key = (job_name, sites.get(trigger_id.split(":")[0]))
        if at is not None and (key not in soonest or at < soonest[key]):
            soonest[key] = at
    runs: dict[str, list[NextRun]] = {}
    for (job_name, site), at in sorted(soonest.items(), key=lambda item: item[1]):
        runs.setdefault(job_name, []).append(NextRun(site, at))
    return runs


def _triggers(
    session_factory: sessionmaker[Session],
) -> Iterator[tuple[str, str, BaseTrigger, int | None]]:
    """(job, trigger id, trigger, the site it runs for or None for all) of every firing."""
    with session_scope(session_factory) as session:
        sites = session.scalars(select(Site).order_by(Site.id)).all()
        # Not per site: once, however many sites; nothing is owed before a site is loaded.
        for job_name, every in INTERVALS.items() if sites else ():
            interval = IntervalTrigger(seconds=every.total_seconds(), timezone=UTC)
            yield job_name, "every", interval, None
        for site in sites:
            zone = site.timezone
            alerts = alerts_of(site)
            digest_at = CronTrigger(
                hour=site.digest_time.hour, minute=site.digest_time.minute, timezone=zone
            )
            yield "digest", f"site{site.id}", digest_at, site.id
            pace = CronTrigger(**EVERY_30_MINUTES, timezone=zone)
            yield "pace-check", f"site{site.id}", pace, site.id
            yield "escalations", f"site{site.id}", CronTrigger(minute="*/5", timezone=zone), site.id
            weekly = CronTrigger(day_of_week="mon", hour=7, minute=30, timezone=zone)
            yield "weekly-digest", f"site{site.id}", weekly, site.id
            for shift in site.shifts:
                if not shift.active:
                    continue
                for job_name, delay in (
                    ("shift-summary", alerts.report_grace_minutes),
                    ("missing-report", alerts.missing_report_minutes),
                    ("missing-report", alerts.missing_report_minutes + 60),
                ):
                    end = datetime.combine(datetime(2000, 1, 1), shift.end) + timedelta(
                        minutes=delay
                    )
                    yield (
                        job_name,
                        f"site{site.id}:{shift.name}:{delay}",
                        CronTrigger(hour=end.hour, minute=end.minute, timezone=zone),
                        site.id,
                    )


def lead_when_possible(
    lock: LeaderLock, stop: threading.Event, *, poll: timedelta = STANDBY_POLL
) -> bool:
    """Block as a standby until this process holds the leader lock (True) or is stopped."""
    announced = False
    while not stop.is_set():
        if lock.try_acquire():
            logger.info("scheduler: this process is the leader")
            return True
        if not announced:
            logger.info("scheduler: another process leads; standing by")
            announced = True
        stop.wait(poll.total_seconds())
    return False


def catch_up(deps: JobDeps) -> None:
    """On becoming leader: run every job once, so periods missed while no leader ran post now."""
    for name in JOBS:
        run_job(name, deps)


def serve_scheduler(
    deps: JobDeps, lock: LeaderLock, stop: threading.Event, *, workers: int = DEFAULT_WORKERS
) -> int:
    """Stand by, lead, fire jobs until ``stop``, at most ``workers`` runs at once; 1 if
    leadership was lost (let the platform restart the process so it stands by again), else 0."""
    if not lead_when_possible(lock, stop):
        return 0
    scheduler = BackgroundScheduler(
        timezone=UTC, executors={"default": ThreadPoolExecutor(max_workers=workers)}
    )
    job_ids = schedule_jobs(scheduler, deps)
    logger.info("scheduler: %d trigger(s): %s", len(job_ids), ", ".join(job_ids))
    scheduler.start()
    catch_up(deps)
    lost = False
    while not stop.wait(LEADERSHIP_CHECK.total_seconds()):
        if not lock.still_held():
            logger.error("scheduler: leadership lost; stopping")
            lost = True
            break
    scheduler.shutdown(wait=True)
    lock.release()
    return 1 if lost else 0
