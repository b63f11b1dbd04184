"""What the leads report, written straight into the database, and a plant with sixty lines: for
the tests of the scheduled reports (daily digest, weekly review)."""

from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Line, OutputEntry, Shift
from tests.conftest import SAMPLE_PLANT

LEAD = "U0LEAD0001"


class Report(Protocol):
    """The ``report`` fixture: ``report("L1", "A", day, good, scrap)`` adds an output entry."""

    def __call__(
        self, line_code: str, shift_name: str, day: date, good: int, scrap: int = 0
    ) -> None: ...


def add_output(
    session: Session,
    line_code: str,
    shift_name: str,
    day: date,
    good: int,
    scrap: int = 0,
    *,
    reported_at: datetime,
    voided: bool = False,
) -> None:
    """An output entry for the line and shift named, voided when it was entered if ``voided``."""
    session.add(
        OutputEntry(
            **_instance(session, line_code, shift_name, day),
            good=good,
            scrap=scrap,
            reported_by=LEAD,
            reported_at=reported_at,
            voided_at=reported_at if voided else None,
        )
    )


def _instance(session: Session, line_code: str, shift_name: str, day: date) -> dict[str, Any]:
    return {
        "line_id": session.scalars(select(Line.id).where(Line.code == line_code)).one(),
        "shift_id": session.scalars(select(Shift.id).where(Shift.name == shift_name)).one(),
        "production_date": day,
    }


def sixty_line_plant(*, with_costs: bool = False) -> str:
    """The sample plant with 58 more lines of long codes, with or without costs."""
    costs = "unit_cost = 1.25\ndowntime_cost_per_hour = 600\n" if with_costs else ""
    extra = "".join(
        f"""
[[lines]]
code = "assembly-cell-{n:02d}-long-code"
name = "Assembly cell {n}"
channel = "C0CELL{n:04d}"
unit = "units"
{costs}targets = {{ A = 1000, B = 1000, C = 900 }}
"""
        for n in range(58)
    )
    return SAMPLE_PLANT.replace("[[calendar]]", extra + "\n[[calendar]]", 1)
