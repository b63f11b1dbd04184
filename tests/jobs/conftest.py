from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.plant.apply import apply_plant
from bot.plant.file import read_plant_file
from bot.settings import Settings
from bot.slack.client import make_web_client
from jobs.base import JobDeps
from tests.helpers_reports import Report, add_output

# The job tests pin their clocks in 2026; the plant went live before every one of them, so only
# tests/jobs/test_go_live.py meets a period from before go-live.
PLANT_LOADED = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def loaded_plant(session_factory: sessionmaker[Session], plant_toml: Path) -> None:
    """The plant file loaded (and so live) at ``PLANT_LOADED``."""
    with session_scope(session_factory) as session:
        apply_plant(session=session, plant=read_plant_file(plant_toml), at=PLANT_LOADED)


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
