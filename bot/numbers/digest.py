"""The daily digest's numbers for one site and production date (PRODUCT.md §4 ``digest``).

Plain functions over the database; they know nothing of Slack. The cost of a digest must not
grow with the site's history, so every query is bounded by a production-date range (the day, the
week or the month to date) or by open issues, and aggregates in SQL over the
``(line_id, production_date)`` indexes; only the safety streak of a site without a recent
safety issue looks further back (``days_since_safety_issue``). Targets are resolved in Python
from the site's target rows and calendar entries loaded once, with the same rules as
``bot.numbers.production.target_for``.

Attainment counts a shift instance only when it had a target: output on a shift that did not run
or was a planned stop (calendar) is shown as made but is left out of every attainment figure.
Voided entries never count.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, or_, select, true
from sqlalchemy.orm import Session

from bot.numbers.production import attainment
from bot.plant.shifts import WEEKDAYS
from models import (
    CalendarEntry,
    DelayEntry,
    Issue,
    IssueCategory,
    IssueStatus,
    Line,
    OutputEntry,
    Shift,
    Site,
    Target,
)

MISSES_SHOWN = 3
OLDEST_ISSUES_SHOWN = 3
# Open-issue age buckets: (label, upper bound of the age); the last bucket is open-ended.
AGE_BUCKETS: tuple[tuple[str, timedelta | None], ...] = (
    ("< 1 day", timedelta(days=1)),
    ("1–3 days", timedelta(days=3)),
    ("> 3 days", None),
)
# The window searched first for the last safety issue.
SAFETY_RECENT = timedelta(days=31)
_CENT = Decimal("0.01")
_ONE_DAY = timedelta(days=1)

# (line id, shift id, production date) → units
InstanceKey = tuple[int, int, date]


@dataclass(frozen=True)
class InstanceOutput:
    """What one (line, shift, date) made, and when its first report came in."""

    good: int
    scrap: int
    first_reported_at: datetime


@dataclass(frozen=True)
class LineDay:
    """One line's production date: the per-line row of the digest."""

    line_id: int
    code: str
    name: str
    unit: str
    target: int | None
    good: int
    planned_good: int
    scrap: int
    delay_minutes: int
    main_delay_reason: str | None
    loss_cost: Decimal | None

    @property
    def attainment(self) -> float | None:
        return attainment(self.planned_good, self.target)

    @property
    def shortfall(self) -> int:
        return max(0, self.target - self.planned_good) if self.target else 0

    @property
    def scrap_rate(self) -> float | None:
        made = self.good + self.scrap
        return self.scrap / made if made else None


@dataclass(frozen=True)
class ParetoRow:
    reason: str
    minutes: int
    share: float
    cumulative_share: float


@dataclass(frozen=True)
class AgedIssue:
    line_code: str
    severity: str
    text: str
    age: timedelta


@dataclass(frozen=True)
class AgeBucket:
    label: str
    by_severity: dict[str, int]

    @property
    def count(self) -> int:
        return sum(self.by_severity.values())


@dataclass(frozen=True)
class IssueAges:
    buckets: list[AgeBucket]
    oldest: list[AgedIssue]

    @property
    def total(self) -> int:
        return sum(bucket.count for bucket in self.buckets)


@dataclass(frozen=True)
class PeriodAttainment:
    """Planned good output against target over ``first``..``last`` (both included)."""

    first: date
    last: date
    target: int
    actual: int

    @property
    def attainment(self) -> float | None:
        return attainment(self.actual, self.target)


@dataclass(frozen=True)
class MonthForecast:
    """Where the month ends at the current run-rate; see ``forecast_month_end``."""

    projected: int
    month_target: int

    @property
    def attainment(self) -> float | None:
        return attainment(self.projected, self.month_target)


@dataclass(frozen=True)
class Digest:
    site_name: str
    production_date: date
    lines: list[LineDay]
    misses: list[LineDay]
    pareto: list[ParetoRow]
    issues: IssueAges
    week: PeriodAttainment
    month: PeriodAttainment
    forecast: MonthForecast | None
    days_since_safety_issue: int | None

    @property
    def planned_lines(self) -> list[LineDay]:
        return [line for line in self.lines if line.target is not None]

    @property
    def total_target(self) -> int:
        return sum(line.target or 0 for line in self.lines)

    @property
    def total_planned_good(self) -> int:
        return sum(line.planned_good for line in self.planned_lines)

    @property
    def total_good(self) -> int:
        return sum(line.good for line in self.lines)

    @property
    def total_scrap(self) -> int:
        return sum(line.scrap for line in self.lines)

    @property
    def attainment(self) -> float | None:
        return attainment(self.total_planned_good, self.total_target)

    @property
    def scrap_rate(self) -> float | None:
        made = self.total_good + self.total_scrap
        return self.total_scrap / made if made else None

    @property
    def delay_minutes(self) -> int:
        return sum(row.minutes for row in self.pareto)

    @property
    def loss_cost(self) -> Decimal | None:
        """Total cost of losses, or None when no line has costs configured."""
        costs = [line.loss_cost for line in self.lines if line.loss_cost is not None]
        return sum(costs, Decimal(0)) if costs else None

    @property
    def has_production(self) -> bool:
        """Whether anything was planned or made: a day without either gets no digest."""
        return any(line.target is not None or line.good or line.scrap for line in self.lines)


# A target row as plain values: valid from, valid to, units.
_TargetRow = tuple[date | None, date | None, int]
# A calendar stop as the line keys and shift keys it covers; None covers all.
_Stop = tuple[frozenset[str] | None, frozenset[str] | None]


class TargetPlan:
    """Targets of a site's lines and shifts on any date in a range, without a query per date.

    Same rules as ``bot.numbers.production.target_for``: no target when the shift does not run that
    weekday or a calendar entry stops it; a dated override covering the date wins over the
    plant file's default, and among overrides the latest set wins. Rows are copied into plain
    tuples on load: a month of a 200-line site is some 20 000 look-ups, and ORM attribute
    access would dominate the digest's cost.
    """

    def __init__(
        self, *, lines: Sequence[Line], shifts: Sequence[Shift], first: date, last: date
    ) -> None:
        self.lines = [(line.id, line.code_key) for line in lines]
        self.shifts = [(shift.id, shift.name_key, frozenset(shift.weekdays)) for shift in shifts]
        self.first, self.last = first, last
        self._targets: dict[tuple[int, int], list[_TargetRow]] = defaultdict(list)
        self._stops: dict[date, list[_Stop]] = defaultdict(list)

    def load(self, session: Session, *, site_id: int) -> None:
        targets = session.scalars(
            select(Target).where(
                Target.line_id.in_([line_id for line_id, _ in self.lines]),
                or_(Target.valid_from.is_(None), Target.valid_from <= self.last),
                or_(Target.valid_to.is_(None), Target.valid_to >= self.first),
            )
        )
        for t in sorted(targets, key=lambda t: (t.valid_from is None, -t.id)):
            self._targets[(t.line_id, t.shift_id)].append((t.valid_from, t.valid_to, t.units))
        for entry in session.scalars(
            select(CalendarEntry).where(
                CalendarEntry.site_id == site_id,
                CalendarEntry.day >= self.first,
                CalendarEntry.day <= self.last,
            )
        ):
            self._stops[entry.day].append(
                (
                    frozenset(c.lower() for c in entry.line_codes) or None,
                    frozenset(s.lower() for s in entry.shift_names) or None,
                )
            )

    def target(self, line: Line, shift: Shift, day: date) -> int | None:
        if WEEKDAYS[day.weekday()] not in shift.weekdays:
            return None
        return self._target(line.id, line.code_key, shift.id, shift.name_key, day)

    def instances(self, first: date, last: date) -> dict[InstanceKey, int]:
        """Every planned (line, shift, date) from ``first`` to ``last`` with its target."""
        planned: dict[InstanceKey, int] = {}
        for day in _days(first, last):
            weekday = WEEKDAYS[day.weekday()]
            for shift_id, shift_key, weekdays in self.shifts:
                if weekday not in weekdays:
                    continue
                for line_id, line_key in self.lines:
                    units = self._target(line_id, line_key, shift_id, shift_key, day)
                    if units is not None:
                        planned[(line_id, shift_id, day)] = units
        return planned

    def _target(
        self, line_id: int, line_key: str, shift_id: int, shift_key: str, day: date
    ) -> int | None:
        for lines, shifts in self._stops.get(day, ()):
            if (lines is None or line_key in lines) and (shifts is None or shift_key in shifts):
                return None
        for valid_from, valid_to, units in self._targets.get((line_id, shift_id), ()):
            if (valid_from is None or valid_from <= day) and (valid_to is None or valid_to >= day):
                return units
        return None


def compute_digest(
    session: Session, *, site: Site, production_date: date, as_of: datetime
) -> Digest:
    """The digest of ``production_date``; issue ages are measured at ``as_of``."""
    lines = [line for line in site.lines if line.active]
    shifts = [shift for shift in site.shifts if shift.active]
    line_ids = [line.id for line in lines]
    week_start = production_date - timedelta(days=production_date.weekday())
    month_start = production_date.replace(day=1)
    month_end = _month_end(production_date)
    first = min(week_start, month_start)

    plan = TargetPlan(lines=lines, shifts=shifts, first=first, last=month_end)
    plan.load(session, site_id=site.id)
    planned = plan.instances(first, month_end)
    made = output_by_instance(session, line_ids=line_ids, first=first, last=production_date)
    delays = _delays_by_line_and_reason(session, line_ids=line_ids, day=production_date)

    line_days = _line_days(lines, production_date, planned, made, delays)
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
        forecast=forecast_month_end(
            planned, good, production_date=production_date, month_end=month_end
        ),
        days_since_safety_issue=days_since_safety_issue(
            session, line_ids=line_ids, production_date=production_date
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


def period_attainment(
    planned: dict[InstanceKey, int], made: dict[InstanceKey, int], *, first: date, last: date
) -> PeriodAttainment:
    keys = [key for key in planned if first <= key[2] <= last]
    return PeriodAttainment(
        first=first,
        last=last,
        target=sum(planned[key] for key in keys),
        actual=sum(made.get(key, 0) for key in keys),
    )


def forecast_month_end(
    planned: dict[InstanceKey, int],
    made: dict[InstanceKey, int],
    *,
    production_date: date,
    month_end: date,
) -> MonthForecast | None:
    """Month-end output if every line keeps its run-rate per planned shift so far.

    Per line: rate = good made on its planned shifts this month to date / the number of those
    shifts; projected = made so far + rate × planned shifts left this month (calendar stops
    excluded). A line with no planned shift yet this month is taken to make its remaining
    target. The plant's forecast is the sum over lines; None when the month has no target.
    """
    month_start = production_date.replace(day=1)
    done: dict[int, list[InstanceKey]] = defaultdict(list)
    left: dict[int, list[InstanceKey]] = defaultdict(list)
    for key in planned:
        if month_start <= key[2] <= production_date:
            done[key[0]].append(key)
        elif production_date < key[2] <= month_end:
            left[key[0]].append(key)
    month_target = sum(planned[key] for keys in (*done.values(), *left.values()) for key in keys)
    if not month_target:
        return None
    projected = 0.0
    for line_id in done.keys() | left.keys():
        so_far = sum(made.get(key, 0) for key in done[line_id])
        if done[line_id]:
            projected += so_far + so_far / len(done[line_id]) * len(left[line_id])
        else:
            projected += sum(planned[key] for key in left[line_id])
    return MonthForecast(projected=round(projected), month_target=month_target)


def open_issues_by_age(session: Session, *, lines: Sequence[Line], as_of: datetime) -> IssueAges:
    """Unresolved issues raised by ``as_of``, bucketed by age and counted by severity."""
    codes = {line.id: line.code for line in lines}
    issues = session.scalars(
        select(Issue)
        .where(
            Issue.status.in_([IssueStatus.OPEN, IssueStatus.ACKNOWLEDGED]),  # indexed
            Issue.line_id.in_(codes),
            Issue.raised_at <= as_of,
        )
        .order_by(Issue.raised_at, Issue.id)
    ).all()
    counts: list[dict[str, int]] = [defaultdict(int) for _ in AGE_BUCKETS]
    for issue in issues:
        counts[_age_bucket(as_of - issue.raised_at)][issue.severity.value] += 1
    return IssueAges(
        buckets=[
            AgeBucket(label, dict(count))
            for (label, _), count in zip(AGE_BUCKETS, counts, strict=True)
        ],
        oldest=[
            AgedIssue(codes[i.line_id], i.severity.value, i.text, as_of - i.raised_at)
            for i in issues[:OLDEST_ISSUES_SHOWN]
        ],
    )


def days_since_safety_issue(
    session: Session, *, line_ids: Sequence[int], production_date: date
) -> int | None:
    """Whole days from the last safety issue's production date; None if there never was one.

    Looks at the recent past first, a range the date index bounds; only a site without a safety
    issue in ``SAFETY_RECENT`` searches its whole history.
    """
    for since in (production_date - SAFETY_RECENT, None):
        last = session.scalar(
            select(func.max(Issue.production_date)).where(
                Issue.line_id.in_(line_ids),
                Issue.category == IssueCategory.SAFETY,
                Issue.production_date <= production_date,
                Issue.production_date > since if since else true(),
            )
        )
        if last is not None:
            return (production_date - last).days
    return None


def _line_days(
    lines: Sequence[Line],
    day: date,
    planned: dict[InstanceKey, int],
    made: dict[InstanceKey, InstanceOutput],
    delays: dict[int, dict[str, int]],
) -> list[LineDay]:
    targets: dict[int, list[int]] = defaultdict(list)
    for (line_id, _, key_day), units in planned.items():
        if key_day == day:
            targets[line_id].append(units)
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
            )
        )
    return rows


def output_by_instance(
    session: Session, *, line_ids: Sequence[int], first: date, last: date
) -> dict[InstanceKey, InstanceOutput]:
    """Output per (line, shift, date) over the range, summed in SQL; voided entries left out."""
    rows = session.execute(
        select(
            OutputEntry.line_id,
            OutputEntry.shift_id,
            OutputEntry.production_date,
            func.sum(OutputEntry.good),
            func.sum(OutputEntry.scrap),
            func.min(OutputEntry.reported_at),
        )
        .where(
            OutputEntry.line_id.in_(line_ids),
            OutputEntry.production_date >= first,
            OutputEntry.production_date <= last,
            OutputEntry.voided_at.is_(None),
        )
        .group_by(OutputEntry.line_id, OutputEntry.shift_id, OutputEntry.production_date)
    )
    return {
        (line, shift, day): InstanceOutput(int(good), int(scrap), reported_at)
        for line, shift, day, good, scrap, reported_at in rows
    }


def _delays_by_line_and_reason(
    session: Session, *, line_ids: Sequence[int], day: date
) -> dict[int, dict[str, int]]:
    rows = session.execute(
        select(DelayEntry.line_id, DelayEntry.reason, func.sum(DelayEntry.minutes))
        .where(
            DelayEntry.line_id.in_(line_ids),
            DelayEntry.production_date == day,
            DelayEntry.voided_at.is_(None),
        )
        .group_by(DelayEntry.line_id, DelayEntry.reason)
    )
    by_line: dict[int, dict[str, int]] = defaultdict(dict)
    for line_id, reason, minutes in rows:
        by_line[line_id][reason] = int(minutes)
    return by_line


def _sum_by_reason(per_line: Iterable[dict[str, int]]) -> dict[str, int]:
    total: dict[str, int] = defaultdict(int)
    for reasons in per_line:
        for reason, minutes in reasons.items():
            total[reason] += minutes
    return dict(total)


def _age_bucket(age: timedelta) -> int:
    for index, (_, upper) in enumerate(AGE_BUCKETS):
        if upper is None or age < upper:
            return index
    raise AssertionError("the last age bucket is open-ended")


def _month_end(day: date) -> date:
    next_month = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return next_month - _ONE_DAY


def _days(first: date, last: date) -> Iterable[date]:
    day = first
    while day <= last:
        yield day
        day += _ONE_DAY
