"""Plants and rows written straight into the test database, for tests that need data the
commands would write (or a plant other than the sample one)."""

import tomllib
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.plant.apply import apply_plant
from bot.plant.file import validate_plant
from models import DelayEntry, Line, Shift


def load_plant(session_factory: sessionmaker[Session], plant: str | Mapping[str, Any]) -> None:
    """Apply ``plant`` (a plant file's TOML text, or its parsed tables) as ``plant load`` does."""
    raw = tomllib.loads(plant) if isinstance(plant, str) else plant
    with session_scope(session_factory) as session:
        apply_plant(session=session, plant=validate_plant(raw), at=datetime.now(UTC))


def in_shift(session: Session, line_code: str, shift_name: str, day: date) -> dict[str, Any]:
    """The columns that place an entry (or a board) in a shift: line, shift, production date."""
    line_id = session.scalars(select(Line.id).where(Line.code == line_code)).one()
    shift_id = session.scalars(select(Shift.id).where(Shift.name == shift_name)).one()
    return {"line_id": line_id, "shift_id": shift_id, "production_date": day}


REPORTED_AT = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def add_delay(
    session: Session,
    line_code: str,
    day: date,
    minutes: int,
    reason: str = "material",
    *,
    shift_name: str = "A",
    voided: bool = False,
) -> None:
    """A delay entry of ``line_code``'s shift on ``day``, reported (and voided) by the sample
    plant's people."""
    session.add(
        DelayEntry(
            **in_shift(session, line_code, shift_name, day),
            minutes=minutes,
            reason=reason,
            reported_by="U0LEAD0001",
            reported_at=REPORTED_AT,
            voided_at=REPORTED_AT if voided else None,
            voided_by="U0MGR00001" if voided else None,
        )
    )
