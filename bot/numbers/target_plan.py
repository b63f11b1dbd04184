"""Targets: the units each line is planned to make in each shift instance.

One rule decides the target of a line in a shift instance (line, shift, production date):

- none when the shift does not run on that weekday;
- none when a calendar entry stops it that day: an entry names some lines and some shifts, and
  leaving either out means all of them (codes and names compare case-insensitively);
- otherwise the units of the target row that covers the date, where a dated override (set with
  ``/prod target``) wins over the plant file's undated default, and among overrides the one set
  last wins; none when no row covers the date.

``TargetPlan`` loads the rows that rule needs for some lines and shifts over a date range in two
queries and applies it in Python. The digest resolves a month of a whole site that way, and
``bot.numbers.production.target_for`` is a plan of one line, one shift and one date.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, timedelta
from typing import Self

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.numbers.instances import InstanceKey
from bot.plant.shifts import WEEKDAYS
from bot.plant.snapshot import LineRef, ShiftRef
from models import CalendarEntry, Line, Shift, Target

# Rows are copied into plain tuples on load: a month of a 200-line site is some 20 000 look-ups,
# and ORM attribute access would dominate the digest's cost.
# A line: id, lower-cased code.
_LineRow = tuple[int, str]
# A shift: id, lower-cased name, the weekdays it starts on.
_ShiftRow = tuple[int, str, frozenset[str]]
# A target row: valid from, valid to (None: open-ended), units; dated overrides first, latest first.
_TargetRow = tuple[date | None, date | None, int]
# A calendar stop: the line keys and the shift keys it covers; None covers all.
_Stop = tuple[frozenset[str] | None, frozenset[str] | None]

_ONE_DAY = timedelta(days=1)


class _EveryLine(frozenset[str]):
    """The lines a site-wide calendar stop covers: all of them."""

    def __contains__(self, key: object) -> bool:
        return True


_EVERY_LINE = _EveryLine()
_Covered = frozenset[str]


class TargetPlan:
    """The targets of some lines and shifts on every date of ``first``..``last``; see ``load``."""

    def __init__(
        self,
        *,
        lines: Iterable[_LineRow],
        shifts: Iterable[_ShiftRow],
        first: date,
        last: date,
        targets: dict[tuple[int, int], list[_TargetRow]],
        stops: dict[date, list[_Stop]],
    ) -> None:
        self._lines = list(lines)
        self._shifts = list(shifts)
        self.first, self.last = first, last
        self._targets = targets
        self._stops = stops

    @classmethod
    def load(
        cls,
        session: Session,
        *,
        site_id: int,
        lines: Sequence[Line | LineRef],
        shifts: Sequence[Shift | ShiftRef],
        first: date,
        last: date,
    ) -> Self:
        """Read the target rows and calendar stops of the range (two queries; none when no shift
        runs on any of its days, as on a weekend)."""
        shift_rows = [_shift_row(shift) for shift in shifts]
        if not any(_runs(shift, day) for shift in shift_rows for day in _days(first, last)):
            return cls(lines=[], shifts=[], first=first, last=last, targets={}, stops={})
        rows = session.scalars(
            select(Target).where(
                Target.line_id.in_([line.id for line in lines]),
                Target.shift_id.in_([shift.id for shift in shifts]),
                or_(Target.valid_from.is_(None), Target.valid_from <= last),
                or_(Target.valid_to.is_(None), Target.valid_to >= first),
            )
        )
        targets: dict[tuple[int, int], list[_TargetRow]] = defaultdict(list)
        for t in sorted(rows, key=lambda t: (t.valid_from is None, -t.id)):
            targets[(t.line_id, t.shift_id)].append((t.valid_from, t.valid_to, t.units))
        entries = session.scalars(
            select(CalendarEntry).where(
                CalendarEntry.site_id == site_id,
                CalendarEntry.day >= first,
                CalendarEntry.day <= last,
            )
        )
        stops: dict[date, list[_Stop]] = defaultdict(list)
        for entry in entries:
            stops[entry.day].append(
                (
                    frozenset(c.lower() for c in entry.line_codes) or None,
                    frozenset(s.lower() for s in entry.shift_names) or None,
                )
            )
        return cls(
            lines=[_line_row(line) for line in lines],
            shifts=shift_rows,
            first=first,
            last=last,
            targets=targets,
            stops=stops,
        )

    def target(self, line: Line | LineRef, shift: Shift | ShiftRef, day: date) -> int | None:
        """The target of one shift instance of a line; None when it has none."""
        planned = self._planned(_shift_row(shift), day, [_line_row(line)])
        return next((units for _, units in planned), None)

    def instances(self) -> dict[InstanceKey, int]:
        """Every planned (line, shift, date) of the range, with its target."""
        return {
            (line_id, shift[0], day): units
            for day in _days(self.first, self.last)
            for shift in self._shifts
            for line_id, units in self._planned(shift, day, self._lines)
        }

    def runs(self, line: Line | LineRef, shift: Shift | ShiftRef, day: date) -> bool:
        """Whether production is planned in the shift instance, target or not: the shift runs
        on that weekday and no calendar entry stops the line in it."""
        shift_row = _shift_row(shift)
        return _runs(shift_row, day) and line.code_key not in self._stopped(shift_row, day)

    def _stopped(self, shift: _ShiftRow, day: date) -> _Covered:
        """The line keys the day's calendar stops take out of this shift (all of them when one
        stops the whole site)."""
        covered: set[str] = set()
        for keys, shifts in self._stops.get(day, ()):
            if shifts is None or shift[1] in shifts:
                if keys is None:
                    return _EVERY_LINE
                covered |= keys
        return frozenset(covered)

    def _planned(
        self, shift: _ShiftRow, day: date, lines: Iterable[_LineRow]
    ) -> Iterator[tuple[int, int]]:
        """(line id, units) of the ``lines`` with a target in this shift instance.

        The rule of the module docstring over the loaded rows, decided for many lines at once:
        the weekday and the day's calendar stops are looked at once per shift instance.
        """
        shift_id = shift[0]
        if not _runs(shift, day):
            return
        stopped = self._stopped(shift, day)
        for line_id, line_key in lines:
            if line_key in stopped:
                continue
            for start, end, units in self._targets.get((line_id, shift_id), ()):
                if (start is None or start <= day) and (end is None or end >= day):
                    yield line_id, units
                    break


def _line_row(line: Line | LineRef) -> _LineRow:
    return (line.id, line.code_key)


def _runs(shift: _ShiftRow, day: date) -> bool:
    return WEEKDAYS[day.weekday()] in shift[2]


def _shift_row(shift: Shift | ShiftRef) -> _ShiftRow:
    return (shift.id, shift.name_key, frozenset(shift.weekdays))


def _days(first: date, last: date) -> Iterable[date]:
    day = first
    while day <= last:
        yield day
        day += _ONE_DAY
