"""A dry run shows what a job would post and leaves no trace, on either database."""

from datetime import UTC, datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from jobs import shift_summary
from jobs.base import dry_run_deps
from models import OutboxItem, ShiftBoard
from tests.fakes.slack_api import FakeSlackAPI

SUMMARY_DUE = datetime(2026, 11, 18, 13, 16, tzinfo=UTC)  # Wed, 14:00 Berlin + 15 min grace


def test_a_dry_run_shows_the_summaries_and_owes_claims_and_posts_nothing(
    engine: Engine,
    session_factory: sessionmaker[Session],
    loaded_plant: None,
    fake_slack: FakeSlackAPI,
) -> None:
    shown: list[str] = []

    with dry_run_deps(engine, shown.append) as deps:
        outcomes = shift_summary.run(SUMMARY_DUE, deps)

    assert len(outcomes) == 2 and all(outcome.sent for outcome in outcomes)
    assert any(line.startswith("would chat.postMessage to C0LINE0001") for line in shown)
    assert fake_slack.calls == []
    with session_scope(session_factory) as session:
        assert session.scalars(select(OutboxItem)).all() == []
        assert session.scalars(select(ShiftBoard)).all() == []
