"""The fault table of issue #9, end to end against the fake Slack (and PostgreSQL in CI's second
pass): whatever Slack does, every owed message is delivered, and delivered once.

Rows covered elsewhere: a post whose answer never came (``tests/outbox/test_delivery.py``), a
form-raised issue (``tests/e2e/test_owed_messages.py``), PostgreSQL backends terminated and a
black-holed database (``tests/test_db_resilience.py``), a process killed mid-post
(``tests/outbox/test_killed_sender.py``).
"""

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.settings import Settings
from bot.slack.client import make_web_client
from jobs import deliveries, escalations, shift_summary
from jobs.base import JobDeps
from models import OutboxItem, OutboxStatus
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack_requests import SlackSender

OUTAGE = 10**6  # calls: Slack answers 500 until told otherwise
SHIFT_A_SUMMARY_DUE = datetime(2026, 11, 18, 13, 16, tzinfo=UTC)  # 14:00 Berlin + 15 min grace


def landed(fake_slack: FakeSlackAPI) -> Counter[str]:
    """How often each outbox key reached a channel (posts Slack accepted)."""
    return Counter(
        call.args["metadata"]["event_payload"]["key"]
        for call in fake_slack.calls_to("chat.postMessage")
        if call.answer and call.args.get("metadata")
    )


def owed(session_factory: sessionmaker[Session]) -> dict[str, OutboxStatus]:
    with session_scope(session_factory) as session:
        return {row.key: row.status for row in session.scalars(select(OutboxItem))}


def scheduler_minutes(clock: time_machine.Traveller, deps: JobDeps, minutes: int) -> None:
    """What the scheduler does minute by minute: ``deliveries``, and ``escalations`` every 5."""
    for minute in range(1, minutes + 1):
        clock.shift(timedelta(minutes=1))
        now = datetime.now(UTC)
        if minute % 5 == 0:
            escalations.run(now, deps)
        deliveries.run(now, deps)


def test_slack_down_for_an_hour_then_healthy_delivers_every_owed_message_once(
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    settings: Settings,
    session_factory: sessionmaker[Session],
    clock: time_machine.Traveller,
) -> None:
    deps = JobDeps(session_factory=session_factory, client=make_web_client(settings))
    fake_slack.fail("chat.postMessage", status=500, times=OUTAGE)

    assert "✅" in slack.command("/issue", "L1 high capper jams").text
    scheduler_minutes(clock, deps, 60)  # the message and its 15- and 60-minute pings
    during = owed(session_factory)
    assert len(during) >= 3 and set(during.values()) == {OutboxStatus.PENDING}
    assert landed(fake_slack) == Counter()

    fake_slack.fail("chat.postMessage", times=0)
    scheduler_minutes(clock, deps, 16)  # the longest backoff is 15 minutes

    after = owed(session_factory)
    assert after.keys() == during.keys()
    assert set(after.values()) == {OutboxStatus.SENT}
    assert landed(fake_slack) == Counter(dict.fromkeys(after, 1))


def test_two_schedulers_during_a_slack_outage_post_each_message_once(
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    settings: Settings,
    session_factory: sessionmaker[Session],
    clock: time_machine.Traveller,
) -> None:
    assert "✅" in slack.command("/output", "L1 120").text
    fake_slack.wait_for("chat.postMessage")  # the board
    first, second = (
        JobDeps(session_factory=session_factory, client=make_web_client(settings)) for _ in range(2)
    )
    fake_slack.fail("chat.postMessage", status=500, times=OUTAGE)
    clock.move_to(SHIFT_A_SUMMARY_DUE)
    for deps in (first, second):
        shift_summary.run(datetime.now(UTC), deps)
    assert set(owed(session_factory).values()) == {OutboxStatus.PENDING}

    fake_slack.fail("chat.postMessage", times=0)
    clock.shift(timedelta(minutes=16))
    now = datetime.now(UTC)
    racing = [threading.Thread(target=deliveries.run, args=(now, deps)) for deps in (first, second)]
    for thread in racing:
        thread.start()
    for thread in racing:
        thread.join()

    after = owed(session_factory)
    assert set(after.values()) == {OutboxStatus.SENT}
    assert landed(fake_slack) == Counter(dict.fromkeys(after, 1))
