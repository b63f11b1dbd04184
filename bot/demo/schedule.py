"""When the demo runs each job: exactly when ``prodbot scheduler`` would fire it.

The triggers come from the scheduler itself (``schedule_jobs`` on a scheduler that is never
started), so a job added to the registry and the schedule shows up in the demo on its own.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler

from bot.demo.story import Step
from jobs.base import JobDeps
from jobs.registry import JOBS
from jobs.scheduler import schedule_jobs

_NEXT = timedelta(microseconds=1)


@dataclass(frozen=True)
class JobRun:
    when: datetime  # the plant's wall clock, like the story's steps
    name: str


Event = Step | JobRun


def job_runs(deps: JobDeps, *, zone: ZoneInfo, start: datetime, end: datetime) -> list[JobRun]:
    """Every firing of every scheduled job from ``start`` to ``end`` (wall-clock times)."""
    scheduler = BackgroundScheduler(timezone=zone)
    schedule_jobs(scheduler, deps)
    first, last = start.replace(tzinfo=zone), end.replace(tzinfo=zone)
    runs: list[JobRun] = []
    for job in scheduler.get_jobs():
        name = str(job.args[0])  # schedule_jobs fires run_job(name, deps)
        fire = job.trigger.get_next_fire_time(None, first)
        while fire is not None and fire <= last:
            runs.append(JobRun(fire.astimezone(zone).replace(tzinfo=None), name))
            fire = job.trigger.get_next_fire_time(fire, fire + _NEXT)
    return runs


def timeline(steps: list[Step], runs: list[JobRun]) -> list[Event]:
    """Steps and job runs in clock order: at the same minute people act first, then the jobs
    in registry order (a job with two triggers at one minute runs once)."""
    order = {name: index for index, name in enumerate(JOBS)}
    unique_runs = sorted(set(runs), key=lambda run: (run.when, order.get(run.name, len(order))))
    events: list[Event] = [*steps, *unique_runs]
    return sorted(events, key=lambda event: (event.when, isinstance(event, JobRun)))
