"""The loss model against worked examples computed by hand, in the arithmetic and read from the
database: a day shift, a night shift across midnight, and both daylight-saving nights."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.numbers.loss_model import BigLoss, Losses, total
from bot.numbers.oee import by_line, losses_by_instance
from bot.plant.apply import apply_plant
from bot.plant.file import read_plant_file
from models import DelayEntry, Line, LossCategory, OutputEntry, Shift, Site
from tests.conftest import SAMPLE_PLANT

AT = datetime(2026, 1, 1, tzinfo=UTC)
LEAD = "U0LEAD0001"


def worked_example() -> Losses:
    """L1's early shift: 8 h less a 30-minute break; 150 cases an hour at full speed.

    Two breakdowns (30 + 15 min), a 20-minute changeover, 10 minutes of minor stops; 800 good
    cases, 5 scrapped at start-up and 15 later."""
    return Losses(
        planned_minutes=450,
        stop_minutes={
            LossCategory.BREAKDOWNS: 45,
            LossCategory.SETUP: 20,
            LossCategory.SMALL_STOPS: 10,
        },
        good=800,
        startup_scrap=5,
        production_scrap=15,
        ideal_rate=150,
        breakdowns=2,
        instances=1,
    )


def test_the_worked_example_by_hand() -> None:
    losses = worked_example()

    # Downtime: breakdowns and setup (small stops are a performance loss): 65 min.
    assert losses.downtime_minutes == 65
    assert losses.run_minutes == 385
    assert losses.availability == pytest.approx(385 / 450)  # 85.6 %
    # 820 cases at 150 an hour take 328 minutes.
    assert losses.ideal_minutes == pytest.approx(328)
    assert losses.performance == pytest.approx(328 / 385)  # 85.2 %
    assert losses.quality == pytest.approx(800 / 820)  # 97.6 %
    # A × P × Q is the good cases' ideal time over planned time: 320 / 450.
    assert losses.oee == pytest.approx(320 / 450)  # 71.1 %
    # 385 run − 328 ideal − 10 small stops: 47 minutes nobody explained.
    assert losses.unrecorded_minutes == pytest.approx(47)
    assert losses.big_losses() == pytest.approx(
        {
            BigLoss.REDUCED_SPEED: 47,
            BigLoss.BREAKDOWNS: 45,
            BigLoss.SETUP: 20,
            BigLoss.SMALL_STOPS: 10,
            BigLoss.PRODUCTION_REJECTS: 6,  # 15 cases at 0.4 min each
            BigLoss.STARTUP_REJECTS: 2,
        }
    )
    assert losses.biggest_loss == (BigLoss.REDUCED_SPEED, pytest.approx(47))
    assert losses.mtbf_minutes == pytest.approx(192.5)  # 385 run minutes / 2 breakdowns
    assert losses.mttr_minutes == pytest.approx(22.5)  # 45 minutes / 2 breakdowns


def test_sums_are_weighted_by_time_not_averaged() -> None:
    good_shift = worked_example()
    idle = Losses(
        planned_minutes=450,
        stop_minutes={LossCategory.OTHER_STOPS: 450},
        ideal_rate=150,
        instances=1,
    )

    both = total([good_shift, idle])

    assert both is not None
    assert both.planned_minutes == 900 and both.instances == 2
    assert both.availability == pytest.approx(385 / 900)
    assert both.oee == pytest.approx(320 / 900)  # not the mean of 71.1 % and 0 %
    assert idle.oee == 0.0  # planned and nothing made is 0 %, not unknown
    assert total([]) is None


def test_a_line_without_an_ideal_rate_has_availability_and_quality_only() -> None:
    losses = Losses(
        planned_minutes=450,
        stop_minutes={LossCategory.BREAKDOWNS: 45},
        good=390,
        production_scrap=10,
        instances=1,
    )

    assert losses.availability == pytest.approx(405 / 450)
    assert losses.quality == pytest.approx(390 / 400)
    assert losses.performance is None and losses.oee is None
    assert losses.unrecorded_minutes is None
    assert losses.big_losses() == {BigLoss.BREAKDOWNS: 45}


def test_downtime_beyond_the_planned_time_leaves_no_negative_run_time() -> None:
    losses = Losses(
        planned_minutes=60, stop_minutes={LossCategory.BREAKDOWNS: 90}, ideal_rate=100, instances=1
    )
    assert losses.run_minutes == 0 and losses.availability == 0
    assert losses.oee == 0.0


PLANT = SAMPLE_PLANT.replace(
    'days = ["mon", "tue", "wed", "thu", "fri"]\n\n[[lines]]',
    'days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]\nbreak_minutes = 30\n\n[[lines]]',
).replace("ideal_rate = 120", "ideal_rate = 150")


@pytest.fixture
def site(tmp_path: Path, session: Session) -> Site:
    path = tmp_path / "plant.toml"
    path.write_text(
        PLANT.replace(
            'heads = ["U0HEAD0001"]',
            'heads = ["U0HEAD0001"]\n'
            'delay_reasons = ["breakdown", "changeover", "minor-stop", "material"]',
        )
    )
    apply_plant(session=session, plant=read_plant_file(path), at=AT)
    session.commit()
    return session.scalars(select(Site)).one()


def _add(session: Session, shift: str, day: date, *entries: OutputEntry | DelayEntry) -> None:
    line_id = session.scalars(select(Line.id).where(Line.code == "L1")).one()
    shift_id = session.scalars(select(Shift.id).where(Shift.name == shift)).one()
    for entry in entries:
        entry.line_id, entry.shift_id, entry.production_date = line_id, shift_id, day
        entry.reported_by, entry.reported_at = LEAD, AT
        session.add(entry)
    session.flush()


def _losses(session: Session, site: Site, day: date) -> dict[str, Losses]:
    read = losses_by_instance(session, site=site, lines=site.lines, first=day, last=day)
    names = {shift.id: shift.name for shift in site.shifts}
    return {names[shift_id]: losses for (_, shift_id, _), losses in read.items()}


def test_the_worked_example_read_from_the_database(session: Session, site: Site) -> None:
    monday = date(2026, 11, 30)
    _add(
        session,
        "A",
        monday,
        OutputEntry(good=500, scrap=5, scrap_reason="startup"),
        OutputEntry(good=300, scrap=10, scrap_reason="defect"),
        OutputEntry(good=0, scrap=5),  # no reason: counts as other, a production reject
        OutputEntry(good=999, scrap=0, voided_at=AT),  # voided: never counts
        DelayEntry(minutes=30, reason="breakdown"),
        DelayEntry(minutes=15, reason="breakdown"),
        DelayEntry(minutes=20, reason="changeover"),
        DelayEntry(minutes=10, reason="minor-stop"),
    )

    losses = _losses(session, site, monday)

    assert list(losses) == ["A"]  # B and C were not reported: unknown, not 0 %
    assert losses["A"] == worked_example()
    assert (
        by_line(
            losses_by_instance(session, site=site, lines=site.lines, first=monday, last=monday)
        )[site.lines[0].id]
        == worked_example()
    )


@pytest.mark.parametrize(
    ("day", "real_hours"),
    [
        (date(2026, 11, 30), 8),  # an ordinary night, 22:00 to 06:00 the next day
        (date(2026, 10, 24), 9),  # clocks go back at 03:00 on Sunday the 25th
        (date(2026, 3, 28), 7),  # clocks go forward at 02:00 on Sunday the 29th
    ],
)
def test_a_night_shift_has_its_real_length(
    session: Session, site: Site, day: date, real_hours: int
) -> None:
    _add(
        session, "C", day, OutputEntry(good=600, scrap=0), DelayEntry(minutes=60, reason="material")
    )

    night = _losses(session, site, day)["C"]

    planned = real_hours * 60 - 30
    assert night.planned_minutes == planned
    assert night.availability == pytest.approx((planned - 60) / planned)
    assert night.oee == pytest.approx(600 * 60 / 150 / planned)  # 240 ideal minutes


def test_a_calendar_stop_and_a_line_without_reports_are_not_counted(
    session: Session, site: Site
) -> None:
    christmas_eve = date(2026, 12, 24)  # the sample plant's site-wide calendar stop
    _add(session, "A", christmas_eve, OutputEntry(good=10, scrap=0))

    assert _losses(session, site, christmas_eve) == {}


def test_a_shift_down_all_along_is_zero_percent(session: Session, site: Site) -> None:
    tuesday = date(2026, 12, 1)
    _add(session, "B", tuesday, DelayEntry(minutes=450, reason="breakdown"))

    down = _losses(session, site, tuesday)["B"]

    assert down.availability == 0 and down.oee == 0.0
    assert down.mtbf_minutes == 0 and down.mttr_minutes == 450
