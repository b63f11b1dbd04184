"""The daily digest's numbers for one site and production date.

Plain functions over the database; they know nothing of Slack. The cost of a digest must not
grow with the site's history, so every query is bounded by a production-date range (the day, the
week or the month to date) or by open issues, and aggregates in SQL; only the safety streak of a
site without a recent safety issue looks further back (``bot.numbers.issue_ages``). Targets come
from a ``TargetPlan`` loaded once for the whole range.

Attainment counts a shift instance only when it had a target (``bot.numbers.periods``). Voided
entries never count.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from bot.numbers.instances import (
    DelaySum,
    InstanceKey,
    InstanceOutput,
    delays_by_day,
    output_by_instance,
)
from bot.numbers.issue_ages import IssueAges, days_since_safety_issue, open_issues_by_age
from bot.numbers.periods import (
    LinePeriod,
    PeriodAttainment,
    PlantPeriod,
    forecast_month_end,
    month_end,
    period_attainment,
)
from bot.numbers.production import scrap_rate
from bot.numbers.target_plan import TargetPlan
from models import Line, Site

MISSES_SHOWN = 3
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class UnreportedShift:
    """A planned shift instance of the line (it had a target) with no output entry."""

    shift_name: str
    target: int


@dataclass(frozen=True)
class LineDay(LinePeriod):
    """One line's production date: the per-line row of the digest."""

    name: str
    main_delay_reason: str | None
    loss_cost: Decimal | None
    unreported: tuple[UnreportedShift, ...] = ()

    @property
    def shortfall(self) -> int:
        return max(0, self.target - self.planned_good) if self.target else 0

    @property
    def unreported_target(self) -> int:
        return sum(shift.target for shift in self.unreported)

    @property
    def missed_mostly_unreported(self) -> bool:
        """Whether more than half the shortfall is the target of shifts nobody reported."""
        return self.shortfall > 0 and 2 * min(self.unreported_target, self.shortfall) > (
            self.shortfall
        )


@dataclass(frozen=True)
class ParetoRow:
    reason: str
    minutes: int
    share: float
    cumulative_share: float


@dataclass(frozen=True)
class Digest(PlantPeriod[LineDay]):
    site_name: str
    production_date: date
    lines: list[LineDay]
    misses: list[LineDay]
    pareto: list[ParetoRow]
    issues: IssueAges
    week: PeriodAttainment
    month: PeriodAttainment
    # The whole month at the current run-rate; None when the month has no target.
    forecast: PeriodAttainment | None
    days_since_safety_issue: int | None
    # The site's ISO 4217 code for the cost of losses; None: a bare amount.
    currency: str | None = None

    @property
    def total_scrap(self) -> int:
        return sum(line.scrap for line in self.lines)

    @property
    def scrap_rate(self) -> float | None:
        return scrap_rate(sum(line.good for line in self.lines), self.total_scrap)

    @property
    def delay_minutes(self) -> int:
        return sum(row.minutes for row in self.pareto)

    @property
    def loss_cost(self) -> Decimal | None:
        """Total cost of losses, or None when no line has costs configured."""
        costs = [line.loss_cost for line in self.lines if line.loss_cost is not None]
        return sum(costs, Decimal(0)) if costs else None


def compute_digest(
    session: Session, *, site: Site, production_date: date, as_of: datetime
) -> Digest:
    """The digest of ``production_date``; issue ages are measured at ``as_of``."""
    lines = [line for line in site.lines if line.active]
    shifts = [shift for shift in site.shifts if shift.active]
    line_ids = [line.id for line in lines]
    week_start = production_date - timedelta(days=production_date.weekday())
    month_start = production_date.replace(day=1)
    last = month_end(production_date)
    first = min(week_start, month_start)

    planned = TargetPlan.load(
        session, site_id=site.id, lines=lines, shifts=shifts, first=first, last=last
    ).instances()
    made = output_by_instance(session, line_ids=line_ids, first=first, last=production_date)
    delays = _delays_by_line(
        delays_by_day(session, line_ids=line_ids, first=production_date, last=production_date)
    )

    shift_names = {shift.id: shift.name for shift in site.shifts}
    line_days = _line_days(lines, production_date, planned, made, delays, shift_names)
    good = {key: output.good for key, output in made.items()}
    return Digest(
        site_name=site.name,
        production_date=production_date,
        lines=line_days,
        misses=biggest_misses(line_days),
        pareto=downtime_pareto(_sum_by_reason(delays.values())),
        issues=open_issues_by_age(session, lines=lines, as_of=as_of),
        week=period_attainment(planned, good, first=week_start, last=production_date),
        month=period_attainment(planned, good, first=month_start, last=production_date),
        forecast=forecast_month_end(planned, good, production_date=production_date, month_end=last),
        days_since_safety_issue=days_since_safety_issue(
            session, line_ids=line_ids, production_date=production_date
        ),
        currency=site.currency,
    )


def biggest_misses(lines: Iterable[LineDay], limit: int = MISSES_SHOWN) -> list[LineDay]:
    """The lines with the largest shortfall in units, largest first; on-target lines never."""
    missed = [line for line in lines if line.shortfall > 0]
    return sorted(missed, key=lambda line: (-line.shortfall, line.code))[:limit]


def downtime_pareto(minutes_by_reason: dict[str, int]) -> list[ParetoRow]:
    """Reasons by minutes lost, largest first, with their share and the running share."""
    total = sum(minutes_by_reason.values())
    rows: list[ParetoRow] = []
    running = 0
    for reason, minutes in sorted(minutes_by_reason.items(), key=lambda kv: (-kv[1], kv[0])):
        running += minutes
        rows.append(ParetoRow(reason, minutes, minutes / total, running / total))
    return rows


def loss_cost(line: Line, *, scrap: int, delay_minutes: int) -> Decimal | None:
    """Scrap units × unit cost + downtime hours × downtime cost per hour, to the cent.

    None when the line has neither cost configured; a missing one of the two counts as zero.
    """
    if line.unit_cost is None and line.downtime_cost_per_hour is None:
        return None
    scrap_cost = scrap * (line.unit_cost or Decimal(0))
    downtime_cost = Decimal(delay_minutes) / 60 * (line.downtime_cost_per_hour or Decimal(0))
    return (scrap_cost + downtime_cost).quantize(_CENT)


def _line_days(
    lines: Sequence[Line],
    day: date,
    planned: dict[InstanceKey, int],
    made: dict[InstanceKey, InstanceOutput],
    delays: dict[int, dict[str, int]],
    shift_names: dict[int, str],
) -> list[LineDay]:
    targets: dict[int, list[int]] = defaultdict(list)
    unreported: dict[int, list[UnreportedShift]] = defaultdict(list)
    for (line_id, shift_id, key_day), units in sorted(planned.items()):
        if key_day == day:
            targets[line_id].append(units)
            if (line_id, shift_id, key_day) not in made:
                unreported[line_id].append(UnreportedShift(shift_names[shift_id], units))
    good: dict[int, int] = defaultdict(int)
    planned_good: dict[int, int] = defaultdict(int)
    scrap: dict[int, int] = defaultdict(int)
    for key, output in made.items():
        if key[2] == day:
            good[key[0]] += output.good
            scrap[key[0]] += output.scrap
            if key in planned:
                planned_good[key[0]] += output.good
    rows = []
    for line in lines:
        reasons = delays.get(line.id, {})
        delay_minutes = sum(reasons.values())
        rows.append(
            LineDay(
                line_id=line.id,
                code=line.code,
                name=line.name,
                unit=line.unit,
                target=sum(targets[line.id]) if targets[line.id] else None,
                good=good[line.id],
                planned_good=planned_good[line.id],
                scrap=scrap[line.id],
                delay_minutes=delay_minutes,
                main_delay_reason=min(reasons, key=lambda r: (-reasons[r], r)) if reasons else None,
                loss_cost=loss_cost(line, scrap=scrap[line.id], delay_minutes=delay_minutes),
                unreported=tuple(unreported[line.id]),
            )
        )
    return rows


def _delays_by_line(delays: Iterable[DelaySum]) -> dict[int, dict[str, int]]:
    """One day's delay minutes per line and reason."""
    by_line: dict[int, dict[str, int]] = defaultdict(dict)
    for delay in delays:
        by_line[delay.line_id][delay.reason] = delay.minutes
    return by_line


def _sum_by_reason(per_line: Iterable[dict[str, int]]) -> dict[str, int]:
    total: dict[str, int] = defaultdict(int)
    for reasons in per_line:
        for reason, minutes in reasons.items():
            total[reason] += minutes
    return dict(total)
