"""The loss model's inputs read from the database: each shift instance's planned time, output by
scrap reason and delays by loss category (``bot.numbers.loss_model`` does the arithmetic).

A shift instance counts when production was planned in it (its shift runs that weekday and no
calendar entry stops the line) and someone reported output or a delay in it. A shift nobody
reported is not 0 % OEE: it is unknown, and the reviews name it as unreported. Two grouped
queries per range, whatever the number of lines or entries; voided entries never count.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from bot.numbers.instances import COUNTED_OUTPUT, InstanceKey
from bot.numbers.loss_model import Losses, categorised
from bot.numbers.target_plan import TargetPlan
from bot.plant.shifts import shift_instance
from models import DelayEntry, Line, LossCategory, OutputEntry, Site

STARTUP_SCRAP = "startup"


def losses_by_instance(
    session: Session,
    *,
    site: Site,
    lines: Sequence[Line],
    first: date,
    last: date,
    plan: TargetPlan | None = None,
) -> dict[InstanceKey, Losses]:
    """The losses of every counted shift instance of ``lines`` over ``first``..``last``.

    ``plan`` is a target plan already loaded for (at least) these lines, shifts and dates; the
    calendar is read from it.
    """
    shifts = [shift for shift in site.shifts if shift.active]
    line_ids = [line.id for line in lines]
    if not line_ids or not shifts:
        return {}
    if plan is None:
        plan = TargetPlan.load(
            session, site_id=site.id, lines=lines, shifts=shifts, first=first, last=last
        )
    made = _output(session, line_ids, first, last)
    stopped, breakdowns = _stops(session, line_ids, first, last, site.loss_categories)
    zone = ZoneInfo(site.timezone)
    line_of = {line.id: line for line in lines}
    shift_of = {shift.id: shift for shift in shifts}
    losses: dict[InstanceKey, Losses] = {}
    for key in made.keys() | stopped.keys():
        line_id, shift_id, day = key
        line, shift = line_of.get(line_id), shift_of.get(shift_id)
        if line is None or shift is None or not plan.runs(line, shift, day):
            continue
        good, startup_scrap, production_scrap = made.get(key, (0, 0, 0))
        losses[key] = Losses(
            planned_minutes=shift_instance(shift, day, zone).planned_minutes,
            stop_minutes=dict(stopped.get(key, {})),
            good=good,
            startup_scrap=startup_scrap,
            production_scrap=production_scrap,
            ideal_rate=line.ideal_rate,
            breakdowns=breakdowns.get(key, 0),
            instances=1,
        )
    return losses


def by_line(losses: dict[InstanceKey, Losses]) -> dict[int, Losses]:
    """Instances summed per line."""
    summed: dict[int, Losses] = {}
    for (line_id, _, _), one in sorted(losses.items()):
        summed[line_id] = summed[line_id] + one if line_id in summed else one
    return summed


def _output(
    session: Session, line_ids: Sequence[int], first: date, last: date
) -> dict[InstanceKey, tuple[int, int, int]]:
    """(good, startup scrap, production scrap) per instance; a scrap without a reason is
    production scrap (it counts as ``other``)."""
    instance = (OutputEntry.line_id, OutputEntry.shift_id, OutputEntry.production_date)
    startup = OutputEntry.scrap_reason == STARTUP_SCRAP
    rows = session.execute(
        select(
            *instance,
            func.sum(OutputEntry.good),
            func.sum(case((startup, OutputEntry.scrap), else_=0)),
            func.sum(case((startup, 0), else_=OutputEntry.scrap)),
        )
        .where(
            OutputEntry.line_id.in_(line_ids),
            OutputEntry.production_date.between(first, last),
            COUNTED_OUTPUT,
        )
        .group_by(*instance)
    )
    return {
        (line, shift, day): (int(good), int(startup_scrap), int(production_scrap))
        for line, shift, day, good, startup_scrap, production_scrap in rows
    }


def _stops(
    session: Session, line_ids: Sequence[int], first: date, last: date, categories: dict[str, str]
) -> tuple[dict[InstanceKey, dict[LossCategory, int]], dict[InstanceKey, int]]:
    """Delay minutes per instance and loss category, and the breakdowns counted per instance."""
    instance = (DelayEntry.line_id, DelayEntry.shift_id, DelayEntry.production_date)
    rows = session.execute(
        select(*instance, DelayEntry.reason, func.sum(DelayEntry.minutes), func.count())
        .where(
            DelayEntry.line_id.in_(line_ids),
            DelayEntry.production_date.between(first, last),
            DelayEntry.voided_at.is_(None),
        )
        .group_by(*instance, DelayEntry.reason)
    )
    delays: dict[InstanceKey, list[tuple[str, int, int]]] = defaultdict(list)
    for line, shift, day, reason, lost, count in rows:
        delays[(line, shift, day)].append((reason, int(lost), int(count)))
    minutes: dict[InstanceKey, dict[LossCategory, int]] = {}
    breakdowns: dict[InstanceKey, int] = {}
    for key, of_instance in delays.items():
        minutes[key], breakdowns[key] = categorised(of_instance, categories)
    return minutes, breakdowns
