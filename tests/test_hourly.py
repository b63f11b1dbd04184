"""The hour-by-hour board's numbers (``bot.numbers.hourly``): the clock hours of a shift in the
site's time, daylight-saving nights included, and what was planned and reported in each."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.numbers.hourly import (
    HourRow,
    actual_by_hour,
    compute_hour_by_hour,
    hour_buckets,
    planned_by_hour,
)
from bot.plant.shifts import shift_instance
from models import Line, Shift
from tests.db_rows import load_plant
from tests.helpers_reports import add_output

BERLIN = ZoneInfo("Europe/Berlin")
EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


@dataclass(frozen=True)
class Pattern:
    """A shift pattern without a database."""

    start: time
    end: time
    id: int = 1
    name: str = "N"
    weekdays: Sequence[str] = tuple(EVERY_DAY)
    break_minutes: int = 0


DAY = Pattern(time(6), time(14), name="A", break_minutes=30)
NIGHT = Pattern(time(22), time(6))


def local_hours(pattern: Pattern, day: date) -> list[str]:
    """Each bucket's local start and UTC offset: ``22:00+01``."""
    buckets = hour_buckets(shift_instance(pattern, day, BERLIN), BERLIN)
    return [f"{b.start.astimezone(BERLIN):%H:%M%z}"[:-2] for b in buckets]


def test_a_day_shift_has_its_eight_clock_hours() -> None:
    buckets = hour_buckets(shift_instance(DAY, date(2026, 11, 18), BERLIN), BERLIN)
    assert local_hours(DAY, date(2026, 11, 18)) == [f"{h:02d}:00+01" for h in range(6, 14)]
    assert [b.minutes for b in buckets] == [60.0] * 8
    assert buckets[0].start == datetime(2026, 11, 18, 5, 0, tzinfo=UTC)
    assert buckets[-1].end == datetime(2026, 11, 18, 13, 0, tzinfo=UTC)


def test_a_night_shift_crosses_midnight() -> None:
    hours = local_hours(NIGHT, date(2026, 11, 18))
    assert hours == ["22:00+01", "23:00+01"] + [f"0{h}:00+01" for h in range(6)]


def test_the_fall_back_night_has_nine_hours_with_two_o_clock_twice() -> None:
    # 2026-10-25 03:00 CEST becomes 02:00 CET: the night of the 24th lasts 9 real hours.
    assert local_hours(NIGHT, date(2026, 10, 24)) == [
        "22:00+02", "23:00+02", "00:00+02", "01:00+02", "02:00+02",
        "02:00+01", "03:00+01", "04:00+01", "05:00+01",
    ]  # fmt: skip


def test_the_spring_forward_night_has_seven_hours_without_two_o_clock() -> None:
    # 2026-03-29 02:00 CET becomes 03:00 CEST: the night of the 28th lasts 7 real hours.
    assert local_hours(NIGHT, date(2026, 3, 28)) == [
        "22:00+01", "23:00+01", "00:00+01", "01:00+01", "03:00+02", "04:00+02", "05:00+02",
    ]  # fmt: skip


def test_a_shift_off_the_hour_has_part_hours_first_and_last() -> None:
    pattern = Pattern(time(5, 45), time(14, 15))
    buckets = hour_buckets(shift_instance(pattern, date(2026, 11, 18), BERLIN), BERLIN)
    assert [b.minutes for b in buckets] == [15.0] + [60.0] * 8 + [15.0]
    # 850 units over 510 minutes: 25 in each quarter hour, 100 in each whole one
    assert planned_by_hour(buckets, 850) == [25] + [100] * 8 + [25]


def test_the_plan_is_whole_units_that_add_up_to_the_target() -> None:
    buckets = hour_buckets(shift_instance(DAY, date(2026, 11, 18), BERLIN), BERLIN)
    # 12.5 units an hour: the cumulative plan 12.5, 25, 37.5, … is rounded half up
    assert planned_by_hour(buckets, 100) == [13, 12, 13, 12, 13, 12, 13, 12]
    assert planned_by_hour(buckets, None) == [None] * 8


def test_reports_before_the_start_count_in_the_first_hour_and_late_ones_in_the_last() -> None:
    buckets = hour_buckets(shift_instance(DAY, date(2026, 11, 18), BERLIN), BERLIN)
    at = datetime(2026, 11, 18, 5, 0, tzinfo=UTC)  # 06:00 Berlin
    reports = [
        (at - timedelta(minutes=10), 5),
        (at + timedelta(minutes=59, seconds=59), 7),
        (at + timedelta(hours=1), 11),  # 07:00: the end-of-hour report of 06:00–07:00
        (at + timedelta(hours=1, minutes=15), 3),  # 07:15: the first report of 07:00–08:00
        (at + timedelta(hours=8, minutes=20), 13),  # 14:20, after the end
    ]
    assert actual_by_hour(buckets, reports) == [23, 3, 0, 0, 0, 0, 0, 13]


# The night shift runs every day here, so its daylight-saving nights (both Saturdays) are met.
NIGHT_PLANT = {
    "site": {"name": "Hillside", "timezone": "Europe/Berlin"},
    "shifts": [{"name": "N", "start": "22:00", "end": "06:00", "days": EVERY_DAY}],
    "lines": [
        {"code": "N1", "name": "Night line", "channel": "C0NIGHT001", "leads": ["U0LEAD0009"],
         "managers": ["U0MGR00009"], "targets": {"N": 900}},
    ],
}  # fmt: skip


def report_at(
    session_factory: sessionmaker[Session], day: date, at: datetime, good: int, **kw: bool
) -> None:
    """A night-line report entered at ``at``, on a pinned clock as the commands would."""
    with time_machine.travel(at, tick=False), session_scope(session_factory) as session:
        add_output(session, "N1", "N", day, good, reported_at=datetime.now(UTC), **kw)


def night_rows(session_factory: sessionmaker[Session], day: date) -> list[HourRow]:
    with session_factory() as session:
        shift = session.scalars(select(Shift).where(Shift.name == "N")).one()
        line_id = session.scalars(select(Line.id).where(Line.code == "N1")).one()
        instance = shift_instance(shift, day, BERLIN)
        return compute_hour_by_hour(
            session, line_id=line_id, instance=instance, zone=BERLIN, target=900
        )


def test_the_fall_back_night_plans_and_counts_each_of_its_nine_hours(
    session_factory: sessionmaker[Session],
) -> None:
    load_plant(session_factory, NIGHT_PLANT)
    night = date(2026, 10, 24)
    # 900 units over 9 real hours: 100 an hour.
    report_at(session_factory, night, datetime(2026, 10, 24, 19, 55, tzinfo=UTC), 40)  # 21:55
    report_at(session_factory, night, datetime(2026, 10, 25, 0, 30, tzinfo=UTC), 180)  # 02:30+02
    report_at(session_factory, night, datetime(2026, 10, 25, 1, 30, tzinfo=UTC), 90)  # 02:30+01
    report_at(session_factory, night, datetime(2026, 10, 25, 1, 40, tzinfo=UTC), 999, voided=True)
    report_at(session_factory, night, datetime(2026, 10, 25, 5, 10, tzinfo=UTC), 300)  # 06:10

    rows = night_rows(session_factory, night)

    assert [f"{row.start:%H:%M%z}" for row in rows][4:6] == ["02:00+0200", "02:00+0100"]
    assert [row.planned for row in rows] == [100] * 9
    assert [row.actual for row in rows] == [40, 0, 0, 0, 180, 90, 0, 0, 300]
    # cumulative actual − cumulative plan: 40−100, 40−200, …
    assert [row.gap for row in rows] == [-60, -160, -260, -360, -280, -290, -390, -490, -290]


def test_the_spring_forward_night_plans_its_target_over_seven_hours(
    session_factory: sessionmaker[Session],
) -> None:
    load_plant(session_factory, NIGHT_PLANT)
    night = date(2026, 3, 28)
    report_at(session_factory, night, datetime(2026, 3, 29, 1, 15, tzinfo=UTC), 500)  # 03:15+02

    rows = night_rows(session_factory, night)

    assert [f"{row.start:%H}" for row in rows] == ["22", "23", "00", "01", "03", "04", "05"]
    # 900 over 7 hours, 128.57 an hour, rounded on the cumulative plan
    assert [row.planned for row in rows] == [129, 128, 129, 128, 129, 128, 129]
    assert [row.actual for row in rows] == [0, 0, 0, 0, 500, 0, 0]
    assert [row.gap for row in rows] == [-129, -257, -386, -514, -143, -271, -400]
