"""Production numbers for one line and shift instance: target, actual, pace, delays, issues.

Plain functions over the database; they know nothing of Slack. Voided entries never count.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TypedDict
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from bot.numbers.instances import COUNTED_OUTPUT
from bot.numbers.loss_model import Losses, categorised
from bot.numbers.oee import STARTUP_SCRAP
from bot.numbers.target_plan import TargetPlan
from bot.plant.shifts import ShiftInstance, latest_shift_instance, local_date, shift_instance
from bot.plant.snapshot import LineRef, ShiftRef
from models import DelayEntry, Issue, IssueStatus, Line, OutputEntry, Shift

# Before this share of a shift has passed, a projection is mostly noise.
PACE_MIN_ELAPSED_SHARE = 0.05


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


@dataclass(frozen=True)
class ShiftBoardView:
    """Everything the live board of one line's shift instance shows."""

    line_code: str
    line_name: str
    unit: str
    instance: ShiftInstance
    zone: ZoneInfo
    target: int | None
    totals: ShiftTotals
    pace: float | None
    open_issues: list[OpenIssue]
    at: datetime
    # The loss model so far (planned time: the elapsed share of the shift's); None when the
    # shift is not counted (not planned, or nothing reported) or too young to tell.
    losses: Losses | None = None
    # A line counted by both (docs/machines.md): the good units its operators reported, kept
    # beside the machine's count (``totals.good``); None on other lines.
    operators_good: int | None = None

    @property
    def attainment(self) -> float | None:
        return attainment(self.totals.good, self.target)


class LineLabel(TypedDict):
    """How a view names its line; spread into the views that show one (``**line_label(line)``)."""

    line_code: str
    line_name: str
    unit: str


def line_label(line: Line) -> LineLabel:
    return LineLabel(line_code=line.code, line_name=line.name, unit=line.unit)


def attainment(actual: int, target: int | None) -> float | None:
    return actual / target if target else None


def scrap_rate(good: int, scrap: int) -> float | None:
    """Scrap as a share of all that was made; None when nothing was."""
    made = good + scrap
    return scrap / made if made else None


def projected_output(actual: int, instance: ShiftInstance, at: datetime) -> float | None:
    """End-of-shift output at the run-rate so far.

    Breaks are taken as spread evenly over the shift, so the productive share elapsed equals
    the share of the shift's real length elapsed (DST days included).
    """
    share = instance.elapsed(at) / instance.duration
    if share < PACE_MIN_ELAPSED_SHARE:
        return None
    return actual / share


def pace(actual: int, target: int | None, instance: ShiftInstance, at: datetime) -> float | None:
    """Projected end-of-shift output as a share of target (1.0 = on target)."""
    projection = projected_output(actual, instance, at)
    if projection is None or not target:
        return None
    return projection / target


def target_for(
    session: Session, *, line: Line | LineRef, shift: Shift | ShiftRef, production_date: date
) -> int | None:
    """Units planned for the shift instance; None when it has no target.

    The rule (shift not running, calendar stops, dated overrides over the plant file's default)
    is ``TargetPlan``'s, here applied to one line, shift and date.
    """
    return instance_plan(session, line, shift, production_date).target(line, shift, production_date)


def instance_plan(
    session: Session, line: Line | LineRef, shift: Shift | ShiftRef, production_date: date
) -> TargetPlan:
    """The target plan of one line's shift instance (its target, whether it runs)."""
    return TargetPlan.load(
        session,
        site_id=line.site_id,
        lines=[line],
        shifts=[shift],
        first=production_date,
        last=production_date,
    )


def shift_totals(
    session: Session, *, line_id: int, shift_id: int, production_date: date
) -> ShiftTotals:
    startup = OutputEntry.scrap_reason == STARTUP_SCRAP
    good, scrap, entries, last_reported_at, startup_scrap = session.execute(
        select(
            func.coalesce(func.sum(OutputEntry.good), 0),
            func.coalesce(func.sum(OutputEntry.scrap), 0),
            func.count(OutputEntry.id),
            func.max(OutputEntry.reported_at),
            func.coalesce(func.sum(case((startup, OutputEntry.scrap), else_=0)), 0),
        ).where(
            OutputEntry.line_id == line_id,
            OutputEntry.production_date == production_date,
            OutputEntry.shift_id == shift_id,
            COUNTED_OUTPUT,
        )
    ).one()
    delays = session.execute(
        select(DelayEntry.reason, func.sum(DelayEntry.minutes), func.count())
        .where(
            DelayEntry.line_id == line_id,
            DelayEntry.production_date == production_date,
            DelayEntry.shift_id == shift_id,
            DelayEntry.voided_at.is_(None),
        )
        .group_by(DelayEntry.reason)
    ).all()
    by_reason = {reason: int(minutes) for reason, minutes, _ in delays}
    by_reason = dict(sorted(by_reason.items(), key=lambda item: (-item[1], item[0])))
    return ShiftTotals(
        int(good),
        int(scrap),
        int(entries),
        _as_utc(last_reported_at),
        sum(by_reason.values()),
        by_reason,
        startup_scrap=int(startup_scrap),
        delays_counted={reason: int(count) for reason, _, count in delays},
    )


def _as_utc(value: datetime | None) -> datetime | None:
    """Aggregates bypass the column type, so SQLite hands back a naive UTC instant."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def open_issues(session: Session, *, line_id: int) -> list[OpenIssue]:
    issues = session.scalars(
        select(Issue)
        .where(Issue.line_id == line_id, Issue.status != IssueStatus.RESOLVED)
        .order_by(Issue.raised_at)
    )
    ordered = sorted(issues, key=lambda issue: -issue.severity.rank)
    return [OpenIssue(i.id, i.severity.value, i.text, i.status.value) for i in ordered]


def compute_shift_board(
    session: Session, *, line: Line, shift: Shift, production_date: date, at: datetime
) -> ShiftBoardView:
    zone = ZoneInfo(line.site.timezone)
    instance = shift_instance(shift, production_date, zone)
    plan = instance_plan(session, line, shift, production_date)
    target = plan.target(line, shift, production_date)
    totals = shift_totals(
        session, line_id=line.id, shift_id=shift.id, production_date=production_date
    )
    losses = None
    if plan.runs(line, shift, production_date):
        losses = losses_so_far(
            totals,
            ideal_rate=line.ideal_rate,
            categories=line.site.loss_categories,
            instance=instance,
            at=at,
        )
    return ShiftBoardView(
        **line_label(line),
        instance=instance,
        zone=zone,
        target=target,
        totals=totals,
        pace=pace(totals.good, target, instance, at),
        open_issues=open_issues(session, line_id=line.id),
        at=at,
        losses=losses,
        operators_good=operators_good(
            session, line=line, shift_id=shift.id, production_date=production_date
        ),
    )


def operators_good(
    session: Session, *, line: Line, shift_id: int, production_date: date
) -> int | None:
    """On a line counted by both, the good units its operators reported (not counted)."""
    if line.counting != "both":
        return None
    return int(
        session.scalar(
            select(func.coalesce(func.sum(OutputEntry.good), 0)).where(
                OutputEntry.line_id == line.id,
                OutputEntry.shift_id == shift_id,
                OutputEntry.production_date == production_date,
                OutputEntry.source == "operator",
                OutputEntry.voided_at.is_(None),
            )
        )
        or 0
    )


def losses_so_far(
    totals: ShiftTotals,
    *,
    ideal_rate: float | None,
    categories: Mapping[str, str],
    instance: ShiftInstance,
    at: datetime,
) -> Losses | None:
    """The loss model of a planned shift instance up to ``at``, from totals already read.

    The same numbers ``bot.numbers.oee.losses_by_instance`` reads (its query would cost the
    board four more), except that planned time is the elapsed share of the shift's planned
    minutes (breaks spread evenly), all of them once it has ended. None when nothing was
    reported (not counted, never 0 %) or before ``PACE_MIN_ELAPSED_SHARE`` of the shift.
    """
    if not (totals.output_entries or totals.delays_by_reason) or not instance.duration:
        return None
    share = instance.elapsed(at) / instance.duration
    if share < PACE_MIN_ELAPSED_SHARE:
        return None
    stops, breakdowns = categorised(
        (
            (reason, lost, totals.delays_counted.get(reason, 0))
            for reason, lost in totals.delays_by_reason.items()
        ),
        categories,
    )
    return Losses(
        planned_minutes=instance.planned_minutes * share,
        stop_minutes=stops,
        good=totals.good,
        startup_scrap=totals.startup_scrap,
        production_scrap=totals.scrap - totals.startup_scrap,
        ideal_rate=ideal_rate,
        breakdowns=breakdowns,
        instances=1,
    )


@dataclass(frozen=True)
class LineStatus:
    """``/prod status`` for one line: its current shift and the production day so far."""

    line_code: str
    line_name: str
    unit: str
    shift: ShiftBoardView | None
    day: date
    day_target: int | None
    day_actual: int


def compute_line_status(
    session: Session, *, line: Line, at: datetime, late_window: timedelta
) -> LineStatus:
    zone = ZoneInfo(line.site.timezone)
    shifts = [shift for shift in line.site.shifts if shift.active]
    instance = latest_shift_instance(shifts, zone, at, ended_within=late_window)
    board = None
    if instance is not None:
        shift = next(s for s in shifts if s.id == instance.shift_id)
        board = compute_shift_board(
            session, line=line, shift=shift, production_date=instance.production_date, at=at
        )
    day = instance.production_date if instance else local_date(at, zone)
    targets = [
        target
        for shift in shifts
        if (target := target_for(session, line=line, shift=shift, production_date=day)) is not None
    ]
    day_actual = session.scalar(
        select(func.coalesce(func.sum(OutputEntry.good), 0)).where(
            OutputEntry.line_id == line.id,
            OutputEntry.production_date == day,
            COUNTED_OUTPUT,
        )
    )
    return LineStatus(
        **line_label(line),
        shift=board,
        day=day,
        day_target=sum(targets) if targets else None,
        day_actual=int(day_actual or 0),
    )
