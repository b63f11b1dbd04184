"""Shift resolution: production dates, midnight crossings, DST days, overlaps and windows."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.plant.shifts import (
    ShiftInstance,
    instances_between,
    latest_shift_instance,
    latest_started_instance,
    local_date,
    runs_on,
    shift_in_progress,
    shift_instance,
)

BERLIN = ZoneInfo("Europe/Berlin")
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


@dataclass(frozen=True)
class Pattern:
    id: int
    name: str
    start: time
    end: time
    weekdays: list[str] = field(default_factory=lambda: list(WEEKDAYS))
    break_minutes: int = 0


DAY = Pattern(1, "A", time(6), time(14), break_minutes=30)
LATE = Pattern(2, "B", time(14), time(22), break_minutes=30)
NIGHT = Pattern(3, "C", time(22), time(6))
WEEKEND_NIGHT = Pattern(4, "N", time(22), time(6), weekdays=["sat"])
WEEKEND_DAY = Pattern(5, "W", time(8), time(16), weekdays=["sun"])


def berlin(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_day_shift_instance_in_utc() -> None:
    instance = shift_instance(DAY, date(2026, 6, 1), BERLIN)

    assert instance == ShiftInstance(
        shift_id=1,
        shift_name="A",
        production_date=date(2026, 6, 1),
        start=utc(2026, 6, 1, 4),
        end=utc(2026, 6, 1, 12),
        break_minutes=30,
    )
    assert instance.start.tzinfo is UTC
    assert instance.duration == timedelta(hours=8)
    assert instance.planned_minutes == 450


def test_contains_is_half_open_and_elapsed_is_clipped() -> None:
    instance = shift_instance(DAY, date(2026, 6, 1), BERLIN)

    assert instance.contains(instance.start)
    assert not instance.contains(instance.end)
    assert instance.elapsed(instance.start - timedelta(hours=1)) == timedelta(0)
    assert instance.elapsed(berlin(2026, 6, 1, 9, 15)) == timedelta(hours=3, minutes=15)
    assert instance.elapsed(instance.end + timedelta(hours=5)) == timedelta(hours=8)


def test_planned_minutes_is_never_negative() -> None:
    short = Pattern(9, "X", time(6), time(6, 20), break_minutes=30)

    assert shift_instance(short, date(2026, 6, 1), BERLIN).planned_minutes == 0


def test_runs_on_the_weekday_the_shift_starts() -> None:
    assert runs_on(NIGHT, date(2026, 6, 5))  # Friday
    assert not runs_on(NIGHT, date(2026, 6, 6))  # Saturday


def test_night_shift_belongs_to_the_date_it_started() -> None:
    instance = shift_instance(NIGHT, date(2026, 6, 1), BERLIN)

    assert instance.start == berlin(2026, 6, 1, 22)
    assert instance.end == berlin(2026, 6, 2, 6)
    assert instance.duration == timedelta(hours=8)


def test_at_three_on_tuesday_the_monday_night_shift_is_in_progress() -> None:
    running = shift_in_progress([DAY, LATE, NIGHT], BERLIN, berlin(2026, 6, 2, 3))

    assert running is not None
    assert (running.shift_name, running.production_date) == ("C", date(2026, 6, 1))


def test_shift_in_progress_at_a_boundary_is_the_one_starting() -> None:
    running = shift_in_progress([DAY, LATE, NIGHT], BERLIN, berlin(2026, 6, 2, 14))

    assert running is not None
    assert (running.shift_name, running.production_date) == ("B", date(2026, 6, 2))


def test_weekend_gap_has_no_shift_in_progress() -> None:
    patterns = [DAY, LATE, NIGHT]

    assert shift_in_progress(patterns, BERLIN, berlin(2026, 6, 6, 3)) is not None  # Fri night
    assert shift_in_progress(patterns, BERLIN, berlin(2026, 6, 6, 12)) is None  # Saturday
    assert shift_in_progress(patterns, BERLIN, berlin(2026, 6, 7, 3)) is None  # Sat night
    assert shift_in_progress(patterns, BERLIN, berlin(2026, 6, 8, 5, 59)) is None  # Mon dawn


def test_spring_forward_night_shift_lasts_seven_hours() -> None:
    instance = shift_instance(WEEKEND_NIGHT, date(2026, 3, 28), BERLIN)

    assert instance.start == utc(2026, 3, 28, 21)  # 22:00 CET
    assert instance.end == utc(2026, 3, 29, 4)  # 06:00 CEST
    assert instance.duration == timedelta(hours=7)
    assert instance.planned_minutes == 420


def test_fall_back_night_shift_lasts_nine_hours() -> None:
    instance = shift_instance(WEEKEND_NIGHT, date(2026, 10, 24), BERLIN)

    assert instance.start == utc(2026, 10, 24, 20)  # 22:00 CEST
    assert instance.end == utc(2026, 10, 25, 5)  # 06:00 CET
    assert instance.duration == timedelta(hours=9)


def test_day_shifts_around_the_changes_have_normal_length() -> None:
    for day in (date(2026, 3, 27), date(2026, 3, 30), date(2026, 10, 23), date(2026, 10, 26)):
        assert shift_instance(DAY, day, BERLIN).duration == timedelta(hours=8)
    spring = shift_instance(WEEKEND_DAY, date(2026, 3, 29), BERLIN)
    autumn = shift_instance(WEEKEND_DAY, date(2026, 10, 25), BERLIN)
    assert spring.duration == autumn.duration == timedelta(hours=8)
    assert spring.start == utc(2026, 3, 29, 6)
    assert autumn.start == utc(2026, 10, 25, 7)


def test_night_shift_in_progress_across_the_fall_back_hour() -> None:
    # 02:30 local happens twice on 2026-10-25; both instants are in Saturday's night shift.
    for at in (utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30), utc(2026, 10, 25, 4, 59)):
        running = shift_in_progress([WEEKEND_NIGHT], BERLIN, at)
        assert running is not None
        assert running.production_date == date(2026, 10, 24)
    assert shift_in_progress([WEEKEND_NIGHT], BERLIN, utc(2026, 10, 25, 5)) is None


def test_a_start_in_the_spring_gap_moves_past_the_gap() -> None:
    early = Pattern(7, "E", time(2, 30), time(10, 30), weekdays=["sun"])

    instance = shift_instance(early, date(2026, 3, 29), BERLIN)

    assert instance.start == berlin(2026, 3, 29, 3, 30)  # 01:30 UTC, not 00:30
    assert instance.end == berlin(2026, 3, 29, 10, 30)
    assert instance.duration == timedelta(hours=7)


def test_an_ambiguous_start_in_the_fold_is_its_first_occurrence() -> None:
    early = Pattern(7, "E", time(2, 30), time(10, 30), weekdays=["sun"])

    instance = shift_instance(early, date(2026, 10, 25), BERLIN)

    assert instance.start == utc(2026, 10, 25, 0, 30)  # 02:30 CEST
    assert instance.duration == timedelta(hours=9)


def test_a_shift_wholly_inside_the_gap_has_zero_length() -> None:
    lost = Pattern(8, "G", time(2, 30), time(3), weekdays=["sun"])

    instance = shift_instance(lost, date(2026, 3, 29), BERLIN)

    assert instance.duration == timedelta(0)
    assert not instance.contains(instance.start)


def test_overlapping_shifts_resolve_to_the_one_that_started_latest() -> None:
    long_day = Pattern(10, "L", time(6), time(18))
    evening = Pattern(11, "E", time(16), time(23))

    running = shift_in_progress([evening, long_day], BERLIN, berlin(2026, 6, 1, 17))
    earlier = shift_in_progress([evening, long_day], BERLIN, berlin(2026, 6, 1, 15))

    assert running is not None and running.shift_name == "E"
    assert earlier is not None and earlier.shift_name == "L"


def test_overlap_with_the_previous_night_prefers_todays_shift() -> None:
    early = Pattern(12, "E", time(5), time(13))

    running = shift_in_progress([NIGHT, early], BERLIN, berlin(2026, 6, 2, 5, 30))

    assert running is not None
    assert (running.shift_name, running.production_date) == ("E", date(2026, 6, 2))


def test_latest_shift_instance_prefers_the_shift_in_progress() -> None:
    latest = latest_shift_instance(
        [DAY, LATE], BERLIN, berlin(2026, 6, 1, 15), ended_within=timedelta(hours=2)
    )

    assert latest is not None and latest.shift_name == "B"


def test_latest_shift_instance_within_and_outside_the_window() -> None:
    friday_evening = berlin(2026, 6, 5, 23)
    patterns = [DAY, LATE]

    within = latest_shift_instance(
        patterns, BERLIN, friday_evening, ended_within=timedelta(hours=1)
    )
    outside = latest_shift_instance(
        patterns, BERLIN, friday_evening, ended_within=timedelta(minutes=59)
    )
    long_window = latest_shift_instance(
        patterns, BERLIN, berlin(2026, 6, 8, 5), ended_within=timedelta(days=3)
    )

    assert within is not None
    assert (within.shift_name, within.production_date) == ("B", date(2026, 6, 5))
    assert outside is None
    assert long_window is not None
    assert (long_window.shift_name, long_window.production_date) == ("B", date(2026, 6, 5))


def test_latest_shift_instance_after_a_night_shift() -> None:
    latest = latest_shift_instance(
        [NIGHT], BERLIN, berlin(2026, 6, 6, 7), ended_within=timedelta(hours=2)
    )

    assert latest is not None
    assert latest.production_date == date(2026, 6, 5)


def test_latest_started_instance() -> None:
    # Monday 10:00: today's B has not started; the last one was Friday's.
    last_b = latest_started_instance(LATE, BERLIN, berlin(2026, 6, 8, 10))
    started_today = latest_started_instance(LATE, BERLIN, berlin(2026, 6, 8, 14))
    weekly = latest_started_instance(WEEKEND_DAY, BERLIN, berlin(2026, 6, 14, 7))

    assert last_b is not None and last_b.production_date == date(2026, 6, 5)
    assert started_today is not None and started_today.production_date == date(2026, 6, 8)
    assert weekly is not None and weekly.production_date == date(2026, 6, 7)
    assert (
        latest_started_instance(WEEKEND_DAY, BERLIN, berlin(2026, 6, 14, 7), search_days=7) is None
    )


def test_instances_between_lists_starts_in_the_half_open_range() -> None:
    patterns = [NIGHT, LATE, DAY]

    found = instances_between(patterns, BERLIN, berlin(2026, 6, 5, 6), berlin(2026, 6, 8, 14))

    assert [(i.shift_name, i.production_date) for i in found] == [
        ("A", date(2026, 6, 5)),
        ("B", date(2026, 6, 5)),
        ("C", date(2026, 6, 5)),
        ("A", date(2026, 6, 8)),
    ]
    assert instances_between(patterns, BERLIN, berlin(2026, 6, 6), berlin(2026, 6, 8)) == []
    assert instances_between(patterns, BERLIN, berlin(2026, 6, 8, 7), berlin(2026, 6, 8, 6)) == []


def test_instances_between_catches_a_night_shift_started_the_day_before_in_utc() -> None:
    # 22:00 CEST on 5 June is 20:00 UTC; a UTC-day window still finds it.
    found = instances_between([NIGHT], BERLIN, utc(2026, 6, 5), utc(2026, 6, 6))

    assert [i.production_date for i in found] == [date(2026, 6, 5)]


def test_local_date() -> None:
    assert local_date(utc(2026, 6, 1, 22, 30), BERLIN) == date(2026, 6, 2)
    assert local_date(utc(2026, 6, 1, 21, 30), BERLIN) == date(2026, 6, 1)
