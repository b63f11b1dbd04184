"""Shift resolution in a site's local time: which shift instance an instant belongs to.

Pure functions over shift patterns (anything shaped like ``models.Shift``); no database, no Slack.

A shift instance is a pattern on a *production date*, the local date on which it started. Its
start and end are real UTC instants, so on daylight-saving days a 22:00–06:00 shift lasts 7 or
9 hours. Local wall-clock times are turned into instants with ``fold=0`` (zoneinfo's default):

- a time inside a spring-forward gap is read with the offset in force before the gap, so it
  lands as far after the gap as it was into it (02:30 in Europe/Berlin on 2026-03-29 is
  03:30 CEST);
- a time repeated by a fall-back fold is its first occurrence (the summer-time one).

A shift that would end before it starts because of a gap (say 02:30–03:00 on spring-forward day)
has zero length.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_ONE_DAY = timedelta(days=1)


class ShiftPattern(Protocol):
    """What shift resolution needs of a shift; ``models.Shift`` has exactly this."""

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def start(self) -> time: ...
    @property
    def end(self) -> time: ...
    @property
    def weekdays(self) -> Sequence[str]: ...
    @property
    def break_minutes(self) -> int: ...


@dataclass(frozen=True)
class ShiftInstance:
    """One occurrence of a shift pattern; ``start`` and ``end`` are aware UTC instants."""

    shift_id: int
    shift_name: str
    production_date: date
    start: datetime
    end: datetime
    break_minutes: int

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    @property
    def planned_minutes(self) -> int:
        """Minutes of planned production: the real length less the breaks, never negative."""
        return max(0, int(self.duration.total_seconds() // 60) - self.break_minutes)

    def contains(self, at: datetime) -> bool:
        return self.start <= at < self.end

    def elapsed(self, at: datetime) -> timedelta:
        """Time gone since the start, clipped to ``[0, duration]``."""
        return min(max(at - self.start, timedelta(0)), self.duration)


def local_date(at: datetime, zone: ZoneInfo) -> date:
    return at.astimezone(zone).date()


def runs_on(pattern: ShiftPattern, production_date: date) -> bool:
    return WEEKDAYS[production_date.weekday()] in pattern.weekdays


def shift_instance(pattern: ShiftPattern, production_date: date, zone: ZoneInfo) -> ShiftInstance:
    """The instance of ``pattern`` starting on ``production_date`` (whether or not it runs then)."""
    end_date = production_date + _ONE_DAY if pattern.end <= pattern.start else production_date
    start = _instant(production_date, pattern.start, zone)
    end = max(_instant(end_date, pattern.end, zone), start)
    return ShiftInstance(
        shift_id=pattern.id,
        shift_name=pattern.name,
        production_date=production_date,
        start=start,
        end=end,
        break_minutes=pattern.break_minutes,
    )


def shift_in_progress(
    patterns: Iterable[ShiftPattern], zone: ZoneInfo, at: datetime
) -> ShiftInstance | None:
    """The running instance containing ``at``; of overlapping ones, the one that started last."""
    today = local_date(at, zone)
    running = [
        instance
        for instance in _scheduled(patterns, zone, today - _ONE_DAY, today)
        if instance.contains(at)
    ]
    return max(running, key=_by_start, default=None)


def latest_shift_instance(
    patterns: Iterable[ShiftPattern], zone: ZoneInfo, at: datetime, *, ended_within: timedelta
) -> ShiftInstance | None:
    """The shift in progress, else the one that ended last, at most ``ended_within`` before."""
    patterns = list(patterns)
    running = shift_in_progress(patterns, zone, at)
    if running is not None:
        return running
    first = local_date(at - ended_within, zone) - _ONE_DAY
    ended = [
        instance
        for instance in _scheduled(patterns, zone, first, local_date(at, zone))
        if at - ended_within <= instance.end <= at
    ]
    return max(ended, key=lambda instance: (instance.end, *_by_start(instance)), default=None)


def latest_started_instance(
    pattern: ShiftPattern, zone: ZoneInfo, at: datetime, *, search_days: int = 8
) -> ShiftInstance | None:
    """The most recent instance of ``pattern`` that started at or before ``at``.

    Looks at ``search_days`` production dates back from today, so the default finds a
    once-a-week shift.
    """
    today = local_date(at, zone)
    for days_back in range(search_days):
        production_date = today - timedelta(days=days_back)
        if runs_on(pattern, production_date):
            instance = shift_instance(pattern, production_date, zone)
            if instance.start <= at:
                return instance
    return None


def instances_between(
    patterns: Iterable[ShiftPattern], zone: ZoneInfo, start: datetime, end: datetime
) -> list[ShiftInstance]:
    """Every scheduled instance that starts in ``[start, end)``, in order of start."""
    if end <= start:
        return []
    first = local_date(start, zone) - _ONE_DAY
    found = [
        instance
        for instance in _scheduled(patterns, zone, first, local_date(end, zone))
        if start <= instance.start < end
    ]
    return sorted(found, key=_by_start)


def _instant(day: date, wall_time: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, wall_time, tzinfo=zone).astimezone(UTC)


def _scheduled(
    patterns: Iterable[ShiftPattern], zone: ZoneInfo, first: date, last: date
) -> list[ShiftInstance]:
    """Instances of the patterns that run on each production date from ``first`` to ``last``."""
    patterns = list(patterns)
    instances: list[ShiftInstance] = []
    day = first
    while day <= last:
        instances.extend(
            shift_instance(pattern, day, zone) for pattern in patterns if runs_on(pattern, day)
        )
        day += _ONE_DAY
    return instances


def _by_start(instance: ShiftInstance) -> tuple[datetime, int]:
    """Order by start; the shift id breaks ties so results never depend on input order."""
    return (instance.start, instance.shift_id)
