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
from models import Line, Shift


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
