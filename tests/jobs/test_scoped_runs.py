"""A firing runs its job for the site whose clock fired, not for every site: twenty sites whose
digests fall due at 07:00 are twenty one-site runs, not twenty runs of all twenty."""

from datetime import UTC, date, datetime

import time_machine
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.plant.apply import apply_plant
from bot.plant.file import validate_plant
from jobs.base import JobDeps
from jobs.scheduler import run_job, schedule_jobs
from models import Site
from tests.fakes.slack_api import FakeSlackAPI
from tests.helpers_reports import add_output

WEDNESDAY = date(2026, 11, 18)
DIGEST_AT = datetime(2026, 11, 19, 6, 0, 30, tzinfo=UTC)  # 07:00 in Berlin, both sites
HILLSIDE = {
    "site": {"name": "Hillside", "timezone": "Europe/Berlin", "digest_channel": "C0HILLDIG1"},
    "shifts": [{"name": "Day", "start": "06:00", "end": "14:00", "days": ["wed"]}],
    "lines": [
        {"code": "H1", "name": "Hill 1", "channel": "C0HILL0001", "targets": {"Day": 100}},
    ],
}


def _two_sites(session_factory: sessionmaker[Session]) -> dict[str, int]:
    with session_scope(session_factory) as session:
        apply_plant(
            session=session,
            plant=validate_plant(HILLSIDE),
            at=datetime(2026, 1, 1, tzinfo=UTC),
        )
        add_output(session, "L1", "A", WEDNESDAY, 700, reported_at=DIGEST_AT)
        add_output(session, "H1", "Day", WEDNESDAY, 90, reported_at=DIGEST_AT)
        return {site.name: site.id for site in session.scalars(select(Site))}


def test_each_site_trigger_runs_its_job_for_that_site_only(
    deps: JobDeps, session_factory: sessionmaker[Session], fake_slack: FakeSlackAPI
) -> None:
    sites = _two_sites(session_factory)

    with time_machine.travel(DIGEST_AT, tick=False):
        run_job("digest", deps, sites["Hillside"])

    posted = {call.args["channel"] for call in fake_slack.calls_to("chat.postMessage")}
    assert posted == {"C0HILLDIG1"}  # Riverside's digest, due at the same minute, is not run

    with time_machine.travel(DIGEST_AT, tick=False):
        run_job("digest", deps, sites["Riverside"])

    posted = {call.args["channel"] for call in fake_slack.calls_to("chat.postMessage")}
    assert {"C0HILLDIG1", "C0DIGEST01"} <= posted


def test_site_triggers_carry_their_site_and_interval_jobs_cover_all(
    deps: JobDeps, session_factory: sessionmaker[Session]
) -> None:
    sites = _two_sites(session_factory)
    scheduler = BackgroundScheduler(timezone=UTC)

    schedule_jobs(scheduler, deps)

    by_site: dict[int | None, set[str]] = {}
    for job in scheduler.get_jobs():
        name, _, site_id = job.args
        by_site.setdefault(site_id, set()).add(name)
        if site_id is not None:
            assert job.id.startswith(f"{name}:site{site_id}")
    assert by_site[None] == {"deliveries", "machine-stops"}
    expected = {"digest", "pace-check", "escalations", "weekly-digest", "shift-summary"}
    assert expected <= by_site[sites["Riverside"]]
    assert expected <= by_site[sites["Hillside"]]
