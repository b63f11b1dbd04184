"""The weekly review's numbers for one site and ISO week, posted on the Monday after it.

Plain functions over the database; they know nothing of Slack. Like the daily digest
(``bot.numbers.digest``), every query is bounded by the week (and the week before, for the
trend) and aggregates in SQL; targets come from ``TargetPlan``, so attainment counts planned shift
instances only and calendar stops are left out. Voided entries never count.

**Reporting discipline** is the share of planned shift instances (those with a target) whose
first output entry was reported no later than the shift's end plus the site's report grace: a
lead who reports within the grace reported on time, one who reports after it reported late, and
a shift without an entry is missing. Instances whose grace has not run out by ``as_of`` are not
judged yet.

**OEE and the big losses** come from the loss model (``bot.numbers.weekly_losses``).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.numbers.discipline import Discipline, judge
from bot.numbers.instances import delays_by_day, output_by_instance, scrap_between
from bot.numbers.periods import LinePeriod, PlantPeriod
from bot.numbers.repeats import RepeatProblem, find_repeat_problems
from bot.numbers.target_plan import TargetPlan
from bot.numbers.weekly_losses import WeeklyOee, compute_weekly_oee
from bot.plant.shifts import shift_instance
from models import Line, Site

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class LineWeek(LinePeriod):
    """One line's week: the per-line row of the weekly review."""

    discipline: Discipline


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
class WeeklyReview(PlantPeriod[LineWeek]):
    site_name: str
    first: date
    lines: list[LineWeek]
    losses: list[Trend]
    downtime: Trend
    scrap: Trend
    repeats: list[RepeatProblem]
    # OEE per line against the week before, the big losses, MTBF and MTTR (``weekly_losses``).
    oee: WeeklyOee = field(default_factory=WeeklyOee)

    @property
    def last(self) -> date:
        return self.first + WEEK - timedelta(days=1)

    @property
    def period(self) -> str:
        """The ISO week, e.g. ``2026-W47``."""
        year, week, _ = self.first.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def discipline(self) -> Discipline:
        return sum((line.discipline for line in self.lines), Discipline())


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
    planned = TargetPlan.load(
        session, site_id=site.id, lines=lines, shifts=list(shifts.values()), first=first, last=last
    ).instances()
    made = output_by_instance(session, line_ids=line_ids, first=first, last=last)
    delays = delays_by_day(session, line_ids=line_ids, first=first - WEEK, last=last)

    zone = ZoneInfo(site.timezone)
    totals = {line.id: _LineTotals() for line in lines}
    for key, units in planned.items():
        line_id, shift_id, day = key
        totals[line_id].target += units
        totals[line_id].planned = True
        totals[line_id].planned_good += made[key].good if key in made else 0
        deadline = shift_instance(shifts[shift_id], day, zone).end + report_grace
        if deadline <= as_of:
            totals[line_id].discipline += judge(made.get(key), deadline)
    for (line_id, _, _), output in made.items():
        totals[line_id].good += output.good
        totals[line_id].scrap += output.scrap
    current: dict[str, int] = defaultdict(int)
    previous: dict[str, int] = defaultdict(int)
    for delay in delays:
        if delay.day >= first:
            current[delay.reason] += delay.minutes
            totals[delay.line_id].delay_minutes += delay.minutes
        else:
            previous[delay.reason] += delay.minutes
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
            scrap_between(
                session, line_ids=line_ids, first=first - WEEK, last=first - timedelta(days=1)
            ),
        ),
        repeats=find_repeat_problems(session, site=site, first=first, last=last),
        oee=compute_weekly_oee(session, site=site, lines=lines, first=first),
    )
