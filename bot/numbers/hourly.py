"""The lean hour-by-hour board of one line's shift instance: per clock hour of the site's local
time, the units planned, the units reported, and the cumulative gap.

Plain functions over the database; they know nothing of Slack. Voided entries never count.

- The hours are the shift's real clock hours in the site's zone, cut at each local ``:00``: a
  22:00–06:00 shift crosses midnight, and on a daylight-saving night it has 7 hours (the
  spring-forward hour is missing) or 9 (the fall-back hour appears twice, once per UTC offset).
  A shift that does not start or end on the hour has a part hour first or last.
- Planned units spread the shift's target over its planned minutes pro rata. The breaks are
  taken as spread evenly over the shift (where they really fall is not recorded), so each hour
  plans ``target × its minutes / the shift's real minutes``. The cumulative plan is rounded to
  whole units at each hour's end, so the hours' plans are whole and add up to the target.
- Actual units are the good units of the output entries reported (``reported_at``) in the hour.
  Leads report at the end of each hour, so a report in the first ``END_OF_HOUR_REPORT`` of an
  hour is the count of the hour just ended (07:00 and 07:10 count for 06:00–07:00). An entry
  reported before the shift started counts in the first hour, one reported after it ended (the
  end-of-shift report) in the last.
- The gap is cumulative actual − cumulative planned, signed; None without a target.
"""

import math
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.numbers.instances import COUNTED_OUTPUT
from bot.plant.shifts import ShiftInstance
from models import OutputEntry

_HOUR = timedelta(hours=1)
END_OF_HOUR_REPORT = timedelta(minutes=15)


@dataclass(frozen=True)
class HourBucket:
    """One clock hour (or part hour) of a shift: ``start`` and ``end`` are aware UTC instants."""

    start: datetime
    end: datetime

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60


@dataclass(frozen=True)
class HourRow:
    """One row of the hour-by-hour board."""

    start: datetime  # aware, in the site's zone: its wall time and UTC offset label the row
    planned: int | None
    actual: int
    gap: int | None  # cumulative actual − cumulative planned


def hour_buckets(instance: ShiftInstance, zone: ZoneInfo) -> list[HourBucket]:
    """The shift's real clock hours in ``zone``, cut at each local ``:00``; none for a shift of
    zero length."""
    buckets: list[HourBucket] = []
    start = instance.start
    while start < instance.end:
        end = min(_next_local_hour(start, zone), instance.end)
        buckets.append(HourBucket(start, end))
        start = end
    return buckets


def _next_local_hour(at: datetime, zone: ZoneInfo) -> datetime:
    """The first instant after ``at`` whose local time in ``zone`` is on the hour."""
    local = at.astimezone(zone)
    into_hour = timedelta(
        minutes=local.minute, seconds=local.second, microseconds=local.microsecond
    )
    candidate = at - into_hour + _HOUR
    # An offset that changes by a part hour (Lord Howe Island) moves the local :00; read again.
    into_hour = timedelta(minutes=candidate.astimezone(zone).minute)
    return candidate - into_hour if candidate - into_hour > at else candidate


def planned_by_hour(buckets: list[HourBucket], target: int | None) -> list[int | None]:
    """Each hour's planned units: the target pro rata over real time (breaks spread evenly),
    rounded on the cumulative plan so the hours add up to the target."""
    if target is None:
        return [None] * len(buckets)
    total = sum(bucket.minutes for bucket in buckets)
    planned: list[int | None] = []
    elapsed, before = 0.0, 0
    for bucket in buckets:
        elapsed += bucket.minutes
        cumulative = math.floor(target * elapsed / total + 0.5) if total else 0
        planned.append(cumulative - before)
        before = cumulative
    return planned


def actual_by_hour(buckets: list[HourBucket], reports: Iterable[tuple[datetime, int]]) -> list[int]:
    """Good units per hour of the ``(reported_at, good)`` reports, each in the hour it closes
    (see the module docstring); early ones count in the first hour, late ones in the last."""
    actual = [0] * len(buckets)
    if not buckets:
        return actual
    starts = [bucket.start for bucket in buckets]
    for reported_at, good in reports:
        closes = _as_utc(reported_at) - END_OF_HOUR_REPORT
        index = max(0, bisect_right(starts, closes) - 1)
        actual[index] += good
    return actual


def hour_rows(
    instance: ShiftInstance,
    zone: ZoneInfo,
    target: int | None,
    reports: Iterable[tuple[datetime, int]],
) -> list[HourRow]:
    """The hour-by-hour rows of the shift from its reports; pure, for the tests and callers that
    have the reports already."""
    buckets = hour_buckets(instance, zone)
    planned = planned_by_hour(buckets, target)
    actual = actual_by_hour(buckets, reports)
    rows: list[HourRow] = []
    made, plan = 0, 0
    for bucket, planned_units, actual_units in zip(buckets, planned, actual, strict=True):
        made += actual_units
        plan += planned_units or 0
        rows.append(
            HourRow(
                start=bucket.start.astimezone(zone),
                planned=planned_units,
                actual=actual_units,
                gap=None if target is None else made - plan,
            )
        )
    return rows


def compute_hour_by_hour(
    session: Session,
    *,
    line_id: int,
    instance: ShiftInstance,
    zone: ZoneInfo,
    target: int | None,
) -> list[HourRow]:
    """The hour-by-hour rows of one line's shift instance: one query, for its unvoided output."""
    rows = compute_hours_by_line(session, targets={line_id: target}, instance=instance, zone=zone)
    return rows[line_id]


def compute_hours_by_line(
    session: Session,
    *,
    targets: Mapping[int, int | None],
    instance: ShiftInstance,
    zone: ZoneInfo,
) -> dict[int, list[HourRow]]:
    """The hour-by-hour rows of each line of ``targets`` (line id → its target) in one shift
    instance: one query for all the lines' unvoided output."""
    reports: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    rows = session.execute(
        select(OutputEntry.line_id, OutputEntry.reported_at, OutputEntry.good).where(
            OutputEntry.line_id.in_(list(targets)),
            OutputEntry.shift_id == instance.shift_id,
            OutputEntry.production_date == instance.production_date,
            COUNTED_OUTPUT,
        )
    )
    for line_id, reported_at, good in rows:
        reports[line_id].append((reported_at, good))
    return {
        line_id: hour_rows(instance, zone, target, reports[line_id])
        for line_id, target in targets.items()
    }


def repeated_hours(rows: Iterable[HourRow]) -> set[tuple[date, int, int]]:
    """The local wall times (date, hour, minute) that start more than one row: the fall-back
    hour of a daylight-saving night, which only its UTC offset tells apart."""
    seen: set[tuple[date, int, int]] = set()
    repeated: set[tuple[date, int, int]] = set()
    for row in rows:
        wall = (row.start.date(), row.start.hour, row.start.minute)
        (repeated if wall in seen else seen).add(wall)
    return repeated


def _as_utc(value: datetime) -> datetime:
    """SQLite hands back a naive UTC instant."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value
