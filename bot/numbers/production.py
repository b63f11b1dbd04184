"""Production numbers of a line's shift instance (its live board) and of its production day
(``/prod status``): target, actual, pace, delays, issues.

Plain functions over the database; they know nothing of Slack. Voided entries never count. The
sums come from ``bot.numbers.line_totals``, read for all the lines shown at once
(``compute_shift_boards``, ``compute_site_status``): a fixed number of queries per site. Its
``ShiftTotals``, ``OpenIssue`` and ``scrap_rate`` are still named from here by their readers.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypedDict
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.numbers.instances import COUNTED_OUTPUT
from bot.numbers.line_totals import (
    OpenIssue,
    ShiftTotals,
    open_issues_by_line,
    operators_good_by_line,
    totals_by_line,
)
from bot.numbers.line_totals import scrap_rate as scrap_rate
from bot.numbers.loss_model import Losses, categorised
from bot.numbers.target_plan import TargetPlan
from bot.plant.shifts import ShiftInstance, latest_shift_instance, local_date, shift_instance
from bot.plant.snapshot import LineRef, ShiftRef
from models import Line, OutputEntry, Shift

# Before this share of a shift has passed, a projection is mostly noise.
PACE_MIN_ELAPSED_SHARE = 0.05


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
    totals = totals_by_line(
        session, line_ids=[line_id], shift_id=shift_id, production_date=production_date
    )
    return totals.get(line_id, ShiftTotals())


def open_issues(session: Session, *, line_id: int) -> list[OpenIssue]:
    return open_issues_by_line(session, line_ids=[line_id]).get(line_id, [])


def compute_shift_board(
    session: Session, *, line: Line, shift: Shift, production_date: date, at: datetime
) -> ShiftBoardView:
    (view,) = compute_shift_boards(
        session, lines=[line], shift=shift, production_date=production_date, at=at
    )
    return view


def compute_shift_boards(
    session: Session,
    *,
    lines: Sequence[Line],
    shift: Shift,
    production_date: date,
    at: datetime,
    plan: TargetPlan | None = None,
) -> list[ShiftBoardView]:
    """The boards of some lines of the shift's site in one shift instance, in their order.

    A fixed number of queries however many lines: the target plan (unless one covering the
    instance is given), output, delays, open issues, and the operators' counts when a line is
    counted by both.
    """
    site = shift.site
    zone = ZoneInfo(site.timezone)
    instance = shift_instance(shift, production_date, zone)
    if plan is None:
        plan = TargetPlan.load(
            session,
            site_id=site.id,
            lines=lines,
            shifts=[shift],
            first=production_date,
            last=production_date,
        )
    line_ids = [line.id for line in lines]
    totals = totals_by_line(
        session, line_ids=line_ids, shift_id=shift.id, production_date=production_date
    )
    issues = open_issues_by_line(session, line_ids=line_ids)
    operators = operators_good_by_line(
        session, lines=lines, shift_id=shift.id, production_date=production_date
    )
    views = []
    for line in lines:
        target = plan.target(line, shift, production_date)
        line_totals = totals.get(line.id, ShiftTotals())
        losses = None
        if plan.runs(line, shift, production_date):
            losses = losses_so_far(
                line_totals,
                ideal_rate=line.ideal_rate,
                categories=site.loss_categories,
                instance=instance,
                at=at,
            )
        views.append(
            ShiftBoardView(
                **line_label(line),
                instance=instance,
                zone=zone,
                target=target,
                totals=line_totals,
                pace=pace(line_totals.good, target, instance, at),
                open_issues=issues.get(line.id, []),
                at=at,
                losses=losses,
                operators_good=operators.get(line.id),
            )
        )
    return views


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
    (status,) = _line_statuses(session, [line], at=at, late_window=late_window)
    return status


def compute_site_status(
    session: Session, *, site_id: int, line_ids: Sequence[int], at: datetime, late_window: timedelta
) -> list[LineStatus]:
    """``/prod status`` of the site's lines ``line_ids``, in that order: a fixed number of
    queries however many lines (the lines, the site's shifts, the day's target plan, the
    current shift's boards, the day's output)."""
    lines = session.scalars(select(Line).where(Line.site_id == site_id, Line.id.in_(line_ids)))
    by_id = {line.id: line for line in lines}
    return _line_statuses(
        session, [by_id[line_id] for line_id in line_ids], at=at, late_window=late_window
    )


def _line_statuses(
    session: Session, lines: Sequence[Line], *, at: datetime, late_window: timedelta
) -> list[LineStatus]:
    """The status of ``lines``, all of one site."""
    if not lines:
        return []
    site = lines[0].site
    zone = ZoneInfo(site.timezone)
    shifts = [shift for shift in site.shifts if shift.active]
    instance = latest_shift_instance(shifts, zone, at, ended_within=late_window)
    day = instance.production_date if instance else local_date(at, zone)
    plan = TargetPlan.load(
        session, site_id=site.id, lines=lines, shifts=shifts, first=day, last=day
    )
    boards: list[ShiftBoardView | None] = [None] * len(lines)
    if instance is not None:
        shift = next(s for s in shifts if s.id == instance.shift_id)
        boards = list(
            compute_shift_boards(
                session, lines=lines, shift=shift, production_date=day, at=at, plan=plan
            )
        )
    made = session.execute(
        select(OutputEntry.line_id, func.sum(OutputEntry.good))
        .where(
            OutputEntry.line_id.in_([line.id for line in lines]),
            OutputEntry.production_date == day,
            COUNTED_OUTPUT,
        )
        .group_by(OutputEntry.line_id)
    )
    day_actual = {line_id: int(good) for line_id, good in made}
    statuses = []
    for line, board in zip(lines, boards, strict=True):
        targets = [t for s in shifts if (t := plan.target(line, s, day)) is not None]
        statuses.append(
            LineStatus(
                **line_label(line),
                shift=board,
                day=day,
                day_target=sum(targets) if targets else None,
                day_actual=day_actual.get(line.id, 0),
            )
        )
    return statuses
