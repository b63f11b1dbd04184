from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.settings import Settings
from bot.slack.client import make_web_client
from jobs.base import JobDeps
from models import Line, OutputEntry, Shift


@pytest.fixture
def deps(settings: Settings, session_factory: sessionmaker[Session], loaded_plant: None) -> JobDeps:
    return JobDeps(session_factory=session_factory, client=make_web_client(settings))


@pytest.fixture
def report(session_factory: sessionmaker[Session]):  # type: ignore[no-untyped-def]
    """Add an output entry directly: report("L1", "A", date, good, scrap)."""

    def add(line_code: str, shift_name: str, day: date, good: int, scrap: int = 0) -> None:
        with session_scope(session_factory) as session:
            line = session.scalars(select(Line).where(Line.code == line_code)).one()
            shift = session.scalars(select(Shift).where(Shift.name == shift_name)).one()
            session.add(
                OutputEntry(
                    line_id=line.id,
                    shift_id=shift.id,
                    production_date=day,
                    good=good,
                    scrap=scrap,
                    reported_by="U0LEAD0001",
                    reported_at=datetime.now(UTC),
                )
            )

    return add
