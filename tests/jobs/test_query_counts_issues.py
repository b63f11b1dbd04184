"""The issue numbers cost a fixed number of queries per site: the ``escalations`` job whatever
its open issues, repeat problems whatever their streaks' length, and the weekly review whatever
the lines and their history.

Each test counts the statements of one site's firing in a small case (the sample plant, one
issue or a short streak) and a large one (30 lines, 40 open issues, 120-day streaks), and
asserts the two are equal.
"""

import tomllib
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.numbers.repeats import KEY_PREFIX, LONGEST_STREAK, find_repeat_problems
from bot.numbers.weekly import compute_weekly_review
from bot.plant.apply import apply_plant
from bot.plant.file import validate_plant
from bot.records.repeat_issues import raise_repeat_problems
from bot.slack import outbox
from jobs import escalations, weekly_digest
from jobs.base import JobDeps
from models import (
    DelayEntry,
    Issue,
    IssueEvent,
    IssueStatus,
    Line,
    OutboxItem,
    Severity,
    Shift,
    Site,
)
from tests.conftest import SAMPLE_PLANT
from tests.e2e.support import MID_SHIFT_A
from tests.fakes.slack_api import FakeSlackAPI
from tests.jobs.conftest import PLANT_LOADED
from tests.screen.test_floor_numbers import counted_queries

EXTRA_LINES = 28  # with the sample plant's two: 30 lines
MONDAY = date(2026, 11, 16)
SUNDAY = MONDAY + timedelta(days=6)
REVIEW_AT = datetime(2026, 11, 23, 6, 30, tzinfo=UTC)  # Monday 07:30 Berlin: week 2026-W47
GRACE = timedelta(minutes=15)


def _add_lines(session_factory: sessionmaker[Session]) -> None:
    """The sample plant with ``EXTRA_LINES`` more, each with a manager of its own, live since
    the sample plant went live."""
    extra = "".join(
        f"""
[[lines]]
code = "cell-{n:02d}"
name = "Cell {n}"
channel = "C0CELL{n:04d}"
managers = ["U0CELLMGR{n:02d}"]
unit = "units"
targets = {{ A = 1000, B = 1000 }}
"""
        for n in range(EXTRA_LINES)
    )
    plant = SAMPLE_PLANT.replace("[[calendar]]", extra + "\n[[calendar]]", 1)
    with session_scope(session_factory) as session:
        apply_plant(session=session, plant=validate_plant(tomllib.loads(plant)), at=PLANT_LOADED)


def _site_id(session_factory: sessionmaker[Session]) -> int:
    with session_factory() as session:
        return session.scalars(select(Site.id)).one()


# ---- escalations -------------------------------------------------------------------------------


def _raise_issues(session_factory: sessionmaker[Session], count: int) -> None:
    """``count`` high issues spread over the site's lines, raised at ``MID_SHIFT_A``; every
    third one acknowledged ten minutes later by the head."""
    with session_scope(session_factory) as session:
        lines = session.scalars(select(Line).order_by(Line.id)).all()
        for n in range(count):
            line = lines[n % len(lines)]
            issue = Issue(
                line_id=line.id,
                shift_id=line.site.shifts[0].id,
                production_date=MID_SHIFT_A.date(),
                severity=Severity.HIGH,
                category=None,
                text=f"jam {n}",
                status=IssueStatus.ACKNOWLEDGED if n % 3 == 2 else IssueStatus.OPEN,
                raised_by="U0LEAD0001",
                raised_at=MID_SHIFT_A,
            )
            session.add(issue)
            session.flush()
            session.add(
                IssueEvent(
                    issue_id=issue.id, status=IssueStatus.OPEN, by="U0LEAD0001", at=MID_SHIFT_A
                )
            )
            if issue.status is IssueStatus.ACKNOWLEDGED:
                acked = MID_SHIFT_A + timedelta(minutes=10)
                session.add(
                    IssueEvent(issue_id=issue.id, status=issue.status, by="U0HEAD0001", at=acked)
                )


def _resolve_all_issues(session_factory: sessionmaker[Session]) -> None:
    with session_scope(session_factory) as session:
        for issue in session.scalars(select(Issue)):
            issue.status = IssueStatus.RESOLVED


def _escalation_queries(engine: Engine, deps: JobDeps, site_id: int) -> tuple[int, int]:
    """(DMs sent by a first firing, statements of a second one that owes nothing new)."""
    at = MID_SHIFT_A + timedelta(hours=5)
    sent = [outcome for outcome in escalations.run(at, deps, sites=[site_id]) if outcome.sent]
    with counted_queries(engine) as statements:
        assert escalations.run(at, deps, sites=[site_id]) == []
    return len(sent), len(statements)


def test_escalations_cost_the_same_for_one_open_issue_as_for_forty(
    engine: Engine,
    deps: JobDeps,
    fake_slack: FakeSlackAPI,
    session_factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(outbox, "PER_CHANNEL_INTERVAL", 0.0)  # 40 DMs to the head, unpaced
    site_id = _site_id(session_factory)
    _raise_issues(session_factory, 1)
    sent, one_issue = _escalation_queries(engine, deps, site_id)
    assert sent == 2  # the manager, then the head
    _resolve_all_issues(session_factory)

    _add_lines(session_factory)
    _raise_issues(session_factory, 40)
    sent, forty_issues = _escalation_queries(engine, deps, site_id)

    # 27 open issues ping their line's manager (the two sample lines share one) and the head,
    # 13 acknowledged ones remind the head.
    assert sent == 27 * 2 + 13
    received = Counter(call.args["channel"] for call in fake_slack.calls_to("chat.postMessage"))
    open_on_cell = Counter(n % 30 - 2 for n in range(40) if n % 3 != 2 and n % 30 >= 2)
    assert {f"U0CELLMGR{cell:02d}": count for cell, count in open_on_cell.items()} == {
        user: count for user, count in received.items() if user.startswith("U0CELLMGR")
    }
    assert forty_issues == one_issue


# ---- repeat problems and the weekly review ----------------------------------------------------


def _streaks(
    session_factory: sessionmaker[Session], *, days: int, raised_since: date | None
) -> None:
    """A ``material`` delay every other day up to ``SUNDAY`` on each line, for ``days`` days;
    with ``raised_since``, each line's streak was raised as an issue starting that day."""
    with session_scope(session_factory) as session:
        shift_id = session.scalars(select(Shift.id).where(Shift.name == "A")).one()
        for line_id in session.scalars(select(Line.id)):
            for back in range(0, days, 2):
                session.add(
                    DelayEntry(
                        line_id=line_id,
                        shift_id=shift_id,
                        production_date=SUNDAY - timedelta(days=back),
                        minutes=10,
                        reason="material",
                        reported_by="U0LEAD0001",
                        reported_at=REVIEW_AT,
                    )
                )
            if raised_since is not None:
                session.add(
                    Issue(
                        line_id=line_id,
                        shift_id=shift_id,
                        production_date=raised_since,
                        severity=Severity.MEDIUM,
                        text="repeat",
                        status=IssueStatus.OPEN,
                        raised_by="prodbot",
                        raised_at=REVIEW_AT,
                        request_key=f"{KEY_PREFIX}:{line_id}:material:{raised_since.isoformat()}",
                    )
                )


def _repeat_queries(engine: Engine, session_factory: sessionmaker[Session]) -> tuple[int, int, int]:
    """(repeat problems of the week, statements to find them, statements of the morning's
    raising once the streaks were raised)."""
    with session_scope(session_factory) as session:
        site = session.scalars(select(Site)).one()
        raise_repeat_problems(session, site=site, through=SUNDAY, at=REVIEW_AT)
    with session_scope(session_factory) as session:
        site = session.scalars(select(Site)).one()
        _ = [(line.code, line.active) for line in site.lines]
        with counted_queries(engine) as found:
            problems = find_repeat_problems(session, site=site, first=MONDAY, last=SUNDAY)
        with counted_queries(engine) as raised:
            raise_repeat_problems(session, site=site, through=SUNDAY, at=REVIEW_AT)
    return len(problems), len(found), len(raised)


def _forget_history(session_factory: sessionmaker[Session]) -> None:
    """No delay, issue or owed post left: the next case starts from the plant alone."""
    with session_scope(session_factory) as session:
        for table in (DelayEntry, IssueEvent, Issue, OutboxItem):
            session.execute(delete(table))


LONG_AGO = MONDAY - LONGEST_STREAK - timedelta(days=30)  # before the walk back's reach


def test_repeat_problems_cost_the_same_however_many_long_streaks(
    engine: Engine, deps: JobDeps, session_factory: sessionmaker[Session]
) -> None:
    _streaks(session_factory, days=10, raised_since=None)
    problems, *short_streaks = _repeat_queries(engine, session_factory)
    assert problems == 2
    _forget_history(session_factory)
    _streaks(session_factory, days=120, raised_since=LONG_AGO)
    problems, *two_long_streaks = _repeat_queries(engine, session_factory)
    assert problems == 2
    _forget_history(session_factory)

    _add_lines(session_factory)
    _streaks(session_factory, days=120, raised_since=LONG_AGO)
    problems, *thirty_long_streaks = _repeat_queries(engine, session_factory)

    assert problems == 30
    with session_factory() as session:
        assert len(session.scalars(select(Issue)).all()) == 30  # no long streak raised again
    assert thirty_long_streaks == two_long_streaks
    # A streak reaching back past the walk's end costs one query more, for all of them.
    found, raised = short_streaks
    assert two_long_streaks == [found + 1, raised + 1] and found <= 2


def _weekly_queries(
    engine: Engine, deps: JobDeps, session_factory: sessionmaker[Session]
) -> tuple[int, int]:
    """(statements of the review, statements of the site's firing of the weekly digest)."""
    with session_factory() as session:
        site = session.scalars(select(Site)).one()
        _ = [(line.code, line.active) for line in site.lines] + [s.name for s in site.shifts]
        with counted_queries(engine) as review:
            compute_weekly_review(
                session, site=site, first=MONDAY, report_grace=GRACE, as_of=REVIEW_AT
            )
        site_id = site.id
    with counted_queries(engine) as firing:
        outcomes = weekly_digest.run(REVIEW_AT, deps, sites=[site_id])
    assert outcomes and all(outcome.sent for outcome in outcomes)
    return len(review), len(firing)


def test_the_weekly_review_costs_the_same_for_two_lines_and_thirty_with_long_history(
    engine: Engine, deps: JobDeps, session_factory: sessionmaker[Session]
) -> None:
    _streaks(session_factory, days=120, raised_since=LONG_AGO)
    two_lines = _weekly_queries(engine, deps, session_factory)
    _forget_history(session_factory)

    _add_lines(session_factory)
    _streaks(session_factory, days=120, raised_since=LONG_AGO)
    thirty_lines = _weekly_queries(engine, deps, session_factory)

    assert thirty_lines == two_lines
    review, _ = two_lines
    assert review <= 12
