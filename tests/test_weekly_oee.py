"""The weekly review's loss model (``bot.numbers.weekly_losses``), on a worked example.

The sample plant: L1 makes bottles at an ideal rate of 120 an hour (half a minute each); press2
has no ideal rate. Shifts A and B plan 8 h less a 30 min break: 450 min.

Week 2026-W47 (16–22 Nov):

- L1, Monday A: 700 good, 6 startup + 14 production scrap; breakdowns of 30 and 20 min, a
  changeover of 25 min. Tuesday A: 660 good; a breakdown of 10 min, 15 min waiting for material.
  Saturday's output (no shift planned) and a voided breakdown do not count.
  Planned 900, downtime 60 + 25 + 15 = 100, run 800; made 1,380 = ideal 690 min.
  A = 800/900 = 88.9 %, P = 690/800 = 86.3 %, Q = 1,360/1,380 = 98.6 %,
  OEE = 1,360 × 0.5 / 900 = 75.6 %. Losses: unrecorded 800 − 690 = 110, breakdowns 60,
  setup 25, other stops 15, production rejects 7, startup rejects 3 (minutes).
  MTBF 800 / 3 = 266.7 min, MTTR 60 / 3 = 20 min.
- press2, Monday A: 400 good, 10 scrap; a breakdown of 45 min. Planned 450, run 405:
  A = 90 %, Q = 400/410 = 97.6 %, no P, no OEE. MTBF 405 min, MTTR 45 min.

Week 2026-W46: L1 on Wednesday 11 Nov A made 600 with a 50 min changeover:
OEE = 600 × 0.5 / 450 = 66.7 %, so this week is +8.9 points. press2 reported nothing.

Site: unrecorded 110, breakdowns 60 + 45 = 105, setup 25, other 15, production rejects 7,
startup rejects 3: 265 min.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.numbers.loss_model import BigLoss
from bot.numbers.weekly import compute_weekly_review
from bot.numbers.weekly_losses import LineOee, WeeklyOee, compute_weekly_oee
from models import Line, OutputEntry, Site
from tests.conftest import SAMPLE_PLANT
from tests.db_rows import REPORTED_AT, add_delay, in_shift, load_plant
from tests.helpers_reports import sixty_line_plant

MONDAY = date(2026, 11, 16)
TUESDAY = date(2026, 11, 17)
SATURDAY = date(2026, 11, 21)
LAST_WEDNESDAY = date(2026, 11, 11)
REVIEW_AT = datetime(2026, 11, 23, 6, 30, tzinfo=UTC)


def add_made(
    session: Session,
    line_code: str,
    day: date,
    good: int,
    scrap: int = 0,
    *,
    scrap_reason: str | None = None,
    shift_name: str = "A",
) -> None:
    session.add(
        OutputEntry(
            **in_shift(session, line_code, shift_name, day),
            good=good,
            scrap=scrap,
            scrap_reason=scrap_reason,
            reported_by="U0LEAD0001",
            reported_at=REPORTED_AT,
        )
    )


def _worked_example(session_factory: sessionmaker[Session]) -> None:
    with session_scope(session_factory) as session:
        add_made(session, "L1", MONDAY, 700, 6, scrap_reason="startup")
        add_made(session, "L1", MONDAY, 0, 14, scrap_reason="defect")
        add_delay(session, "L1", MONDAY, 30, "breakdown")
        add_delay(session, "L1", MONDAY, 20, "breakdown")
        add_delay(session, "L1", MONDAY, 25, "changeover")
        add_delay(session, "L1", MONDAY, 90, "breakdown", voided=True)
        add_made(session, "L1", TUESDAY, 660)
        add_delay(session, "L1", TUESDAY, 10, "breakdown")
        add_delay(session, "L1", TUESDAY, 15, "material")
        add_made(session, "L1", SATURDAY, 500)  # no shift planned on Saturday
        add_made(session, "press2", MONDAY, 400, 10)
        add_delay(session, "press2", MONDAY, 45, "breakdown")
        add_made(session, "L1", LAST_WEDNESDAY, 600)
        add_delay(session, "L1", LAST_WEDNESDAY, 50, "changeover")


def _weekly_oee(session_factory: sessionmaker[Session]) -> WeeklyOee:
    with session_factory() as session:
        site = session.scalars(select(Site)).one()
        return compute_weekly_oee(
            session, site=site, lines=[line for line in site.lines if line.active], first=MONDAY
        )


def _line(oee: WeeklyOee, code: str) -> LineOee:
    return next(line for line in oee.lines if line.code == code)


@pytest.mark.usefixtures("loaded_plant")
def test_oee_per_line_and_its_change_against_the_week_before(
    session_factory: sessionmaker[Session],
) -> None:
    _worked_example(session_factory)

    oee = _weekly_oee(session_factory)

    l1 = _line(oee, "L1")
    assert l1.previous is not None
    assert (l1.current.planned_minutes, l1.current.downtime_minutes) == (900, 100)
    assert (l1.current.good, l1.current.startup_scrap, l1.current.production_scrap) == (1360, 6, 14)
    assert l1.current.availability == pytest.approx(800 / 900)
    assert l1.current.performance == pytest.approx(690 / 800)
    assert l1.current.quality == pytest.approx(1360 / 1380)
    assert l1.oee == pytest.approx(680 / 900)
    assert l1.previous.oee == pytest.approx(300 / 450)
    assert l1.oee_change == pytest.approx(680 / 900 - 300 / 450)  # +8.9 points
    assert l1.has_ideal_rate and not l1.is_new


@pytest.mark.usefixtures("loaded_plant")
def test_a_line_without_an_ideal_rate_has_availability_and_quality_only(
    session_factory: sessionmaker[Session],
) -> None:
    _worked_example(session_factory)

    press2 = _line(_weekly_oee(session_factory), "press2")

    assert press2.previous is None
    assert press2.current.availability == pytest.approx(0.9)
    assert press2.current.quality == pytest.approx(400 / 410)
    assert (press2.current.performance, press2.oee, press2.oee_change) == (None, None, None)
    assert not press2.has_ideal_rate and not press2.is_new


@pytest.mark.usefixtures("loaded_plant")
def test_the_sites_big_losses_are_summed_over_lines_largest_first(
    session_factory: sessionmaker[Session],
) -> None:
    _worked_example(session_factory)

    oee = _weekly_oee(session_factory)

    assert list(oee.big_losses) == [
        BigLoss.REDUCED_SPEED,
        BigLoss.BREAKDOWNS,
        BigLoss.SETUP,
        BigLoss.OTHER_STOPS,
        BigLoss.PRODUCTION_REJECTS,
        BigLoss.STARTUP_REJECTS,
    ]
    assert list(oee.big_losses.values()) == pytest.approx([110, 105, 25, 15, 7, 3])
    assert oee.lost_minutes == pytest.approx(265)
    assert oee.unpriced_lines == 1  # press2: its speed and scrap are not in minutes


@pytest.mark.usefixtures("loaded_plant")
def test_mtbf_and_mttr_per_line_from_its_breakdowns(
    session_factory: sessionmaker[Session],
) -> None:
    _worked_example(session_factory)

    oee = _weekly_oee(session_factory)

    l1, press2 = _line(oee, "L1").current, _line(oee, "press2").current
    assert (l1.breakdowns, l1.mtbf_minutes, l1.mttr_minutes) == (3, pytest.approx(800 / 3), 20)
    assert (press2.breakdowns, press2.mtbf_minutes, press2.mttr_minutes) == (1, 405, 45)


@pytest.mark.usefixtures("loaded_plant")
def test_a_line_first_reported_this_week_is_new_and_one_not_reported_is_left_out(
    session_factory: sessionmaker[Session],
) -> None:
    with session_scope(session_factory) as session:
        add_made(session, "L1", MONDAY, 450)
        add_made(session, "press2", LAST_WEDNESDAY, 300)  # the week before only

    oee = _weekly_oee(session_factory)

    assert [line.code for line in oee.lines] == ["L1"]
    assert oee.lines[0].is_new and oee.lines[0].oee == pytest.approx(0.5)
    assert oee.lines[0].previous is None


@pytest.mark.usefixtures("loaded_plant")
def test_the_weekly_review_carries_the_loss_model(
    session_factory: sessionmaker[Session],
) -> None:
    _worked_example(session_factory)

    with session_factory() as session:
        site = session.scalars(select(Site)).one()
        review = compute_weekly_review(
            session, site=site, first=MONDAY, report_grace=timedelta(minutes=15), as_of=REVIEW_AT
        )

    assert review.oee == _weekly_oee(session_factory)
    assert [line.code for line in review.oee.lines] == ["L1", "press2"]


def test_the_queries_do_not_grow_with_the_number_of_lines(
    session_factory: sessionmaker[Session], engine: Engine
) -> None:
    def queries(plant: str) -> int:
        load_plant(session_factory, plant)
        with session_scope(session_factory) as session:
            for code in session.scalars(select(Line.code)):
                add_made(session, code, MONDAY, 100)
                add_delay(session, code, LAST_WEDNESDAY, 10, "breakdown")
        with session_factory() as session:
            site = session.scalars(select(Site)).one()
            lines = [line for line in site.lines if line.active]
            _ = [shift.name for shift in site.shifts]
            statements: list[object] = []

            def listener(*args: object) -> None:
                statements.append(args[2])

            event.listen(engine, "before_cursor_execute", listener)
            try:
                oee = compute_weekly_oee(session, site=site, lines=lines, first=MONDAY)
            finally:
                event.remove(engine, "before_cursor_execute", listener)
            assert len(oee.lines) == len(lines)
            return len(statements)

    two_lines = queries(SAMPLE_PLANT)
    assert two_lines > 0
    assert queries(sixty_line_plant()) == two_lines
