"""kill -9 during a post, restart at once: the message is delivered once, within two minutes.

A real ``prodbot jobs run deliveries`` process is killed while Slack is still answering its post
(the post has landed). Its claim's lease lapses a minute later, and the next ``deliveries`` run
(every minute) finds the post in the channel's history instead of posting it again.
"""

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import time_machine
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.records.outbox import Owed, owe
from bot.settings import Settings
from bot.slack.client import make_web_client
from bot.slack.outbox import LEASE, Outbox
from jobs.deliveries import EVERY
from models import OutboxItem, OutboxStatus
from tests.fakes.slack_api import FakeSlackAPI

PRODBOT = str(Path(sys.executable).with_name("prodbot"))


def test_a_sender_killed_mid_post_is_taken_over_and_posts_once(
    settings: Settings, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    owed = Owed(
        key="shift-summary|line:1|2026-11-18/A",
        kind="shift-summary",
        keep_for=timedelta(hours=12),
        channel="C0LINE0001",
        payload={"text": "L1 shift A: 780 / 800 bottles"},
    )
    with session_scope(session_factory) as session:
        item_id = owe(session, owed, at=datetime.now(UTC))
    assert item_id is not None
    fake_slack.slow["chat.postMessage"] = 30.0  # the post lands; the answer is not sent yet
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_API_URL": fake_slack.base_url,
    }
    sender = subprocess.Popen(
        [PRODBOT, "jobs", "run", "deliveries"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        fake_slack.wait_for("chat.postMessage", timeout=30)
    finally:
        sender.send_signal(signal.SIGKILL)
        sender.wait(timeout=10)
    killed_at = datetime.now(UTC)
    fake_slack.slow.clear()
    with session_scope(session_factory) as session:
        claimed = session.get_one(OutboxItem, item_id)
        assert claimed.status is OutboxStatus.PENDING and claimed.claimed_by
        assert claimed.claim_expires_at is not None
        assert claimed.claim_expires_at <= killed_at + LEASE
    outbox = Outbox(client=make_web_client(settings), session_factory=session_factory)

    assert outbox.deliver() == []  # a live-looking claim is left alone
    with time_machine.travel(killed_at + LEASE + EVERY, tick=False):  # the next run after it
        [outcome] = outbox.deliver()

    [post] = fake_slack.calls_to("chat.postMessage")
    assert outcome.sent and outcome.message_ts == post.answer["ts"]
    with session_scope(session_factory) as session:
        assert session.get_one(OutboxItem, item_id).status is OutboxStatus.SENT
