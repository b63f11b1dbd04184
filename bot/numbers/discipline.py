"""Reporting discipline: whether each planned shift instance was reported by its deadline (the
shift's end plus the site's ``report_grace_minutes``), late, or not at all."""

from dataclasses import dataclass
from datetime import datetime

from bot.numbers.instances import InstanceOutput


@dataclass(frozen=True)
class Discipline:
    """How the planned shifts of a line (or the plant) were reported."""

    on_time: int = 0
    late: int = 0
    missing: int = 0

    @property
    def shifts(self) -> int:
        return self.on_time + self.late + self.missing

    @property
    def share(self) -> float | None:
        """Share of shifts reported on time; None when no planned shift was due."""
        return self.on_time / self.shifts if self.shifts else None

    def __add__(self, other: "Discipline") -> "Discipline":
        return Discipline(
            self.on_time + other.on_time, self.late + other.late, self.missing + other.missing
        )


def judge(made: InstanceOutput | None, deadline: datetime) -> Discipline:
    """One planned shift instance: on time when its first report came by ``deadline``."""
    if made is None:
        return Discipline(missing=1)
    if made.first_reported_at <= deadline:
        return Discipline(on_time=1)
    return Discipline(late=1)
