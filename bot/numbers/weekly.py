"""The weekly review's numbers for one site and ISO week (PRODUCT.md §4 ``weekly-digest``).

Plain functions over the database; they know nothing of Slack. Like the daily digest
(``bot.numbers.digest``), every query is bounded by the week (and the week before, for the
trend) and aggregates in SQL; targets come from ``TargetPlan``, so attainment counts planned shift
instances only and calendar stops are left out. Voided entries never count.

**Reporting discipline** is the share of planned shift instances (those with a target) whose
first output entry was reported no later than the shift's end plus the site's report grace: a
lead who reports within the grace reported on time, one who reports after it reported late, and
a shift without an entry is missing. Instances whose grace has not run out by ``as_of`` are not
judged yet.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.numbers.digest import InstanceOutput, TargetPlan, output_by_instance
from bot.numbers.production import attainment
from bot.numbers.repeats import RepeatProblem, find_repeat_problems
from bot.plant.shifts import shift_instance
from models import DelayEntry, Line, OutputEntry, Site

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Discipline:
    """How the planned shifts of a line (or the plant) were reported."""

    on_time: int = 0
    late: int = 0
    missing: int = 0

    @property
    def shifts(self) -> int:
        return self.on_time + self.late + self.missing

    @property
    def share(self) -> float | None:
        """Share of shifts reported on time; None when no planned shift was due."""
        return self.on_time / self.shifts if self.shifts else None

    def __add__(self, other: "Discipline") -> "Discipline":
        return Discipline(
            self.on_time + other.on_time, self.late + other.late, self.missing + other.missing
        )


@dataclass(frozen=True)
class LineWeek:
    line_id: int
    code: str
    unit: str
    target: int | None
    good: int
    planned_good: int
    scrap: int
    delay_minutes: int
    discipline: Discipline

    @property
    def attainment(self) -> float | None:
        return attainment(self.planned_good, self.target)

    @property
    def scrap_rate(self) -> float | None:
        made = self.good + self.scrap
        return self.scrap / made if made else None


@dataclass(frozen=True)
class Trend:
    """A loss this week against the week before; ``delta`` > 0 means it got worse."""

    name: str
    current: int
    previous: int

    @property
    def delta(self) -> int:
        return self.current - self.previous


@dataclass(frozen=True)
class WeeklyReview:
    site_name: str
    first: date
    lines: list[LineWeek]
    losses: list[Trend]
    downtime: Trend
    scrap: Trend
    repeats: list[RepeatProblem]

    @property
    def last(self) -> date:
        return self.first + WEEK - timedelta(days=1)

    @property
    def period(self) -> str:
        """The ISO week, e.g. ``2026-W47``."""
        year, week, _ = self.first.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def total_target(self) -> int:
        return sum(line.target or 0 for line in self.lines)

    @property
    def total_planned_good(self) -> int:
        return sum(line.planned_good for line in self.lines if line.target is not None)

    @property
    def attainment(self) -> float | None:
        return attainment(self.total_planned_good, self.total_target)

    @property
    def discipline(self) -> Discipline:
        return sum((line.discipline for line in self.lines), Discipline())

    @property
    def has_production(self) -> bool:
        """Whether anything was planned or made: a week without either gets no review."""
        return any(line.target is not None or line.good or line.scrap for line in self.lines)


@dataclass
class _LineTotals:
    """One line's week, accumulated in a single pass over the planned and made instances."""

    target: int = 0
    planned_good: int = 0
    good: int = 0
    scrap: int = 0
    delay_minutes: int = 0
    discipline: Discipline = field(default_factory=Discipline)
    planned: bool = False

    def line_week(self, line: Line) -> LineWeek:
        return LineWeek(
            line_id=line.id,
            code=line.code,
            unit=line.unit,
            target=self.target if self.planned else None,
            good=self.good,
            planned_good=self.planned_good,
            scrap=self.scrap,
            delay_minutes=self.delay_minutes,
            discipline=self.discipline,
        )


def compute_weekly_review(
    session: Session, *, site: Site, first: date, report_grace: timedelta, as_of: datetime
) -> WeeklyReview:
    """The review of the week starting on Monday ``first``; shifts are judged as of ``as_of``."""
    last = first + WEEK - timedelta(days=1)
    lines = [line for line in site.lines if line.active]
    shifts = {shift.id: shift for shift in site.shifts if shift.active}
    line_ids = [line.id for line in lines]
    plan = TargetPlan(lines=lines, shifts=list(shifts.values()), first=first, last=last)
    plan.load(session, site_id=site.id)
    planned = plan.instances(first, last)
    made = output_by_instance(session, line_ids=line_ids, first=first, last=last)
    delays = _delay_minutes(session, line_ids=line_ids, first=first - WEEK, last=last)

    zone = ZoneInfo(site.timezone)
    totals = {line.id: _LineTotals() for line in lines}
    for key, units in planned.items():
        line_id, shift_id, day = key
        totals[line_id].target += units
        totals[line_id].planned = True
        totals[line_id].planned_good += made[key].good if key in made else 0
        deadline = shift_instance(shifts[shift_id], day, zone).end + report_grace
        if deadline <= as_of:
            totals[line_id].discipline += _judge(made.get(key), deadline)
    for (line_id, _, _), output in made.items():
        totals[line_id].good += output.good
        totals[line_id].scrap += output.scrap
    current: dict[str, int] = defaultdict(int)
    previous: dict[str, int] = defaultdict(int)
    for line_id, reason, day, minutes in delays:
        if day >= first:
            current[reason] += minutes
            totals[line_id].delay_minutes += minutes
        else:
            previous[reason] += minutes
    losses = sorted(
        (Trend(reason, minutes, previous[reason]) for reason, minutes in current.items()),
        key=lambda trend: (-trend.current, -trend.previous, trend.name),
    )
    return WeeklyReview(
        site_name=site.name,
        first=first,
        lines=[totals[line.id].line_week(line) for line in lines],
        losses=losses,
        downtime=Trend("downtime", sum(current.values()), sum(previous.values())),
        scrap=Trend(
            "scrap",
            sum(output.scrap for output in made.values()),
            _scrap(session, line_ids=line_ids, first=first - WEEK, last=first - timedelta(days=1)),
        ),
        repeats=find_repeat_problems(session, site=site, first=first, last=last),
    )


def _judge(made: InstanceOutput | None, deadline: datetime) -> Discipline:
    if made is None:
        return Discipline(missing=1)
    if made.first_reported_at <= deadline:
        return Discipline(on_time=1)
    return Discipline(late=1)


def _delay_minutes(
    session: Session, *, line_ids: list[int], first: date, last: date
) -> list[tuple[int, str, date, int]]:
    """Minutes lost per (line, reason, date)."""
    rows = session.execute(
        select(
            DelayEntry.line_id,
            DelayEntry.reason,
            DelayEntry.production_date,
            func.sum(DelayEntry.minutes),
        )
        .where(
            DelayEntry.line_id.in_(line_ids),
            DelayEntry.production_date >= first,
            DelayEntry.production_date <= last,
            DelayEntry.voided_at.is_(None),
        )
        .group_by(DelayEntry.line_id, DelayEntry.reason, DelayEntry.production_date)
    )
    return [(line, reason, day, int(minutes)) for line, reason, day, minutes in rows]


def _scrap(session: Session, *, line_ids: list[int], first: date, last: date) -> int:
    return int(
        session.scalar(
            select(func.coalesce(func.sum(OutputEntry.scrap), 0)).where(
                OutputEntry.line_id.in_(line_ids),
                OutputEntry.production_date >= first,
                OutputEntry.production_date <= last,
                OutputEntry.voided_at.is_(None),
            )
        )
        or 0
    )
