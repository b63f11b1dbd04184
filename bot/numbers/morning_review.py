"""The morning review's sections around delivery: safety, quality by scrap reason, the cost of
losses against the monthly budget, reporting discipline, and the issues touched since the last
review. Plain functions over the database, each a fixed number of queries bounded by a date or
time range; ``bot.numbers.digest`` puts them together.
"""

import calendar
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.numbers.discipline import Discipline
from bot.numbers.instances import COUNTED_OUTPUT
from models import Issue, IssueCategory, IssueEvent, IssueStatus, Line, OutputEntry

SCRAP_REASONS_SHOWN = 3
# An issue's production date is its shift's start date: a night shift's issue raised after
# midnight is dated the day before. Reading one day either side finds every issue raised in the
# 24 hours before the review through the (line, production date) index.
_RAISED_WINDOW = timedelta(days=1)


def safety_on(session: Session, *, line_ids: Sequence[int], day: date) -> tuple[int, int]:
    """(safety issues, near misses) raised in shifts of ``day``."""
    rows = session.execute(
        select(Issue.category, func.count())
        .where(
            Issue.line_id.in_(line_ids),
            Issue.production_date == day,
            Issue.category.in_([IssueCategory.SAFETY, IssueCategory.NEAR_MISS]),
        )
        .group_by(Issue.category)
    )
    counts = {category: int(count) for category, count in rows}
    return counts.get(IssueCategory.SAFETY, 0), counts.get(IssueCategory.NEAR_MISS, 0)


@dataclass(frozen=True)
class ScrapReason:
    """A line's scrap of one reason on the day, and its share of what the line made."""

    line_code: str
    unit: str
    reason: str
    units: int
    share: float


def top_scrap_reasons(
    session: Session, *, lines: Sequence[Line], day: date, limit: int = SCRAP_REASONS_SHOWN
) -> list[ScrapReason]:
    """The (line, reason) pairs that scrapped the largest share of their line's output.

    Shares, not units: cases and kegs do not add up or compare. No reason counts as ``other``.
    """
    line_of = {line.id: line for line in lines}
    reason = func.coalesce(OutputEntry.scrap_reason, "other")
    rows = session.execute(
        select(OutputEntry.line_id, reason, func.sum(OutputEntry.scrap), func.sum(OutputEntry.good))
        .where(
            OutputEntry.line_id.in_(line_of),
            OutputEntry.production_date == day,
            COUNTED_OUTPUT,
        )
        .group_by(OutputEntry.line_id, reason)
    ).all()
    made: dict[int, int] = defaultdict(int)
    for line_id, _, scrap, good in rows:
        made[line_id] += int(scrap) + int(good)
    found = [
        ScrapReason(
            line_of[line_id].code,
            line_of[line_id].unit,
            str(why),
            int(scrap),
            scrap / made[line_id],
        )
        for line_id, why, scrap, _ in rows
        if scrap
    ]
    return sorted(found, key=lambda r: (-r.share, r.line_code, r.reason))[:limit]


@dataclass(frozen=True)
class CostToDate:
    """The cost of losses of the day and of the month to date, against the monthly budget."""

    day: Decimal
    month_to_date: Decimal
    budget: Decimal | None
    days_elapsed: int
    days_in_month: int

    @property
    def forecast(self) -> Decimal:
        """The month at the month-to-date daily rate, to the cent."""
        per_day = self.month_to_date / self.days_elapsed
        return (per_day * self.days_in_month).quantize(Decimal("0.01"))

    @property
    def budget_used(self) -> float | None:
        return float(self.month_to_date / self.budget) if self.budget else None

    @property
    def over_budget(self) -> bool:
        return self.budget is not None and self.forecast > self.budget


def cost_to_date(
    *, day_cost: Decimal, month_cost: Decimal, budget: Decimal | None, day: date
) -> CostToDate:
    return CostToDate(
        day=day_cost,
        month_to_date=month_cost,
        budget=budget,
        days_elapsed=day.day,
        days_in_month=calendar.monthrange(day.year, day.month)[1],
    )


@dataclass(frozen=True)
class People:
    """Reporting discipline on the day: planned shifts reported on time, late, or not at all,
    with the late and missing ones named (``"L3 Night"``)."""

    discipline: Discipline
    late: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class IssueChange:
    status: IssueStatus
    by: str
    at: datetime


@dataclass(frozen=True)
class TouchedIssue:
    """An issue raised, acknowledged or resolved since the last review, as it stands now."""

    line_code: str
    severity: str
    category: str | None
    text: str
    status: IssueStatus
    raised_at: datetime
    # What happened in the window, raising included (its first event is OPEN).
    changes: tuple[IssueChange, ...] = field(default_factory=tuple)


def issues_touched(
    session: Session, *, lines: Sequence[Line], since: datetime, until: datetime
) -> list[TouchedIssue]:
    """Every issue of ``lines`` raised or changed in (``since``, ``until``], raised first.

    Two queries: the issues raised in the window (through the production-date index) or changed
    in it (through the events' time index), then their events of the window.
    """
    codes: Mapping[int, str] = {line.id: line.code for line in lines}
    changed = select(IssueEvent.issue_id).where(IssueEvent.at > since, IssueEvent.at <= until)
    first_day = (since - _RAISED_WINDOW).date()
    last_day = (until + _RAISED_WINDOW).date()
    issues = session.scalars(
        select(Issue)
        .where(
            Issue.line_id.in_(codes),
            or_(
                (Issue.production_date.between(first_day, last_day))
                & (Issue.raised_at > since)
                & (Issue.raised_at <= until),
                Issue.id.in_(changed),
            ),
        )
        .order_by(Issue.raised_at, Issue.id)
    ).all()
    events: dict[int, list[IssueChange]] = defaultdict(list)
    for event in session.scalars(
        select(IssueEvent)
        .where(
            IssueEvent.issue_id.in_([issue.id for issue in issues]),
            IssueEvent.at > since,
            IssueEvent.at <= until,
        )
        .order_by(IssueEvent.at, IssueEvent.id)
    ):
        events[event.issue_id].append(IssueChange(event.status, event.by, event.at))
    return [
        TouchedIssue(
            line_code=codes[issue.line_id],
            severity=issue.severity.value,
            category=issue.category.value if issue.category else None,
            text=issue.text,
            status=issue.status,
            raised_at=issue.raised_at,
            changes=tuple(events[issue.id]),
        )
        for issue in issues
    ]
