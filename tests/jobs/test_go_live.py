"""Catch-up knows when a site went live: the first runs after a plant load, against the fake Slack.

The sample plant (Riverside, Europe/Berlin) is loaded on Wednesday 18 Nov 2026 at 14:50 Berlin,
just after shift A (06:00–14:00) ended; the scheduler's first start is an hour later, when A's
summaries and reminders still fall in the six-hour catch-up.
"""

import tomllib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import column, insert, select, table
from sqlalchemy.orm import Session, sessionmaker

from bot.db import make_engine, make_session_factory, session_scope, upgrade
from bot.numbers.go_live import line_live_from, site_live_from
from bot.plant.apply import apply_plant
from bot.plant.file import PlantFileError, validate_plant
from jobs import digest, escalations, missing_report, pace_check, shift_summary, weekly_digest
from jobs.base import JobDeps
from models import AuditRecord, Issue, IssueStatus, Line, Severity, Site
from tests.conftest import SAMPLE_PLANT
from tests.db_rows import add_delay
from tests.fakes.slack_api import FakeSlackAPI
from tests.helpers_reports import Report
from tests.jobs.support import period
from tests.jobs.support import posted_texts as posts

TUESDAY, WEDNESDAY = date(2026, 11, 17), date(2026, 11, 18)
LOADED = datetime(2026, 11, 18, 13, 50, tzinfo=UTC)  # 14:50 Berlin: shift A ended at 13:00 UTC
FIRST_START = LOADED + timedelta(hours=1)  # A's summaries (13:15), reminders (13:30, 14:30) due
AFTER_B = datetime(2026, 11, 18, 21, 35, tzinfo=UTC)  # B ended 21:00: summaries and leads due
LINE_CHANNELS = {"C0LINE0001", "C0PRESS002"}
MANAGER = "U0MGR00001"

LINE_3 = """
[[lines]]
code = "L3"
name = "Line 3"
channel = "C0LINE0003"
leads = ["U0LEAD0003"]
managers = ["U0MGR00001"]
targets = { A = 500, B = 500 }
"""


def load(session_factory: sessionmaker[Session], at: datetime, text: str = SAMPLE_PLANT) -> None:
    """``prodbot plant load`` of ``text`` at ``at``."""
    with session_scope(session_factory) as session:
        apply_plant(session=session, plant=validate_plant(tomllib.loads(text)), at=at)


def live_from(day: str) -> str:
    """The sample plant with ``live_from = day`` (a bare TOML date) in its ``[site]``."""
    return SAMPLE_PLANT.replace(
        'digest_time = "07:00"', f'digest_time = "07:00"\nlive_from = {day}'
    )


@pytest.fixture
def loaded_plant() -> None:
    """Nothing is loaded up front: each test loads the plant when it goes live."""


def run_every_job(at: datetime, deps: JobDeps) -> None:
    for job in (shift_summary, missing_report, pace_check, digest, weekly_digest, escalations):
        job.run(at, deps)


def test_the_first_start_after_a_load_posts_nothing_for_shifts_that_ended_before_it(
    deps: JobDeps, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    load(session_factory, LOADED)

    run_every_job(FIRST_START, deps)
    assert posts(fake_slack) == {}

    # Shift B ran after go-live: its summaries and reminders are owed as on any day.
    run_every_job(AFTER_B, deps)
    sent = posts(fake_slack)
    assert set(sent) == LINE_CHANNELS
    for channel in LINE_CHANNELS:
        summary, reminder = sent[channel]
        assert "shift B" in summary and "ended" in summary
        assert reminder.startswith("📝") and "shift B" in reminder


def test_a_shift_before_the_load_is_summarised_when_it_holds_imported_data(
    deps: JobDeps, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session], report: Report
) -> None:
    load(session_factory, LOADED)
    report("L1", "A", WEDNESDAY, 700)  # output imported for the shift before the load
    with session_scope(session_factory) as session:
        add_delay(session, "press2", WEDNESDAY, 20)  # a delay alone is data too

    shift_summary.run(FIRST_START, deps)
    missing_report.run(FIRST_START, deps)

    sent = posts(fake_slack)
    assert set(sent) == LINE_CHANNELS
    [l1], [press2] = sent["C0LINE0001"], sent["C0PRESS002"]  # summaries, and no reminder
    assert l1.startswith("L1 shift A") and "ended: 700 / 800" in l1
    assert press2.startswith("press2 shift A") and "ended" in press2


def test_a_line_added_later_starts_from_its_own_load(
    deps: JobDeps, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    load(session_factory, LOADED - timedelta(days=7))
    load(session_factory, LOADED, SAMPLE_PLANT + LINE_3)

    missing_report.run(FIRST_START, deps)

    sent = posts(fake_slack)
    assert set(sent) == {*LINE_CHANNELS, MANAGER}  # the lines of last week are reminded of A
    [manager_dm] = sent[MANAGER]
    assert "L1" in manager_dm and "press2" in manager_dm and "L3" not in manager_dm

    missing_report.run(AFTER_B, deps)
    [l3_reminder] = posts(fake_slack)["C0LINE0003"]
    assert "L3 shift B" in l3_reminder


def test_live_from_in_the_past_makes_earlier_shifts_owed(
    deps: JobDeps, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    load(session_factory, LOADED, live_from("2026-11-02"))

    missing_report.run(FIRST_START, deps)

    sent = posts(fake_slack)
    assert set(sent) == {*LINE_CHANNELS, MANAGER}
    assert all(texts == [texts[0]] and "shift A" in texts[0] for texts in sent.values())


@pytest.mark.parametrize(
    ("plant", "alerted"), [(SAMPLE_PLANT, True), (live_from("2026-11-19"), False)]
)
def test_no_pace_alert_before_a_live_from_still_to_come(
    deps: JobDeps,
    fake_slack: FakeSlackAPI,
    session_factory: sessionmaker[Session],
    report: Report,
    plant: str,
    alerted: bool,
) -> None:
    load(session_factory, datetime(2026, 11, 18, 4, 0, tzinfo=UTC), plant)
    report("L1", "A", WEDNESDAY, 100)  # heading for 200 of 800

    pace_check.run(datetime(2026, 11, 18, 9, 0, tzinfo=UTC), deps)

    assert bool(posts(fake_slack)) is alerted


def test_no_digest_for_a_day_before_go_live_unless_it_holds_data(
    deps: JobDeps, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session], report: Report
) -> None:
    # Loaded at 07:30 Berlin on Wednesday: Tuesday's digest (07:00) is still in the catch-up.
    load(session_factory, datetime(2026, 11, 18, 6, 30, tzinfo=UTC))
    first_start = datetime(2026, 11, 18, 7, 0, tzinfo=UTC)

    assert digest.run(first_start, deps) == []

    report("L1", "A", TUESDAY, 640)  # Tuesday's output, imported
    assert {period(outcome) for outcome in digest.run(first_start, deps)} == {"2026-11-17"}

    # Wednesday is the go-live date: its digest is owed though nothing was reported.
    thursday = digest.run(datetime(2026, 11, 19, 6, 5, tzinfo=UTC), deps)
    assert {period(outcome) for outcome in thursday} == {"2026-11-18"}


def test_no_weekly_review_of_a_week_before_go_live_unless_it_holds_data(
    deps: JobDeps, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session], report: Report
) -> None:
    load(session_factory, datetime(2026, 11, 23, 5, 0, tzinfo=UTC))  # Monday 06:00 Berlin
    review_at = datetime(2026, 11, 23, 6, 30, tzinfo=UTC)  # Monday 07:30 Berlin: W47 is due

    assert weekly_digest.run(review_at, deps) == []

    report("L1", "A", WEDNESDAY, 700)
    assert {period(outcome) for outcome in weekly_digest.run(review_at, deps)} == {"2026-W47"}


def test_the_week_that_contains_go_live_is_reviewed(
    deps: JobDeps, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    load(session_factory, LOADED)

    outcomes = weekly_digest.run(datetime(2026, 11, 23, 6, 30, tzinfo=UTC), deps)

    assert {period(outcome) for outcome in outcomes} == {"2026-W47"}


def test_no_escalation_for_an_issue_raised_before_go_live(
    deps: JobDeps, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    load(session_factory, LOADED)
    with session_scope(session_factory) as session:
        line = session.scalars(select(Line).where(Line.code == "L1")).one()
        for raised_at, text in ((LOADED - timedelta(hours=2), "imported jam"), (LOADED, "new jam")):
            session.add(
                Issue(
                    line_id=line.id,
                    shift_id=line.site.shifts[0].id,
                    production_date=WEDNESDAY,
                    severity=Severity.HIGH,  # managers after 15 minutes, heads after an hour
                    text=text,
                    status=IssueStatus.OPEN,
                    raised_by="U0LEAD0001",
                    raised_at=raised_at,
                )
            )

    escalations.run(LOADED + timedelta(minutes=30), deps)

    [ping] = posts(fake_slack)[MANAGER]
    assert "new jam" in ping


def test_go_live_of_the_site_and_of_a_line_added_later(
    session_factory: sessionmaker[Session],
) -> None:
    first, added = LOADED - timedelta(days=7), LOADED
    berlin_midnight = datetime(2026, 11, 1, 23, 0, tzinfo=UTC)  # 2 Nov 00:00 in Berlin
    load(session_factory, first, live_from("2026-11-02"))
    load(session_factory, added, live_from("2026-11-02") + LINE_3)
    with session_factory() as session:
        site = session.scalars(select(Site)).one()
        lines = {line.code: line for line in site.lines}
        assert site_live_from(site) == berlin_midnight
        assert line_live_from(lines["L1"]) == berlin_midnight  # loaded with the site
        assert line_live_from(lines["L3"]) == added  # its own load, after the site's go-live
        assert lines["L1"].live_since == first and lines["L3"].live_since == added

    load(session_factory, added, live_from("2026-12-01") + LINE_3)
    with session_factory() as session:
        l3 = session.scalars(select(Line).where(Line.code == "L3")).one()
        assert line_live_from(l3) == datetime(2026, 11, 30, 23, 0, tzinfo=UTC)  # the later one


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (
            '"2026-02-30"',
            "'2026-02-30' is not a day of the calendar (day is out of range for month)",
        ),
        ('"2 Nov 2026"', "expected a date \"YYYY-MM-DD\", got '2 Nov 2026'"),
        ("20261102", 'expected a date "YYYY-MM-DD", got 20261102'),
        (
            "2026-11-02T06:00:00Z",
            'expected a date "YYYY-MM-DD" without a time, got 2026-11-02T06:00:00+00:00',
        ),
    ],
)
def test_live_from_must_be_a_date(value: str, problem: str) -> None:
    with pytest.raises(PlantFileError) as refused:
        validate_plant(tomllib.loads(live_from(value)))
    assert refused.value.problems == [f"plant.toml: site.live_from: {problem}"]


@pytest.mark.parametrize("value", ["2026-11-02", '"2026-11-02"', '" 2026-11-02 "'])
def test_live_from_is_a_bare_or_quoted_date(value: str) -> None:
    assert validate_plant(tomllib.loads(live_from(value))).site.live_from == date(2026, 11, 2)


def test_an_upgraded_database_dates_go_live_from_the_audited_plant_loads(tmp_path: Path) -> None:
    """Migration 0007 on a database of 0006 (on SQLite: the statement is plain SQL). Rows go
    in through tables of 0006's columns: today's models have columns 0006 does not."""
    sites_0006 = table(
        "sites",
        *map(column, ("id", "name", "timezone", "digest_time", "delay_reasons", "alert_settings")),
    )
    lines_0006 = table(
        "lines", *map(column, ("id", "site_id", "code", "code_key", "name", "active", "unit"))
    )
    url = f"sqlite:///{tmp_path / 'before-0007.db'}"
    upgrade(url, "0006")
    created, added, renamed = LOADED - timedelta(days=30), LOADED - timedelta(days=7), LOADED
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            for site_id, name in ((1, "Unaudited"), (2, "Audited")):
                connection.execute(
                    insert(sites_0006).values(id=site_id, name=name, timezone="UTC",
                                              digest_time="07:00:00.000000", delay_reasons="[]",
                                              alert_settings="{}")
                )  # fmt: skip
            for line_id, site_id in ((1, 1), (2, 2), (3, 2)):
                connection.execute(
                    insert(lines_0006).values(id=line_id, site_id=site_id, code=f"L{line_id}",
                                              code_key=f"l{line_id}", name="a line", active=True,
                                              unit="units")
                )  # fmt: skip
            for at, action, entity, entity_id in (
                (created, "create", "site", 2),
                (created, "create", "line", 2),
                (added, "create", "line", 3),
                (renamed, "update", "line", 2),
                (renamed, "create", "shift", 1),  # another kind's id 1: not line 1's creation
            ):
                connection.execute(
                    insert(AuditRecord).values(at=at, actor="plant-file", action=action,
                                               entity=entity, entity_id=entity_id, details={})
                )  # fmt: skip

        upgrade(url, "0007")

        with make_session_factory(engine)() as session:
            sites = {id_: at for id_, at in session.execute(select(Site.id, Site.live_since))}
            lines = {id_: at for id_, at in session.execute(select(Line.id, Line.live_since))}
        assert sites == {1: None, 2: created}
        assert lines == {1: None, 2: created, 3: added}
    finally:
        engine.dispose()
