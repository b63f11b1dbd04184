"""What lines made and lost over a range of production dates, summed in SQL.

The daily digest and the weekly review read their output and delays here, so the cost of a
report is bounded by its date range over the ``(line_id, production_date)`` indexes and does not
grow with the site's history. Voided entries never count.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from models import DelayEntry, OutputEntry

# The output entries every number counts: not voided, and not an operator's count kept beside
# the machine's on a line counted by both (``counted`` false, docs/machines.md).
COUNTED_OUTPUT: ColumnElement[bool] = and_(
    OutputEntry.voided_at.is_(None), OutputEntry.counted.is_(True)
)

# A shift instance of a line: (line id, shift id, production date).
InstanceKey = tuple[int, int, date]


@dataclass(frozen=True)
class InstanceOutput:
    """What one (line, shift, date) made, and when its first report came in."""

    good: int
    scrap: int
    first_reported_at: datetime


def output_by_instance(
    session: Session, *, line_ids: Sequence[int], first: date, last: date
) -> dict[InstanceKey, InstanceOutput]:
    """Output per (line, shift, date) over ``first``..``last``."""
    instance = (OutputEntry.line_id, OutputEntry.shift_id, OutputEntry.production_date)
    rows = session.execute(
        select(
            *instance,
            func.sum(OutputEntry.good),
            func.sum(OutputEntry.scrap),
            func.min(OutputEntry.reported_at),
        )
        .where(*_counted(OutputEntry, line_ids=line_ids, first=first, last=last))
        .group_by(*instance)
    )
    return {
        (line, shift, day): InstanceOutput(int(good), int(scrap), reported_at)
        for line, shift, day, good, scrap, reported_at in rows
    }


@dataclass(frozen=True)
class DelaySum:
    """Minutes a line lost to one reason on one production date."""

    line_id: int
    reason: str
    day: date
    minutes: int


def delays_by_day(
    session: Session, *, line_ids: Sequence[int], first: date, last: date
) -> list[DelaySum]:
    """Minutes lost per (line, reason, date) over ``first``..``last``."""
    keys = (DelayEntry.line_id, DelayEntry.reason, DelayEntry.production_date)
    rows = session.execute(
        select(*keys, func.sum(DelayEntry.minutes))
        .where(*_counted(DelayEntry, line_ids=line_ids, first=first, last=last))
        .group_by(*keys)
    )
    return [DelaySum(line, reason, day, int(minutes)) for line, reason, day, minutes in rows]


def scrap_between(session: Session, *, line_ids: Sequence[int], first: date, last: date) -> int:
    """Scrap units of the lines over ``first``..``last``."""
    total = session.scalar(
        select(func.coalesce(func.sum(OutputEntry.scrap), 0)).where(
            *_counted(OutputEntry, line_ids=line_ids, first=first, last=last)
        )
    )
    return int(total or 0)


def _counted(
    entry: type[OutputEntry] | type[DelayEntry], *, line_ids: Sequence[int], first: date, last: date
) -> tuple[ColumnElement[bool], ...]:
    """The conditions of the lines' unvoided entries dated ``first``..``last``."""
    return (
        entry.line_id.in_(line_ids),
        entry.production_date >= first,
        entry.production_date <= last,
        COUNTED_OUTPUT if entry is OutputEntry else entry.voided_at.is_(None),
    )
