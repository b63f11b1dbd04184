"""What the floor screen shows: one tile per active line of a site, for the shift running now.

One fixed number of queries per site, however many lines it has: the site, its lines and
shifts, the targets (``TargetPlan``), output and delays grouped by line, and open issues counted
by line and severity. Nothing here knows who reported what or what they wrote: the screen hangs
on the shop floor, so it gets numbers, counts and times only.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.numbers.line_totals import totals_by_line
from bot.numbers.production import ShiftTotals, attainment, losses_so_far, pace
from bot.numbers.target_plan import TargetPlan
from bot.plant.file import alerts_of
from bot.plant.shifts import ShiftInstance, latest_shift_instance
from models import Issue, IssueStatus, Line, Severity, Shift, Site

# After a shift ends, its tiles stay this long (the last reports of a shift come in late).
ENDED_SHIFT_SHOWN_FOR = timedelta(minutes=30)
SEVERITIES = sorted(Severity, key=lambda severity: -severity.rank)


@dataclass(frozen=True)
class LineTile:
    """One line's tile: its numbers for the shown shift instance."""

    line_code: str
    line_name: str
    unit: str
    planned: bool  # the line runs the shown shift (not stopped, not off that shift)
    target: int | None
    totals: ShiftTotals
    pace: float | None
    oee: float | None
    # severity -> open (not resolved) issues of the line, worst severity first, zeros left out
    open_issues: dict[str, int] = field(default_factory=dict)
    # No machine data exists yet: the slot is kept so the screen has room for it.
    machine_state: str | None = None

    @property
    def attainment(self) -> float | None:
        return attainment(self.totals.good, self.target)


@dataclass(frozen=True)
class FloorView:
    site_name: str
    zone: ZoneInfo
    at: datetime
    shift_name: str | None  # None: no shift running or just ended
    instance: ShiftInstance | None
    pace_alert: float  # below this pace a line is behind (the site's ``[alerts]``)
    tiles: list[LineTile]


def compute_floor(session: Session, *, site_id: int, at: datetime) -> FloorView | None:
    """The floor screen of site ``site_id`` at ``at``; None when there is no such site."""
    site = session.get(Site, site_id)
    if site is None:
        return None
    zone = ZoneInfo(site.timezone)
    lines = list(
        session.scalars(
            select(Line).where(Line.site_id == site_id, Line.active).order_by(Line.code_key)
        )
    )
    shifts = list(session.scalars(select(Shift).where(Shift.site_id == site_id, Shift.active)))
    instance = latest_shift_instance(shifts, zone, at, ended_within=ENDED_SHIFT_SHOWN_FOR)
    shift = next((s for s in shifts if instance and s.id == instance.shift_id), None)
    pace_alert = alerts_of(site).pace_alert
    if instance is None or shift is None or not lines:
        return FloorView(site.name, zone, at, None, None, pace_alert, [])
    day = instance.production_date
    plan = TargetPlan.load(
        session, site_id=site_id, lines=lines, shifts=[shift], first=day, last=day
    )
    totals = totals_by_line(
        session,
        line_ids=[line.id for line in lines],
        shift_id=shift.id,
        production_date=day,
        delays_are_reports=True,
    )
    issues = _open_issues_by_line(session, [line.id for line in lines])
    tiles = []
    for line in lines:
        line_totals = totals.get(line.id, ShiftTotals())
        target = plan.target(line, shift, day)
        planned = plan.runs(line, shift, day)
        losses = None
        if planned:
            losses = losses_so_far(
                line_totals,
                ideal_rate=line.ideal_rate,
                categories=site.loss_categories,
                instance=instance,
                at=at,
            )
        tiles.append(
            LineTile(
                line_code=line.code,
                line_name=line.name,
                unit=line.unit,
                planned=planned,
                target=target,
                totals=line_totals,
                pace=pace(line_totals.good, target, instance, at),
                oee=losses.oee if losses is not None else None,
                open_issues=issues.get(line.id, {}),
            )
        )
    return FloorView(site.name, zone, at, shift.name, instance, pace_alert, tiles)


def _open_issues_by_line(session: Session, line_ids: list[int]) -> dict[int, dict[str, int]]:
    rows = session.execute(
        select(Issue.line_id, Issue.severity, func.count())
        .where(Issue.line_id.in_(line_ids), Issue.status != IssueStatus.RESOLVED)
        .group_by(Issue.line_id, Issue.severity)
    ).all()
    counts: dict[int, dict[Severity, int]] = defaultdict(dict)
    for line_id, severity, count in rows:
        counts[line_id][Severity(severity)] = int(count)
    return {
        line_id: {s.value: by_severity[s] for s in SEVERITIES if by_severity.get(s)}
        for line_id, by_severity in counts.items()
    }
