"""What lines made, lost and have open in one shift instance, read for many lines at once.

Each read costs the same query or two however many lines it is given, so that ``/prod status``,
the boards and the shift jobs cost a fixed number of queries per site. Voided entries never
count.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from bot.numbers.instances import COUNTED_OUTPUT
from bot.numbers.issues import unresolved
from bot.numbers.oee import STARTUP_SCRAP
from models import DelayEntry, Issue, Line, OutputEntry


def scrap_rate(good: int, scrap: int) -> float | None:
    """Scrap as a share of all that was made; None when nothing was."""
    made = good + scrap
    return scrap / made if made else None


@dataclass(frozen=True)
class ShiftTotals:
    good: int = 0
    scrap: int = 0
    output_entries: int = 0
    last_reported_at: datetime | None = None
    delay_minutes: int = 0
    delays_by_reason: dict[str, int] = field(default_factory=dict)
    startup_scrap: int = 0  # of ``scrap``, the startup rejects
    delays_counted: dict[str, int] = field(default_factory=dict)  # delay entries per reason

    @property
    def scrap_rate(self) -> float | None:
        return scrap_rate(self.good, self.scrap)


@dataclass(frozen=True)
class OpenIssue:
    id: int
    severity: str
    text: str
    status: str


def totals_by_line(
    session: Session,
    *,
    line_ids: Sequence[int],
    shift_id: int,
    production_date: date,
    delays_are_reports: bool = False,
) -> dict[int, ShiftTotals]:
    """Output and delays of the lines in one shift instance: two queries however many lines;
    a line with neither is left out. The last report is the last output entry's time, or with
    ``delays_are_reports`` (the floor screen) the last output or delay entry's."""
    startup = OutputEntry.scrap_reason == STARTUP_SCRAP
    outputs = session.execute(
        select(
            OutputEntry.line_id,
            func.coalesce(func.sum(OutputEntry.good), 0),
            func.coalesce(func.sum(OutputEntry.scrap), 0),
            func.count(OutputEntry.id),
            func.max(OutputEntry.reported_at),
            func.coalesce(func.sum(case((startup, OutputEntry.scrap), else_=0)), 0),
        )
        .where(
            OutputEntry.line_id.in_(line_ids),
            OutputEntry.production_date == production_date,
            OutputEntry.shift_id == shift_id,
            COUNTED_OUTPUT,
        )
        .group_by(OutputEntry.line_id)
    )
    made = {line_id: sums for line_id, *sums in outputs}
    delays = session.execute(
        select(
            DelayEntry.line_id,
            DelayEntry.reason,
            func.sum(DelayEntry.minutes),
            func.count(),
            func.max(DelayEntry.reported_at),
        )
        .where(
            DelayEntry.line_id.in_(line_ids),
            DelayEntry.production_date == production_date,
            DelayEntry.shift_id == shift_id,
            DelayEntry.voided_at.is_(None),
        )
        .group_by(DelayEntry.line_id, DelayEntry.reason)
    )
    lost: dict[int, dict[str, int]] = defaultdict(dict)
    counted: dict[int, dict[str, int]] = defaultdict(dict)
    last_delay: dict[int, datetime] = {}
    for line_id, reason, minutes, count, last in delays:
        lost[line_id][reason] = int(minutes)
        counted[line_id][reason] = int(count)
        if delays_are_reports:
            last_delay[line_id] = max(filter(None, (last_delay.get(line_id), _as_utc(last))))
    totals = {}
    for line_id in made.keys() | lost.keys():
        good, scrap, entries, last_reported_at, startup_scrap = made.get(
            line_id, (0, 0, 0, None, 0)
        )
        by_reason = dict(sorted(lost[line_id].items(), key=lambda item: (-item[1], item[0])))
        reports = [t for t in (_as_utc(last_reported_at), last_delay.get(line_id)) if t]
        totals[line_id] = ShiftTotals(
            int(good),
            int(scrap),
            int(entries),
            max(reports, default=None),
            sum(by_reason.values()),
            by_reason,
            startup_scrap=int(startup_scrap),
            delays_counted=counted[line_id],
        )
    return totals


def open_issues_by_line(session: Session, *, line_ids: Sequence[int]) -> dict[int, list[OpenIssue]]:
    """The lines' issues not resolved, worst first (the longest raised first within a severity):
    one query however many lines; a line with none is left out."""
    issues = session.scalars(
        select(Issue).where(Issue.line_id.in_(line_ids), unresolved()).order_by(Issue.raised_at)
    )
    by_line: dict[int, list[OpenIssue]] = defaultdict(list)
    for i in sorted(issues, key=lambda issue: -issue.severity.rank):
        by_line[i.line_id].append(OpenIssue(i.id, i.severity.value, i.text, i.status.value))
    return by_line


def operators_good_by_line(
    session: Session, *, lines: Sequence[Line], shift_id: int, production_date: date
) -> dict[int, int]:
    """Of the lines counted by both, the good units their operators reported (not counted);
    one query, none when no line is counted by both."""
    both = [line.id for line in lines if line.counting == "both"]
    if not both:
        return {}
    rows = session.execute(
        select(OutputEntry.line_id, func.coalesce(func.sum(OutputEntry.good), 0))
        .where(
            OutputEntry.line_id.in_(both),
            OutputEntry.shift_id == shift_id,
            OutputEntry.production_date == production_date,
            OutputEntry.source == "operator",
            OutputEntry.voided_at.is_(None),
        )
        .group_by(OutputEntry.line_id)
    )
    return {line_id: 0 for line_id in both} | {line_id: int(good) for line_id, good in rows}


def _as_utc(value: datetime | None) -> datetime | None:
    """Aggregates bypass the column type, so SQLite hands back a naive UTC instant (and
    PostgreSQL an aware one)."""
    if value is None:
        return None
    if isinstance(value, str):  # SQLite's MAX() over a DATETIME column may give its text
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
