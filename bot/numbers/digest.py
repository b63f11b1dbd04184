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
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.numbers.discipline import Discipline, judge
from bot.numbers.instances import (
    DelaySum,
    InstanceKey,
    InstanceOutput,
    delays_by_day,
    output_by_instance,
)
from bot.numbers.issue_ages import IssueAges, days_since_safety_issue, open_issues_by_age
from bot.numbers.loss_model import Losses
from bot.numbers.machine_stops import UnexplainedStops, unexplained_stops
from bot.numbers.morning_review import (
    CostToDate,
    People,
    ScrapReason,
    TouchedIssue,
    cost_to_date,
    issues_touched,
    safety_on,
    top_scrap_reasons,
)
from bot.numbers.oee import by_line, losses_by_instance
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
from bot.plant.file import alerts_of
from bot.plant.shifts import local_date, shift_instance
from models import Line, Shift, Site

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
    # The loss model over the day's counted shifts; None when none was reported.
    losses: Losses | None = None

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
    safety_incidents: int = 0
    near_misses: int = 0
    scrap_reasons: tuple[ScrapReason, ...] = ()
    cost: CostToDate | None = None
    people: People = field(default_factory=lambda: People(Discipline()))
    # Raised, acknowledged or resolved since the last digest.
    touched: tuple[TouchedIssue, ...] = ()
    # The site's IANA zone: times are shown in it.
    timezone: str = "UTC"
    # Machine stops without a reason; None when no line of the site reports its state.
    machine_stops: UnexplainedStops | None = None

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

    plan = TargetPlan.load(
        session, site_id=site.id, lines=lines, shifts=shifts, first=first, last=last
    )
    planned = plan.instances()
    made = output_by_instance(session, line_ids=line_ids, first=first, last=production_date)
    month_delays = delays_by_day(
        session, line_ids=line_ids, first=month_start, last=production_date
    )
    delays = _delays_by_line(delay for delay in month_delays if delay.day == production_date)
    losses = by_line(
        losses_by_instance(
            session, site=site, lines=lines, first=production_date, last=production_date, plan=plan
        )
    )

    shift_names = {shift.id: shift.name for shift in site.shifts}
    line_days = _line_days(lines, production_date, planned, made, delays, shift_names, losses)
    good = {key: output.good for key, output in made.items()}
    incidents, near_misses = safety_on(session, line_ids=line_ids, day=production_date)
    zone = ZoneInfo(site.timezone)
    previous_digest = datetime.combine(
        local_date(as_of, zone) - timedelta(days=1), site.digest_time, tzinfo=zone
    )
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
        timezone=site.timezone,
        safety_incidents=incidents,
        near_misses=near_misses,
        scrap_reasons=tuple(top_scrap_reasons(session, lines=lines, day=production_date)),
        cost=_cost(site, lines, line_days, made, month_delays, production_date),
        people=_people(site, lines, shifts, production_date, planned, made, as_of),
        machine_stops=(
            unexplained_stops(session, site_id=site.id, production_date=production_date, at=as_of)
            if any(line.state_topic for line in lines)
            else None
        ),
        touched=tuple(
            issues_touched(session, lines=lines, since=previous_digest.astimezone(UTC), until=as_of)
        ),
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
    losses: dict[int, Losses],
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
                losses=losses.get(line.id),
            )
        )
    return rows


def _cost(
    site: Site,
    lines: Sequence[Line],
    line_days: Sequence[LineDay],
    made: dict[InstanceKey, InstanceOutput],
    month_delays: Sequence[DelaySum],
    day: date,
) -> CostToDate | None:
    """The day's and the month's cost of losses; None when no line has costs configured."""
    day_costs = [line.loss_cost for line in line_days if line.loss_cost is not None]
    if not day_costs:
        return None
    month_start = day.replace(day=1)
    scrap: dict[int, int] = defaultdict(int)
    for (line_id, _, key_day), output in made.items():
        if key_day >= month_start:
            scrap[line_id] += output.scrap
    delay_minutes: dict[int, int] = defaultdict(int)
    for delay in month_delays:
        delay_minutes[delay.line_id] += delay.minutes
    month = [
        loss_cost(line, scrap=scrap[line.id], delay_minutes=delay_minutes[line.id])
        for line in lines
    ]
    return cost_to_date(
        day_cost=sum(day_costs, Decimal(0)),
        month_cost=sum((cost for cost in month if cost is not None), Decimal(0)),
        budget=site.monthly_loss_budget,
        day=day,
    )


def _people(
    site: Site,
    lines: Sequence[Line],
    shifts: Sequence[Shift],
    day: date,
    planned: dict[InstanceKey, int],
    made: dict[InstanceKey, InstanceOutput],
    as_of: datetime,
) -> People:
    """The day's planned shifts judged by their reporting deadline, as of the digest."""
    grace = timedelta(minutes=alerts_of(site).report_grace_minutes)
    zone = ZoneInfo(site.timezone)
    code = {line.id: line.code for line in lines}
    shift_of = {shift.id: shift for shift in shifts}
    discipline = Discipline()
    late: list[str] = []
    missing: list[str] = []
    for key in sorted(planned, key=lambda k: (code[k[0]], shift_of[k[1]].start)):
        line_id, shift_id, key_day = key
        if key_day != day:
            continue
        deadline = shift_instance(shift_of[shift_id], day, zone).end + grace
        if deadline > as_of:
            continue
        judged = judge(made.get(key), deadline)
        discipline += judged
        label = f"{code[line_id]} {shift_of[shift_id].name}"
        if judged.late:
            late.append(label)
        elif judged.missing:
            missing.append(label)
    return People(discipline, tuple(late), tuple(missing))


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
