"""Repeat problems: the same delay reason on the same line 3 times in 7 days.

A (line, reason) *repeats on day D* when at least ``OCCURRENCES`` non-voided delay entries of
that reason on that line have a production date in the ``WINDOW`` of seven days ending on D.
The days on which it repeats form *streaks*: a streak starts on the first such day and ends when
a day no longer has enough entries in its window.

**Raised once per streak** (``bot.records.repeat_issues``). The issue's ``request_key`` is
``repeat:{line_id}:{reason}:{start}`` with ``start`` the streak's first day, found by walking
back from the day examined. Every day of a streak walks back to the same start, so examining any
of its days, in any order, any number of times, by any number of processes, names the same
issue; the unique constraint on ``Issue.request_key`` settles a race. A new streak after a quiet
week raises a new issue. The walk back is bounded by ``LONGEST_STREAK``; a streak older than
that keeps the latest repeat issue of its (line, reason) rather than raising a new one every
day. However many streaks, however long, finding them costs three queries.
"""

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from models import DelayEntry, Issue, Site

OCCURRENCES = 3
WINDOW = timedelta(days=7)
LONGEST_STREAK = timedelta(days=56)
KEY_PREFIX = "repeat"
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class RepeatProblem:
    """A streak of one (line, reason), with the figures of the window ending on ``day``."""

    line_id: int
    line_code: str
    reason: str
    since: date
    day: date
    occurrences: int
    minutes: int
    first_seen: date
    last_seen: date
    last_shift_id: int

    @property
    def request_key(self) -> str:
        return f"{KEY_PREFIX}:{self.line_id}:{self.reason}:{self.since.isoformat()}"

    @property
    def is_new(self) -> bool:
        """Whether the streak started on the day examined: the third time just happened."""
        return self.since == self.day


@dataclass(frozen=True)
class _Delay:
    day: date
    minutes: int
    shift_id: int


def find_repeat_problems(
    session: Session, *, site: Site, first: date, last: date
) -> list[RepeatProblem]:
    """Each streak that repeats on some day from ``first`` to ``last``, as of its last such day.

    Read-only. Only (line, reason) pairs with enough entries in the range's windows (one grouped
    query) have their entries loaded, back to ``LONGEST_STREAK`` before ``first``.
    """
    codes = {line.id: line.code for line in site.lines if line.active}
    candidates = {
        (line_id, reason)
        for line_id, reason in session.execute(
            select(DelayEntry.line_id, DelayEntry.reason)
            .where(*_entries_between(codes, first - WINDOW + _ONE_DAY, last))
            .group_by(DelayEntry.line_id, DelayEntry.reason)
            .having(func.count(DelayEntry.id) >= OCCURRENCES)
        )
    }
    if not candidates:
        return []
    floor = first - LONGEST_STREAK
    delays: dict[tuple[int, str], list[_Delay]] = defaultdict(list)
    for line_id, reason, day, minutes, shift_id in session.execute(
        select(
            DelayEntry.line_id,
            DelayEntry.reason,
            DelayEntry.production_date,
            DelayEntry.minutes,
            DelayEntry.shift_id,
        )
        .where(
            *_entries_between(
                {line_id for line_id, _ in candidates}, floor - WINDOW + _ONE_DAY, last
            ),
            DelayEntry.reason.in_(sorted({reason for _, reason in candidates})),
        )
        .order_by(DelayEntry.production_date, DelayEntry.id)
    ):
        if (line_id, reason) in candidates:
            delays[(line_id, reason)].append(_Delay(day, minutes, shift_id))
    streaks = [
        (line_id, reason, streak)
        for (line_id, reason), entries in sorted(delays.items())
        for streak in _streaks(entries, first=first, last=last, floor=floor)
    ]
    raised = _latest_raised_starts(
        session, {(line_id, reason) for line_id, reason, (since, _, _) in streaks if since == floor}
    )
    problems = [
        RepeatProblem(
            line_id=line_id,
            line_code=codes[line_id],
            reason=reason,
            since=raised.get((line_id, reason), floor) if since == floor else since,
            day=day,
            occurrences=len(window),
            minutes=sum(delay.minutes for delay in window),
            first_seen=window[0].day,
            last_seen=window[-1].day,
            last_shift_id=window[-1].shift_id,
        )
        for line_id, reason, (since, day, window) in streaks
    ]
    return sorted(problems, key=lambda p: (p.line_code, -p.minutes, p.reason, p.since))


def _entries_between(
    line_ids: Collection[int], first: date, last: date
) -> list[ColumnElement[bool]]:
    return [
        DelayEntry.line_id.in_(sorted(line_ids)),
        DelayEntry.production_date >= first,
        DelayEntry.production_date <= last,
        DelayEntry.voided_at.is_(None),
    ]


def _streaks(
    delays: Sequence[_Delay], *, first: date, last: date, floor: date
) -> Iterator[tuple[date, date, Sequence[_Delay]]]:
    """(start, last day it repeats in range, that day's window) for each streak in the range."""
    days = [delay.day for delay in delays]
    since: date | None = None
    found: tuple[date, date, Sequence[_Delay]] | None = None
    day = first
    while day <= last:
        window = delays[bisect_left(days, day - WINDOW + _ONE_DAY) : bisect_right(days, day)]
        if len(window) < OCCURRENCES:
            since = None
        else:
            if since is None:
                if found:
                    yield found
                since = _streak_start(days, day, floor=floor)
            found = (since, day, window)
        day += _ONE_DAY
    if found:
        yield found


def _streak_start(days: Sequence[date], day: date, *, floor: date) -> date:
    """The first day of the streak ``day`` is in, walking back no further than ``floor``."""
    start = day
    while start > floor:
        before = start - _ONE_DAY
        if bisect_right(days, before) - bisect_left(days, before - WINDOW + _ONE_DAY) < OCCURRENCES:
            break
        start = before
    return start


def _latest_raised_starts(
    session: Session, pairs: Collection[tuple[int, str]]
) -> dict[tuple[int, str], date]:
    """The start of the latest streak of each (line, reason) raised as an issue, from its key.

    One query for all the pairs: the keys of their repeat issues (one per streak ever raised).
    """
    if not pairs:
        return {}
    prefixes = {f"{KEY_PREFIX}:{line_id}:{reason}": (line_id, reason) for line_id, reason in pairs}
    latest: dict[tuple[int, str], date] = {}
    keys = session.scalars(
        select(Issue.request_key).where(
            Issue.line_id.in_(sorted({line_id for line_id, _ in pairs})),
            or_(
                *(
                    Issue.request_key.startswith(f"{prefix}:", autoescape=True)
                    for prefix in sorted(prefixes)
                )
            ),
        )
    )
    for prefix, start in (key.rsplit(":", 1) for key in filter(None, keys)):
        pair, since = prefixes.get(prefix), date.fromisoformat(start)
        if pair is not None and (pair not in latest or since > latest[pair]):
            latest[pair] = since
    return latest
