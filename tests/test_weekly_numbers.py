from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.numbers.discipline import Discipline
from bot.numbers.weekly import LineWeek, Trend, WeeklyReview, compute_weekly_review
from models import Site
from tests.db_rows import add_delay
from tests.helpers_reports import add_output

MONDAY = date(2026, 11, 16)  # 2026-W47
FRIDAY = date(2026, 11, 20)
SATURDAY = date(2026, 11, 21)
LAST_WEEK = date(2026, 11, 11)
GRACE = timedelta(minutes=15)
REVIEW_AT = datetime(2026, 11, 23, 6, 30, tzinfo=UTC)  # Monday 07:30 Berlin
# Shift A on Monday 16 Nov ends 14:00 Berlin, 13:00 UTC; its grace runs out at 13:15 UTC.
A_DEADLINE = datetime(2026, 11, 16, 13, 15, tzinfo=UTC)


def _review(session_factory: sessionmaker[Session], *, as_of: datetime = REVIEW_AT) -> WeeklyReview:
    with session_factory() as session:
        site = session.scalars(select(Site)).one()
        return compute_weekly_review(
            session, site=site, first=MONDAY, report_grace=GRACE, as_of=as_of
        )


def _line(review: WeeklyReview, code: str) -> LineWeek:
    return next(line for line in review.lines if line.code == code)


@pytest.mark.usefixtures("loaded_plant")
def test_attainment_counts_planned_shifts_only_and_scrap_is_summed(
    session_factory: sessionmaker[Session],
) -> None:
    with session_scope(session_factory) as session:
        add_output(session, "L1", "A", MONDAY, 800, 8, reported_at=A_DEADLINE)
        add_output(session, "L1", "B", FRIDAY, 700, 2, reported_at=A_DEADLINE)
        add_output(session, "L1", "A", SATURDAY, 500, reported_at=A_DEADLINE)  # not planned
        add_output(session, "L1", "C", MONDAY, 999, reported_at=A_DEADLINE, voided=True)
        add_output(session, "press2", "A", MONDAY, 400, reported_at=A_DEADLINE)
        add_output(session, "L1", "A", LAST_WEEK, 800, 10, reported_at=A_DEADLINE)

    review = _review(session_factory)

    l1 = _line(review, "L1")
    assert (l1.target, l1.planned_good, l1.good, l1.scrap) == (5 * 2200, 1500, 2000, 10)
    assert _line(review, "press2").target == 5 * 800
    assert (review.total_target, review.total_planned_good) == (15_000, 1900)
    assert review.scrap == Trend("scrap", 10, 10)
    assert review.period == "2026-W47" and review.last == date(2026, 11, 22)


@pytest.mark.usefixtures("loaded_plant")
def test_top_losses_trend_against_the_week_before(
    session_factory: sessionmaker[Session],
) -> None:
    with session_scope(session_factory) as session:
        add_delay(session, "L1", LAST_WEEK, 60, "material")
        add_delay(session, "L1", LAST_WEEK, 30, "breakdown")
        add_delay(session, "L1", MONDAY, 50, "material")
        add_delay(session, "press2", FRIDAY, 40, "material")
        add_delay(session, "L1", FRIDAY, 20, "changeover")
        add_delay(session, "L1", FRIDAY, 500, "changeover", voided=True)

    review = _review(session_factory)

    assert review.losses == [Trend("material", 90, 60), Trend("changeover", 20, 0)]
    assert [trend.delta for trend in review.losses] == [30, 20]
    assert review.downtime == Trend("downtime", 110, 90)
    assert _line(review, "L1").delay_minutes == 70
    assert review.repeats == []


@pytest.mark.usefixtures("loaded_plant")
def test_reporting_discipline_is_on_time_late_or_missing(
    session_factory: sessionmaker[Session],
) -> None:
    with session_scope(session_factory) as session:
        # Monday A: first entry exactly at the end of the grace (on time), a later one after.
        add_output(session, "L1", "A", MONDAY, 400, reported_at=A_DEADLINE)
        add_output(session, "L1", "A", MONDAY, 400, reported_at=A_DEADLINE + timedelta(hours=3))
        # Monday B (ends 21:00 UTC): first entry one minute after the grace.
        add_output(
            session, "L1", "B", MONDAY, 800, reported_at=datetime(2026, 11, 16, 21, 16, tzinfo=UTC)
        )
        # Tuesday A: only a voided entry, on time; the real one is late.
        tuesday_deadline = A_DEADLINE + timedelta(days=1)
        add_output(
            session,
            "L1",
            "A",
            MONDAY + timedelta(days=1),
            9,
            reported_at=tuesday_deadline,
            voided=True,
        )
        add_output(
            session,
            "L1",
            "A",
            MONDAY + timedelta(days=1),
            800,
            reported_at=tuesday_deadline + timedelta(minutes=5),
        )

    review = _review(session_factory)

    assert _line(review, "L1").discipline == Discipline(on_time=1, late=2, missing=12)
    assert _line(review, "press2").discipline == Discipline(missing=10)
    assert review.discipline.shifts == 25
    assert _line(review, "L1").discipline.share == pytest.approx(1 / 15)


@pytest.mark.usefixtures("loaded_plant")
def test_shifts_whose_grace_has_not_run_out_are_not_judged_yet(
    session_factory: sessionmaker[Session],
) -> None:
    # Friday's night shift C ends Saturday 06:00 Berlin (05:00 UTC) + 15 min grace.
    review = _review(session_factory, as_of=datetime(2026, 11, 21, 5, 14, tzinfo=UTC))

    assert _line(review, "L1").discipline == Discipline(missing=14)


@pytest.mark.usefixtures("loaded_plant")
def test_the_weeks_repeat_problems_are_listed_with_streaks_begun_the_week_before(
    session_factory: sessionmaker[Session],
) -> None:
    with session_scope(session_factory) as session:
        for day in (date(2026, 11, 13), MONDAY, date(2026, 11, 18)):
            add_delay(session, "press2", day, 25, "material")

    (repeat,) = _review(session_factory).repeats

    assert (repeat.line_code, repeat.reason, repeat.occurrences, repeat.minutes) == (
        "press2",
        "material",
        3,
        75,
    )
    # It repeats on Wednesday and Thursday; Friday's window no longer holds 13 Nov.
    assert (repeat.since, repeat.day) == (date(2026, 11, 18), date(2026, 11, 19))
