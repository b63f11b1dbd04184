"""Pace numbers: breaks spread evenly, real shift lengths on daylight-saving days."""

from datetime import UTC, date, datetime, time

import pytest

from bot.numbers.pace import productive_minutes_elapsed, project_pace
from bot.numbers.production import pace
from bot.plant.shifts import shift_instance
from tests.test_shifts import BERLIN, Pattern

# An instance is resolved whether or not its pattern runs that weekday, so the patterns' weekdays
# do not matter here.
DAY = Pattern(1, "A", time(6), time(14), break_minutes=30)
NIGHT = Pattern(2, "N", time(22), time(6))
WEDNESDAY = shift_instance(DAY, date(2026, 11, 18), BERLIN)
TEN_AM = datetime(2026, 11, 18, 10, tzinfo=BERLIN)


def test_breaks_are_spread_evenly_over_the_shift() -> None:
    # Half of the 8 h shift is gone: half of its 450 planned minutes.
    assert productive_minutes_elapsed(WEDNESDAY, TEN_AM) == 225


def test_the_needed_rate_counts_only_the_productive_time_left() -> None:
    projection = project_pace(actual=240, target=800, instance=WEDNESDAY, at=TEN_AM)

    assert projection is not None
    assert projection.projected == pytest.approx(480)  # 240 / 225 min × 450 min
    assert projection.share == pytest.approx(0.6)
    # 560 still to make in 225 productive minutes, not in the 240 wall-clock ones.
    assert projection.needed_rate == pytest.approx(560 / 3.75)


def test_the_projection_agrees_with_the_live_board() -> None:
    projection = project_pace(actual=240, target=800, instance=WEDNESDAY, at=TEN_AM)

    assert projection is not None
    assert projection.share == pytest.approx(pace(240, 800, WEDNESDAY, TEN_AM) or 0)


@pytest.mark.parametrize(
    ("production_date", "at", "hours", "projected"),
    [
        # Clocks go forward in the night: 400 made in the first 4 of 7 hours.
        (date(2026, 3, 28), datetime(2026, 3, 29, 1, tzinfo=UTC), 7, 700),
        # Clocks go back: 400 made in the first 8 of 9 hours.
        (date(2026, 10, 24), datetime(2026, 10, 25, 4, tzinfo=UTC), 9, 450),
    ],
)
def test_a_daylight_saving_night_uses_its_real_length(
    production_date: date, at: datetime, hours: int, projected: int
) -> None:
    night = shift_instance(NIGHT, production_date, BERLIN)

    projection = project_pace(actual=400, target=900, instance=night, at=at)

    assert night.duration.total_seconds() == hours * 3600
    assert projection is not None
    assert projection.projected == pytest.approx(projected)


def test_nothing_to_project_before_the_shift_starts() -> None:
    assert project_pace(actual=0, target=800, instance=WEDNESDAY, at=WEDNESDAY.start) is None


def test_no_rate_is_needed_once_the_target_is_made_and_none_is_possible_at_the_end() -> None:
    ahead = project_pace(actual=900, target=800, instance=WEDNESDAY, at=TEN_AM)
    over = project_pace(actual=700, target=800, instance=WEDNESDAY, at=WEDNESDAY.end)

    assert ahead is not None and ahead.needed_rate == 0
    assert over is not None and over.needed_rate is None
    assert over.projected == pytest.approx(700)


def test_a_shift_that_is_all_break_has_no_pace() -> None:
    all_break = shift_instance(
        Pattern(3, "X", time(6), time(7), break_minutes=60), date(2026, 11, 18), BERLIN
    )
    at = datetime(2026, 11, 18, 5, 30, tzinfo=UTC)

    assert project_pace(actual=10, target=100, instance=all_break, at=at) is None


def test_the_run_rate_covers_only_the_time_the_reports_cover() -> None:
    """Hourly reports judged at :30 are not half an hour behind: 400 reported for 06:00–10:00
    is on pace for 800, whether the check runs at 10:00 or 10:30."""
    half_past = datetime(2026, 11, 18, 10, 30, tzinfo=BERLIN)

    judged_by_clock = project_pace(actual=400, target=800, instance=WEDNESDAY, at=half_past)
    judged_by_reports = project_pace(
        actual=400, target=800, instance=WEDNESDAY, at=half_past, reported_until=TEN_AM
    )

    assert judged_by_clock is not None and judged_by_reports is not None
    assert judged_by_clock.share == pytest.approx(400 / 4.5 * 8 / 800)
    assert judged_by_reports.share == pytest.approx(1.0)
    assert judged_by_reports.needed_rate == judged_by_clock.needed_rate
