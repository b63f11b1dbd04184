"""What the scheduled reports (daily digest, weekly review) sent: the fake Slack's posts, the
outbox rows, and Slack's size limits."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models import OutboxItem, OutboxStatus, Site
from tests.fakes.slack_api import FakeSlackAPI

DIGEST_CHANNEL = "C0DIGEST01"
HEAD = "U0HEAD0001"
SLACK_BLOCK_LIMIT = 50
SLACK_SECTION_LIMIT = 3000
SLACK_FIELD_LIMIT = 2000


def site_id(session_factory: sessionmaker[Session]) -> int:
    with session_factory() as session:
        return session.scalars(select(Site.id)).one()


def outbox_rows(session_factory: sessionmaker[Session]) -> list[tuple[str, bool]]:
    """(key, sent) of every outbox row, by key; a sent row has its Slack ts (or file id)."""
    with session_factory() as session:
        rows = session.scalars(select(OutboxItem).order_by(OutboxItem.key)).all()
        assert all(bool(r.message_ts) == (r.status is OutboxStatus.SENT) for r in rows)
        return [(r.key, r.status is OutboxStatus.SENT) for r in rows]


def posts(fake_slack: FakeSlackAPI) -> dict[str, dict[str, Any]]:
    """The arguments of the last post to each channel."""
    return {call.args["channel"]: call.args for call in fake_slack.calls_to("chat.postMessage")}


def channel_post(fake_slack: FakeSlackAPI) -> tuple[str, str]:
    """The text of the post to the digest channel and its blocks as one string to search in;
    the head was sent the same blocks."""
    sent = posts(fake_slack)
    assert set(sent) == {DIGEST_CHANNEL, HEAD}
    assert sent[HEAD]["blocks"] == sent[DIGEST_CHANNEL]["blocks"]
    return sent[DIGEST_CHANNEL]["text"], str(sent[DIGEST_CHANNEL]["blocks"])


def assert_within_slack_limits(blocks: list[dict[str, Any]]) -> None:
    assert len(blocks) <= SLACK_BLOCK_LIMIT
    for block in blocks:
        if block["type"] == "section":
            assert len(block.get("text", {}).get("text", "")) <= SLACK_SECTION_LIMIT
            assert all(len(field["text"]) <= SLACK_FIELD_LIMIT for field in block.get("fields", []))
