"""Pace against target within a shift, and which planned lines have not reported after it.

Plain functions over the database and shift instances; they know nothing of Slack. Each reads
all the lines of a site's shift instance at once: a fixed number of queries per site.

Breaks are planned but not placed at a clock time, so they are taken as spread evenly over the
shift: of any stretch of the shift, the share ``planned_minutes / duration`` is productive. The
shift's length comes from its real instants, so a night shift on a daylight-saving day has 7 or
9 hours. Spreading breaks evenly means they cancel out of the projection (which therefore agrees
with the live board's pace in ``bot.numbers.production``) but not out of the rate needed
from now: the remaining productive time is what the line has left to make up the gap.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.numbers.line_totals import ShiftTotals, totals_by_line
from bot.numbers.production import line_label
from bot.numbers.target_plan import TargetPlan
from bot.plant.people import people_by_line
from bot.plant.shifts import ShiftInstance
from models import Line, Role, Shift

# Before a quarter of the shift has passed the run-rate is too noisy to alert on.
PACE_CHECK_FROM_SHARE = 0.25


@dataclass(frozen=True)
class PaceProjection:
    """Where a line is heading: ``projected`` end-of-shift output, ``needed_rate`` units/hour."""

    actual: int
    target: int
    projected: float
    needed_rate: float | None

    @property
    def share(self) -> float:
        return self.projected / self.target


def productive_minutes_elapsed(instance: ShiftInstance, at: datetime) -> float:
    """Planned production minutes gone by ``at``, with breaks spread evenly over the shift."""
    duration = instance.duration.total_seconds()
    if not duration:
        return 0.0
    return instance.elapsed(at).total_seconds() / duration * instance.planned_minutes


def project_pace(
    *,
    actual: int,
    target: int,
    instance: ShiftInstance,
    at: datetime,
    reported_until: datetime | None = None,
) -> PaceProjection | None:
    """The run-rate so far carried to the shift's end; None before any productive time passed.

    The run-rate is over the time the reports cover (up to ``reported_until``, the latest
    report): with hourly reporting, judging at :30 by the clock would count half an hour that
    nobody has reported yet as lost. ``needed_rate`` is what the line must make per productive
    hour from ``at`` on to reach the target (0 once it is reached); None when no time is left.
    """
    covered_until = min(at, reported_until) if reported_until else at
    done = productive_minutes_elapsed(instance, covered_until)
    if target <= 0 or done <= 0:
        return None
    planned = instance.planned_minutes
    remaining_hours = (planned - productive_minutes_elapsed(instance, at)) / 60
    return PaceProjection(
        actual=actual,
        target=target,
        projected=actual / done * planned,
        needed_rate=max(0, target - actual) / remaining_hours if remaining_hours > 0 else None,
    )


@dataclass(frozen=True)
class LinePace:
    """One line's pace in a running shift instance, with what a message about it shows."""

    line_id: int
    line_code: str
    line_name: str
    unit: str
    channel_id: str | None
    instance: ShiftInstance
    zone: ZoneInfo
    at: datetime
    projection: PaceProjection


def compute_line_paces(
    session: Session, *, lines: Sequence[Line], shift: Shift, instance: ShiftInstance, at: datetime
) -> list[LinePace]:
    """The pace of each of the lines (of the shift's site) with something to judge, in a fixed
    number of queries however many lines.

    Nothing to judge: under a quarter of the shift gone, no target (not planned, or a calendar
    stop), or no output reported yet — without a single entry there is no run-rate, and a
    missing report is the ``missing-report`` job's business after the shift.
    """
    if not lines or instance.elapsed(at) < instance.duration * PACE_CHECK_FROM_SHARE:
        return []
    day = instance.production_date
    plan = _plan(session, lines, shift, day)
    totals = totals_by_line(
        session, line_ids=[line.id for line in lines], shift_id=shift.id, production_date=day
    )
    paces = []
    for line in lines:
        target = plan.target(line, shift, day)
        line_totals = totals.get(line.id)
        if not target or line_totals is None or not line_totals.output_entries:
            continue
        projection = project_pace(
            actual=line_totals.good,
            target=target,
            instance=instance,
            at=at,
            reported_until=line_totals.last_reported_at,
        )
        if projection is not None:
            paces.append(
                LinePace(
                    line_id=line.id,
                    **line_label(line),
                    channel_id=line.channel_id,
                    instance=instance,
                    zone=ZoneInfo(shift.site.timezone),
                    at=at,
                    projection=projection,
                )
            )
    return paces


@dataclass(frozen=True)
class MissingReport:
    """A planned line with no output entry for a shift instance that has ended."""

    line_id: int
    line_code: str
    channel_id: str | None
    instance: ShiftInstance
    zone: ZoneInfo
    leads: list[str]
    managers: list[str]


def missing_reports(
    session: Session, *, lines: Sequence[Line], shift: Shift, instance: ShiftInstance
) -> list[MissingReport]:
    """Active lines with a target for the instance and no (unvoided) output entry for it, in
    a fixed number of queries however many lines.

    A line counts as reported as soon as anyone entered output for it, so a line with several
    leads is reported by any one of them.
    """
    lines = [line for line in lines if line.active]
    if not lines:
        return []
    day = instance.production_date
    plan = _plan(session, lines, shift, day)
    totals = totals_by_line(
        session, line_ids=[line.id for line in lines], shift_id=shift.id, production_date=day
    )
    missing = [
        line
        for line in lines
        if plan.target(line, shift, day) and not totals.get(line.id, ShiftTotals()).output_entries
    ]
    if not missing:
        return []
    missing_ids = [line.id for line in missing]
    leads = people_by_line(session, line_ids=missing_ids, role=Role.LEAD)
    managers = people_by_line(session, line_ids=missing_ids, role=Role.MANAGER)
    return [
        MissingReport(
            line_id=line.id,
            line_code=line.code,
            channel_id=line.channel_id,
            instance=instance,
            zone=ZoneInfo(shift.site.timezone),
            leads=leads.get(line.id, []),
            managers=managers.get(line.id, []),
        )
        for line in missing
    ]


def _plan(session: Session, lines: Sequence[Line], shift: Shift, day: date) -> TargetPlan:
    """The targets of the lines in the shift's instance on ``day``."""
    return TargetPlan.load(
        session, site_id=shift.site_id, lines=lines, shifts=[shift], first=day, last=day
    )
