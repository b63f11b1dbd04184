"""``/prod status`` and the shift jobs read a site in a fixed number of queries, however many
lines it has: the same count for a site of 2 lines as for one of 30, each line with reports,
a delay, an open issue, a handover nobody acknowledged and people to remind, and one line
counted by both a machine and its operators. Read all at once, each line still gets its own
numbers and its own posts."""

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.numbers.production import LineStatus, compute_line_status, compute_site_status
from bot.plant.apply import apply_plant
from bot.plant.file import validate_plant
from bot.slack.owed_posts import DuePost
from jobs import missing_report, pace_check, shift_summary
from jobs.base import sites_of
from models import DelayEntry, Issue, IssueStatus, Line, OutputEntry, Severity, Site
from models.handover import Handover

WEDNESDAY = date(2026, 11, 18)
LATE = timedelta(minutes=30)
# Shift A runs 06:00–14:00 Berlin (05:00–13:00 UTC).
A_AT_10 = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
# 15:30 Berlin: A's summary, its leads' reminders and (an hour on) its managers' DMs are all due.
AFTER_A = datetime(2026, 11, 18, 14, 30, tzinfo=UTC)
EVERY_WEEKDAY = ["mon", "tue", "wed", "thu", "fri"]


def plant(lines: int) -> dict[str, Any]:
    """A site of ``lines`` lines on three shifts; the first is counted by both a machine and
    its operators, and every line has a lead and two managers (one of them shared)."""
    shifts = [
        {"name": name, "start": start, "end": end, "days": EVERY_WEEKDAY, "break_minutes": 30}
        for name, start, end in (("A", "06:00", "14:00"), ("B", "14:00", "22:00"),
                                 ("C", "22:00", "06:00"))
    ]  # fmt: skip
    return {
        "site": {"name": f"Site of {lines}", "timezone": "Europe/Berlin"},
        "shifts": shifts,
        "lines": [
            {
                "code": f"L{n:02d}",
                "name": f"Line {n}",
                "channel": f"C{lines:02d}LINE{n:04d}",
                "leads": [f"U0LEAD{n:04d}"],
                "managers": ["U0MGR00001", f"U0MGR1{n:04d}"],
                "ideal_rate": 120,
                "targets": {"A": 800, "B": 800, "C": 600},
                **({"counting": "both", "count_topic": f"s{lines}/l00/count"} if n == 0 else {}),
            }
            for n in range(lines)
        ],
    }


def site_with_records(session_factory: sessionmaker[Session], lines: int) -> int:
    """A site of ``lines`` lines live since January, with shift A of Wednesday on each line: an
    open issue, a handover to A nobody acknowledged, and on every other line two output
    reports (behind target) and a delay. Its id."""
    with session_scope(session_factory) as session:
        apply_plant(
            session=session,
            plant=validate_plant(plant(lines)),
            at=datetime(2026, 1, 1, tzinfo=UTC),
        )
        site = session.scalars(select(Site).where(Site.name == f"Site of {lines}")).one()
        shift = {shift.name: shift.id for shift in site.shifts}
        for n, line in enumerate(site.lines):
            lead, shift_a = f"U0LEAD{n:04d}", {"shift_id": shift["A"], "line_id": line.id}
            issue = Issue(
                **shift_a,
                production_date=WEDNESDAY,
                severity=Severity.HIGH,
                text="Capper torque drifts",
                status=IssueStatus.OPEN,
                raised_by=lead,
                raised_at=datetime(2026, 11, 18, 4, 0, tzinfo=UTC),
            )
            session.add(issue)
            session.flush()
            session.add(
                Handover(
                    line_id=line.id,
                    shift_id=shift["C"],
                    production_date=date(2026, 11, 17),
                    next_shift_id=shift["A"],
                    next_production_date=WEDNESDAY,
                    note="Filler jams now and then.",
                    issue_ids=[issue.id],
                    written_by=lead,
                    written_at=datetime(2026, 11, 18, 4, 50, tzinfo=UTC),
                    request_key=f"handover-{line.id}",
                    channel_id=line.channel_id,
                )
            )
            if n % 2:
                continue  # not reported
            for hour, source in ((6, "operator"), (7, "machine")):
                session.add(
                    OutputEntry(
                        **shift_a,
                        production_date=WEDNESDAY,
                        good=60,
                        scrap=3,
                        source=source,
                        counted=source == "machine" or line.counting == "operator",
                        reported_by=lead,
                        reported_at=datetime(2026, 11, 18, hour, 0, tzinfo=UTC),
                    )
                )
            session.add(
                DelayEntry(
                    **shift_a,
                    production_date=WEDNESDAY,
                    reason="breakdown",
                    minutes=20,
                    reported_by=lead,
                    reported_at=datetime(2026, 11, 18, 7, 30, tzinfo=UTC),
                )
            )
        return site.id


@contextmanager
def counted_queries(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


# What is read for one site, in a session: every line's answer (or more).
Reading = Callable[[Session, int], Sequence[object]]


def queries(
    engine: Engine, session_factory: sessionmaker[Session], lines: int, read: Reading
) -> int:
    """The statements ``read`` runs in a fresh session for a new site of ``lines`` lines; what
    it reads must cover every line, so that the count is not that of an empty answer."""
    site_id = site_with_records(session_factory, lines)
    with session_factory() as session, counted_queries(engine) as statements:
        answer = read(session, site_id)
    assert len(answer) >= lines
    return len(statements)


def prod_status(session: Session, site_id: int) -> list[LineStatus]:
    line_ids = session.scalars(select(Line.id).where(Line.site_id == site_id)).all()
    return compute_site_status(
        session, site_id=site_id, line_ids=line_ids, at=A_AT_10, late_window=LATE
    )


def due_summaries(session: Session, site_id: int) -> list[DuePost]:
    due = shift_summary._due_summaries(session, AFTER_A, sites_of(session, [site_id]))
    return [post for post, _ in due.values()]


def due_pace_alerts(session: Session, site_id: int) -> list[DuePost]:
    return pace_check._due_alerts(session, A_AT_10, sites_of(session, [site_id]))


def due_reminders(session: Session, site_id: int) -> list[DuePost]:
    return missing_report._due_reminders(session, AFTER_A, sites_of(session, [site_id]))


@pytest.mark.parametrize(
    "read",
    [prod_status, due_summaries, due_pace_alerts, due_reminders],
    ids=["prod status", "shift summary", "pace check", "missing report"],
)
def test_the_queries_do_not_grow_with_the_lines(
    engine: Engine, session_factory: sessionmaker[Session], read: Reading
) -> None:
    two_lines = queries(engine, session_factory, 2, read)

    assert queries(engine, session_factory, 30, read) == two_lines


def test_read_at_once_each_line_keeps_its_own_numbers(
    session_factory: sessionmaker[Session],
) -> None:
    site_id = site_with_records(session_factory, 4)
    with session_factory() as session:
        statuses = prod_status(session, site_id)
        one_by_one = [
            compute_line_status(session, line=line, at=A_AT_10, late_window=LATE)
            for line in session.scalars(select(Line).order_by(Line.code))
        ]

    assert statuses == one_by_one
    # L00 is counted by its machine (the operators' 60 kept beside); L02 by its operators
    assert [(s.line_code, s.day_actual, s.day_target) for s in statuses] == [
        ("L00", 60, 2200), ("L01", 0, 2200), ("L02", 120, 2200), ("L03", 0, 2200)
    ]  # fmt: skip
    boards = [status.shift for status in statuses if status.shift is not None]
    assert [(b.operators_good, b.totals.delay_minutes, len(b.open_issues)) for b in boards] == [
        (60, 20, 1), (None, 0, 1), (None, 20, 1), (None, 0, 1)
    ]  # fmt: skip


def test_each_line_is_told_its_own_summary_reminder_and_alert(
    session_factory: sessionmaker[Session],
) -> None:
    site_id = site_with_records(session_factory, 4)
    with session_factory() as session:
        summaries = due_summaries(session, site_id)
        alerts = due_pace_alerts(session, site_id)
        reminders = due_reminders(session, site_id)

    assert len(summaries) == 4
    for n, post in enumerate(summaries):
        assert post.message.channel == f"C04LINE{n:04d}"
        assert f"<@U0LEAD{n:04d}>'s handover from shift C" in str(post.message.blocks)
    # L00 and L02 reported, behind target: their channels and managers are told
    assert sorted(post.message.channel for post in alerts) == [
        "C04LINE0000", "C04LINE0002", "U0MGR00001", "U0MGR00001", "U0MGR10000", "U0MGR10002"
    ]  # fmt: skip
    # L01 and L03 did not: their leads are reminded, and their managers (one DM each)
    assert sorted(post.message.channel for post in reminders) == [
        "C04LINE0001", "C04LINE0003", "U0MGR00001", "U0MGR10001", "U0MGR10003"
    ]  # fmt: skip
    assert "<@U0LEAD0001>" in next(
        p.message.text for p in reminders if p.message.channel == "C04LINE0001"
    )
