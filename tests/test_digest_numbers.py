"""The digest's numbers, computed over the sample plant (L1: A/B 800, C 600; press2: A/B 400)."""

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.numbers.digest import Digest, ParetoRow, compute_digest, downtime_pareto
from bot.numbers.periods import forecast_month_end
from bot.numbers.production import target_for
from bot.numbers.target_plan import TargetPlan
from models import (
    CalendarEntry,
    DelayEntry,
    Issue,
    IssueCategory,
    IssueStatus,
    Line,
    OutputEntry,
    Severity,
    Shift,
    Site,
    Target,
)

WEDNESDAY = date(2026, 11, 18)
DIGEST_AT = datetime(2026, 11, 19, 6, 0, tzinfo=UTC)  # 07:00 Berlin
L1_DAY, PRESS2_DAY = 2200, 800
# November 2026 has 21 weekdays.
MONTH_TARGET = 21 * (L1_DAY + PRESS2_DAY)


class Floor:
    """Writes entries straight into the database for one test."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self.session_factory = session_factory
        with session_factory() as session:
            self.site_id = session.scalars(select(Site.id)).one()
            self.lines = {line.code: line.id for line in session.scalars(select(Line))}
            self.shifts = {shift.name: shift.id for shift in session.scalars(select(Shift))}

    def add(self, row: OutputEntry | DelayEntry | Issue | Target | CalendarEntry) -> None:
        with session_scope(self.session_factory) as session:
            session.add(row)

    def output(
        self, line: str, shift: str, day: date, good: int, scrap: int = 0, *, voided: bool = False
    ) -> None:
        self.add(
            OutputEntry(
                **self._where(line, shift, day),
                good=good,
                scrap=scrap,
                voided_at=DIGEST_AT if voided else None,
            )
        )

    def delay(self, line: str, shift: str, day: date, minutes: int, reason: str) -> None:
        self.add(DelayEntry(**self._where(line, shift, day), minutes=minutes, reason=reason))

    def issue(
        self,
        line: str,
        raised_at: datetime,
        severity: Severity,
        *,
        category: IssueCategory | None = None,
        status: IssueStatus = IssueStatus.OPEN,
    ) -> None:
        self.add(
            Issue(
                line_id=self.lines[line],
                shift_id=self.shifts["A"],
                production_date=raised_at.date(),
                severity=severity,
                category=category,
                text=f"{severity.value} problem",
                status=status,
                raised_by="U0LEAD0001",
                raised_at=raised_at,
            )
        )

    def digest(self, production_date: date = WEDNESDAY, as_of: datetime = DIGEST_AT) -> Digest:
        with self.session_factory() as session:
            site = session.get_one(Site, self.site_id)
            return compute_digest(session, site=site, production_date=production_date, as_of=as_of)

    def _where(self, line: str, shift: str, day: date) -> dict[str, object]:
        return {
            "line_id": self.lines[line],
            "shift_id": self.shifts[shift],
            "production_date": day,
            "reported_by": "U0LEAD0001",
            "reported_at": DIGEST_AT,
        }


@pytest.fixture
def floor(session_factory: sessionmaker[Session], loaded_plant: None) -> Iterator[Floor]:
    yield Floor(session_factory)


def test_per_line_and_plant_attainment_count_good_output_only(floor: Floor) -> None:
    floor.output("L1", "A", WEDNESDAY, 700, 10)
    floor.output("L1", "B", WEDNESDAY, 800)
    floor.output("L1", "C", WEDNESDAY, 500, 40)
    floor.output("L1", "C", WEDNESDAY, 999, voided=True)
    floor.output("press2", "A", WEDNESDAY, 400)
    floor.output("press2", "B", WEDNESDAY, 200)
    floor.output("press2", "A", WEDNESDAY - timedelta(days=1), 400)  # another day

    digest = floor.digest()

    l1, press2 = digest.lines
    assert (l1.code, l1.target, l1.good, l1.scrap) == ("L1", L1_DAY, 2000, 50)
    assert l1.attainment == pytest.approx(2000 / 2200)
    assert l1.scrap_rate == pytest.approx(50 / 2050)
    assert (press2.target, press2.good, press2.attainment) == (PRESS2_DAY, 600, 0.75)
    assert (digest.total_target, digest.total_planned_good) == (3000, 2600)
    assert digest.attainment == pytest.approx(2600 / 3000)
    assert digest.scrap_rate == pytest.approx(50 / 2650)


def test_biggest_misses_are_the_largest_shortfalls_with_their_main_delay(floor: Floor) -> None:
    floor.output("L1", "A", WEDNESDAY, 2000)
    floor.output("press2", "A", WEDNESDAY, 500)
    floor.delay("press2", "A", WEDNESDAY, 20, "material")
    floor.delay("press2", "B", WEDNESDAY, 30, "breakdown")

    misses = floor.digest().misses

    assert [(m.code, m.shortfall, m.main_delay_reason) for m in misses] == [
        ("press2", 300, "breakdown"),
        ("L1", 200, None),
    ]


def test_downtime_pareto_sorts_reasons_with_share_and_cumulative_share(floor: Floor) -> None:
    floor.delay("L1", "A", WEDNESDAY, 60, "breakdown")
    floor.delay("L1", "B", WEDNESDAY, 30, "breakdown")
    floor.delay("L1", "B", WEDNESDAY, 20, "material")
    floor.delay("press2", "A", WEDNESDAY, 40, "changeover")
    floor.delay("press2", "A", WEDNESDAY + timedelta(days=1), 500, "other")

    pareto = floor.digest().pareto

    assert [(row.reason, row.minutes) for row in pareto] == [
        ("breakdown", 90),
        ("changeover", 40),
        ("material", 20),
    ]
    assert [row.share for row in pareto] == pytest.approx([0.6, 40 / 150, 20 / 150])
    assert [row.cumulative_share for row in pareto] == pytest.approx([0.6, 130 / 150, 1.0])


def test_pareto_breaks_ties_by_reason() -> None:
    assert downtime_pareto({"quality": 10, "material": 10}) == [
        ParetoRow("material", 10, 0.5, 0.5),
        ParetoRow("quality", 10, 0.5, 1.0),
    ]


def test_cost_of_losses_only_for_lines_with_costs(floor: Floor) -> None:
    floor.output("L1", "A", WEDNESDAY, 700, 10)
    floor.output("press2", "A", WEDNESDAY, 300, 50)
    floor.delay("L1", "A", WEDNESDAY, 110, "breakdown")
    floor.delay("press2", "A", WEDNESDAY, 60, "breakdown")

    digest = floor.digest()

    l1, press2 = digest.lines
    # 10 scrap × 0.40 + 110 min / 60 × 900 = 4.00 + 1650.00
    assert l1.loss_cost == Decimal("1654.00")
    assert press2.loss_cost is None
    assert digest.loss_cost == Decimal("1654.00")


def test_week_and_month_to_date(floor: Floor) -> None:
    for day in (date(2026, 11, 16), date(2026, 11, 17), WEDNESDAY):
        floor.output("L1", "A", day, 800)
    floor.output("L1", "A", date(2026, 11, 13), 800)  # last Friday: month, not week
    floor.output("L1", "A", date(2026, 11, 19), 800)  # after the production date

    digest = floor.digest()

    assert (digest.week.first, digest.week.last) == (date(2026, 11, 16), WEDNESDAY)
    assert (digest.week.target, digest.week.actual) == (3 * 3000, 2400)
    # 1–18 November: 13 weekdays.
    assert (digest.month.target, digest.month.actual) == (13 * 3000, 3200)


def test_month_end_forecast_extrapolates_each_lines_run_rate_per_planned_shift(
    floor: Floor,
) -> None:
    first_days = [date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 4)]
    for day in first_days:
        floor.output("L1", "A", day, 800)
        floor.output("press2", "A", day, 400)

    forecast = floor.digest(first_days[-1], as_of=datetime(2026, 11, 5, 6, tzinfo=UTC)).forecast

    assert forecast is not None
    # L1: 2400 made in 9 planned shifts, 54 left → 2400 + 2400 / 9 × 54 = 16 800.
    # press2: 1200 made in 6 planned shifts, 36 left → 1200 + 1200 / 6 × 36 = 8 400.
    assert (forecast.actual, forecast.target) == (25_200, MONTH_TARGET)
    assert forecast.attainment == pytest.approx(25_200 / MONTH_TARGET)


def test_forecast_takes_a_line_without_planned_shifts_yet_at_its_target() -> None:
    day1, day2, day3 = date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 4)
    planned = {(1, 1, day1): 100, (1, 1, day2): 100, (1, 1, day3): 100, (2, 1, day3): 50}
    made = {(1, 1, day1): 80, (2, 1, day1): 999}  # line 2 made output on an unplanned day

    forecast = forecast_month_end(planned, made, production_date=day1, month_end=date(2026, 11, 30))

    assert forecast is not None
    assert (forecast.actual, forecast.target) == (80 + 80 * 2 + 50, 350)
    assert forecast_month_end({}, made, production_date=day1, month_end=day3) is None


def test_a_planned_stop_is_left_out_of_attainment(floor: Floor) -> None:
    christmas_eve = date(2026, 12, 24)
    floor.output("L1", "A", christmas_eve, 500)
    floor.output("L1", "A", date(2026, 12, 23), 800)

    digest = floor.digest(christmas_eve, as_of=datetime(2026, 12, 25, 6, tzinfo=UTC))

    assert [line.target for line in digest.lines] == [None, None]
    assert (digest.lines[0].good, digest.lines[0].planned_good) == (500, 0)
    assert digest.attainment is None and digest.misses == []
    # 1–24 December: 18 weekdays, one of them stopped.
    assert (digest.month.target, digest.month.actual) == (17 * 3000, 800)
    assert digest.has_production  # something was made, so the head sees it


def test_a_day_without_plan_or_output_has_no_production(floor: Floor) -> None:
    sunday = date(2026, 11, 22)
    assert not floor.digest(sunday, as_of=datetime(2026, 11, 23, 6, tzinfo=UTC)).has_production


def test_a_plan_of_many_instances_agrees_with_target_for_each(floor: Floor) -> None:
    """Both go through ``TargetPlan``; what differs is the rows loaded, for a range or one date."""
    floor.add(
        Target(
            line_id=floor.lines["L1"],
            shift_id=floor.shifts["A"],
            units=1000,
            valid_from=date(2026, 11, 17),
            valid_to=date(2026, 11, 19),
            set_by="U0MGR00001",
            created_at=DIGEST_AT,
        )
    )
    floor.add(
        CalendarEntry(
            site_id=floor.site_id,
            day=date(2026, 11, 20),
            reason="press maintenance",
            line_codes=["PRESS2"],
            shift_names=["b"],
        )
    )
    first, last = date(2026, 11, 14), date(2026, 11, 24)
    with floor.session_factory() as session:
        site = session.get_one(Site, floor.site_id)
        plan = TargetPlan.load(
            session, site_id=site.id, lines=site.lines, shifts=site.shifts, first=first, last=last
        )
        single = {
            (line.id, shift.id, day): target_for(
                session, line=line, shift=shift, production_date=day
            )
            for day in (first + timedelta(days=n) for n in range((last - first).days + 1))
            for line in site.lines
            for shift in site.shifts
        }
    assert plan.instances() == {key: units for key, units in single.items() if units is not None}
    l1, press2 = floor.lines["L1"], floor.lines["press2"]
    a, b = floor.shifts["A"], floor.shifts["B"]
    assert single[(l1, a, date(2026, 11, 17))] == 1000  # the override
    assert single[(l1, a, date(2026, 11, 20))] == 800  # after it, the plant file's default
    assert single[(press2, b, date(2026, 11, 20))] is None  # stopped by the calendar
    assert single[(press2, a, date(2026, 11, 20))] == 400  # the stop named shift B only
    assert single[(l1, a, date(2026, 11, 21))] is None  # Saturday: shift A does not run
    assert floor.digest().lines[0].target == 1000 + 800 + 600


def test_open_issues_by_age_with_severity_counts_and_oldest_first(floor: Floor) -> None:
    floor.issue("L1", DIGEST_AT - timedelta(hours=2), Severity.HIGH)
    floor.issue("L1", DIGEST_AT - timedelta(hours=3), Severity.HIGH)
    floor.issue("press2", DIGEST_AT - timedelta(days=2), Severity.MEDIUM)
    floor.issue(
        "press2", DIGEST_AT - timedelta(days=5), Severity.CRITICAL, status=IssueStatus.ACKNOWLEDGED
    )
    floor.issue("L1", DIGEST_AT - timedelta(days=9), Severity.LOW, status=IssueStatus.RESOLVED)
    floor.issue("L1", DIGEST_AT + timedelta(hours=1), Severity.LOW)  # after the digest time

    issues = floor.digest().issues

    assert [(b.label, b.by_severity) for b in issues.buckets] == [
        ("< 1 day", {"high": 2}),
        ("1–3 days", {"medium": 1}),
        ("> 3 days", {"critical": 1}),
    ]
    assert issues.total == 4
    assert [(i.line_code, i.severity, i.age.days) for i in issues.oldest] == [
        ("press2", "critical", 5),
        ("press2", "medium", 2),
        ("L1", "high", 0),
    ]


def test_days_since_the_last_safety_issue(floor: Floor) -> None:
    assert floor.digest().days_since_safety_issue is None

    floor.issue(
        "L1", datetime(2026, 11, 2, 9, tzinfo=UTC), Severity.HIGH, category=IssueCategory.SAFETY
    )
    floor.issue(
        "press2",
        datetime(2026, 11, 10, 9, tzinfo=UTC),
        Severity.HIGH,
        category=IssueCategory.SAFETY,
        status=IssueStatus.RESOLVED,
    )
    floor.issue("L1", datetime(2026, 11, 16, 9, tzinfo=UTC), Severity.HIGH)  # not safety
    floor.issue(
        "L1", datetime(2026, 11, 19, 6, tzinfo=UTC), Severity.HIGH, category=IssueCategory.SAFETY
    )  # after the production date

    assert floor.digest().days_since_safety_issue == 8


def test_a_planned_shift_without_output_entries_is_unreported(floor: Floor) -> None:
    floor.output("L1", "A", WEDNESDAY, 800)
    floor.output("L1", "B", WEDNESDAY, 790)
    floor.output("L1", "C", WEDNESDAY, 999, voided=True)  # voided: still nobody reported it
    floor.output("press2", "A", WEDNESDAY, 300)
    floor.output("press2", "B", WEDNESDAY, 0, 4)  # scrap only: reported
    floor.delay("L1", "B", WEDNESDAY, 10, "material")

    digest = floor.digest()

    l1, press2 = digest.lines
    assert [(s.shift_name, s.target) for s in l1.unreported] == [("C", 600)]
    assert (l1.shortfall, l1.unreported_target, l1.missed_mostly_unreported) == (610, 600, True)
    assert l1.main_delay_reason == "material"
    assert (press2.unreported, press2.missed_mostly_unreported) == ((), False)
    assert digest.currency is None


def test_the_digest_carries_the_sites_currency(
    floor: Floor, session_factory: sessionmaker[Session]
) -> None:
    with session_scope(session_factory) as session:
        session.scalars(select(Site)).one().currency = "EUR"
    floor.output("L1", "A", WEDNESDAY, 800)

    assert floor.digest().currency == "EUR"
