from datetime import UTC, date, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.settings import Settings
from bot.slack.client import make_web_client
from jobs.base import JobDeps
from tests.helpers_reports import Report, add_output


@pytest.fixture
def deps(settings: Settings, session_factory: sessionmaker[Session], loaded_plant: None) -> JobDeps:
    return JobDeps(session_factory=session_factory, client=make_web_client(settings))


@pytest.fixture
def report(session_factory: sessionmaker[Session]) -> Report:
    """Add an output entry directly: report("L1", "A", date, good, scrap)."""

    def add(line_code: str, shift_name: str, day: date, good: int, scrap: int = 0) -> None:
        with session_scope(session_factory) as session:
            add_output(
                session, line_code, shift_name, day, good, scrap, reported_at=datetime.now(UTC)
            )

    return add
