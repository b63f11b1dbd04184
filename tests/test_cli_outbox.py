"""`prodbot jobs run --dry-run` and `prodbot outbox`, as an admin runs them."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.db import make_engine, make_session_factory, session_scope
from bot.records.outbox import Owed, owe
from models import OutboxItem
from tests.fakes.slack_api import FakeSlackAPI
from tests.test_cli import SLACK, Cli, cli, loaded, plant_file  # noqa: F401 - fixtures

# Tuesday 1 Dec 2026, 14:16 in Berlin: shift A ended at 14:00, its summaries are due at 14:15.
AFTER_SHIFT_A = "2026-12-01T14:16:00+01:00"


def outbox_rows(admin: Cli) -> int:
    factory = make_session_factory(make_engine(admin.database_url))
    with session_scope(factory) as session:
        return session.scalar(select(func.count(OutboxItem.id))) or 0


def test_a_dry_run_prints_what_a_job_would_post_and_posts_keeps_and_claims_nothing(
    loaded: Cli,  # noqa: F811 - the fixture of tests/test_cli.py
    fake_slack: FakeSlackAPI,
) -> None:
    result = loaded(
        "jobs", "run", "shift-summary", "--at", AFTER_SHIFT_A, "--dry-run",
        SLACK_API_URL=fake_slack.base_url, **SLACK,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert "would chat.postMessage to C0LINE0001" in result.stdout
    assert "L1" in result.stdout and "ended: not reported, 800 bottles planned" in result.stdout
    assert "shift-summary: 2 message(s) would be sent; nothing was posted" in result.stdout
    assert fake_slack.calls == []
    assert outbox_rows(loaded) == 0


def test_outbox_lists_what_is_owed_with_slacks_last_error(
    loaded: Cli,  # noqa: F811 - the fixture of tests/test_cli.py
) -> None:
    assert "Nothing owed" in loaded("outbox").stdout
    factory = make_session_factory(make_engine(loaded.database_url))
    owed = Owed(
        key="digest|site:1|2026-11-29",
        kind="digest",
        keep_for=timedelta(hours=24),
        channel="C0DIGEST01",
        payload={"text": "Riverside yesterday"},
    )
    with session_scope(factory) as session:
        item_id = owe(session, owed, at=datetime.now(UTC))
        session.get_one(OutboxItem, item_id).last_error = "Slack: not_in_channel"

    result = loaded("outbox")

    assert result.returncode == 0, result.stderr
    assert "digest|site:1|2026-11-29" in result.stdout
    assert "C0DIGEST01" in result.stdout and "Slack: not_in_channel" in result.stdout
