"""Planned against made over a period: a line's row in a report, the plant's totals, the week and
the month to date, and where the month is heading.

Attainment counts a shift instance only when it had a target: output on a shift that did not run
or was stopped by the calendar is shown as made but is left out of every attainment figure.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Generic, TypeVar

from bot.numbers.instances import InstanceKey
from bot.numbers.production import attainment, scrap_rate


@dataclass(frozen=True)
class LinePeriod:
    """One line over a period (a day, a week): what it was planned to make, made and lost.

    ``target`` is None when none of its shift instances was planned; ``planned_good`` is the good
    output of its planned shift instances, ``good`` and ``scrap`` count every instance.
    """

    line_id: int
    code: str
    unit: str
    target: int | None
    good: int
    planned_good: int
    scrap: int
    delay_minutes: int

    @property
    def has_production(self) -> bool:
        """Whether anything was planned or made: a line with neither was idle."""
        return self.target is not None or bool(self.good or self.scrap)

    @property
    def attainment(self) -> float | None:
        return attainment(self.planned_good, self.target)

    @property
    def scrap_rate(self) -> float | None:
        return scrap_rate(self.good, self.scrap)


LineT = TypeVar("LineT", bound=LinePeriod)


class PlantPeriod(Generic[LineT]):
    """The plant's totals over a report's ``lines`` (mixed into the report's dataclass)."""

    lines: Sequence[LineT]

    @property
    def planned_lines(self) -> list[LineT]:
        return [line for line in self.lines if line.target is not None]

    @property
    def total_target(self) -> int:
        return sum(line.target or 0 for line in self.lines)

    @property
    def total_planned_good(self) -> int:
        return sum(line.planned_good for line in self.planned_lines)

    @property
    def attainment(self) -> float | None:
        return attainment(self.total_planned_good, self.total_target)

    @property
    def has_production(self) -> bool:
        """Whether anything was planned or made: a period with neither gets no report."""
        return any(line.has_production for line in self.lines)


@dataclass(frozen=True)
class PeriodAttainment:
    """Good output against target over ``first``..``last`` (both included).

    ``actual`` is what planned shift instances made, or for a forecast what they are expected to
    make by ``last`` (``forecast_month_end``).
    """

    first: date
    last: date
    target: int
    actual: int

    @property
    def attainment(self) -> float | None:
        return attainment(self.actual, self.target)


def period_attainment(
    planned: dict[InstanceKey, int], made: dict[InstanceKey, int], *, first: date, last: date
) -> PeriodAttainment:
    keys = [key for key in planned if first <= key[2] <= last]
    return PeriodAttainment(
        first=first,
        last=last,
        target=sum(planned[key] for key in keys),
        actual=sum(made.get(key, 0) for key in keys),
    )


def forecast_month_end(
    planned: dict[InstanceKey, int],
    made: dict[InstanceKey, int],
    *,
    production_date: date,
    month_end: date,
) -> PeriodAttainment | None:
    """The month's output if every line keeps its run-rate per planned shift so far.

    Per line: rate = good made on its planned shifts this month to date / the number of those
    shifts; projected = made so far + rate × planned shifts left this month (calendar stops
    excluded). A line with no planned shift yet this month is taken to make its remaining
    target. The plant's forecast is the sum over lines; None when the month has no target.
    """
    month_start = production_date.replace(day=1)
    done: dict[int, list[InstanceKey]] = defaultdict(list)
    left: dict[int, list[InstanceKey]] = defaultdict(list)
    for key in planned:
        if month_start <= key[2] <= production_date:
            done[key[0]].append(key)
        elif production_date < key[2] <= month_end:
            left[key[0]].append(key)
    month_target = sum(planned[key] for keys in (*done.values(), *left.values()) for key in keys)
    if not month_target:
        return None
    projected = 0.0
    for line_id in done.keys() | left.keys():
        so_far = sum(made.get(key, 0) for key in done[line_id])
        if done[line_id]:
            projected += so_far + so_far / len(done[line_id]) * len(left[line_id])
        else:
            projected += sum(planned[key] for key in left[line_id])
    return PeriodAttainment(
        first=month_start, last=month_end, target=month_target, actual=round(projected)
    )


def month_end(day: date) -> date:
    """The last day of ``day``'s month."""
    next_month = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return next_month - timedelta(days=1)
