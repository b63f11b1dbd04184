"""``deliveries``: what the jobs owe reaches Slack once, after an outage, a race or a crash.

The clock is time-machine's, frozen: the outbox judges what is due by the real clock, so each
test moves it past a backoff or a lease instead of sleeping.
"""

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.settings import Settings
from bot.slack.client import make_web_client
from bot.slack.outbox import LEASE, METADATA_EVENT, PostOutcome
from jobs import deliveries, shift_summary
from jobs.base import JobDeps
from models import OutboxItem, OutboxStatus
from tests.fakes.slack_api import FakeSlackAPI
from tests.helpers_reports import Report

# Shift A of Wednesday ended 13:00 UTC; with the 15-minute report grace its summaries are due.
AFTER_SHIFT_A = datetime(2026, 11, 18, 13, 20, tzinfo=UTC)
LINE_CHANNELS = ["C0LINE0001", "C0PRESS002"]


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(AFTER_SHIFT_A, tick=False) as traveller:
        yield traveller


def landed(fake_slack: FakeSlackAPI) -> dict[str, int]:
    """How many messages reached each line channel (refused posts never land)."""
    return {channel: len(fake_slack.messages.get(channel, [])) for channel in LINE_CHANNELS}


def rows(session_factory: sessionmaker[Session]) -> list[OutboxItem]:
    with session_factory() as session:
        return list(session.scalars(select(OutboxItem).order_by(OutboxItem.key)))


def deliver_later(clock: time_machine.Traveller, deps: JobDeps, wait: timedelta) -> int:
    """Move the clock on by ``wait`` and run the job; how many messages it sent."""
    clock.shift(wait)
    return sum(outcome.sent for outcome in deliveries.run(datetime.now(UTC), deps))


def test_summaries_slack_refused_are_sent_once_when_slack_is_healthy_again(
    deps: JobDeps,
    fake_slack: FakeSlackAPI,
    session_factory: sessionmaker[Session],
    report: Report,
    clock: time_machine.Traveller,
) -> None:
    report("L1", "A", AFTER_SHIFT_A.date(), 700)
    fake_slack.fail("chat.postMessage", status=500, times=4)  # the job's try and one retry each

    assert not any(outcome.sent for outcome in shift_summary.run(AFTER_SHIFT_A, deps))
    assert deliver_later(clock, deps, timedelta(seconds=10)) == 0  # not due: backing off
    assert deliver_later(clock, deps, timedelta(seconds=30)) == 0  # Slack still refuses
    assert all(row.last_error == "Slack: fake_failure" for row in rows(session_factory))
    assert landed(fake_slack) == {"C0LINE0001": 0, "C0PRESS002": 0}

    assert deliver_later(clock, deps, timedelta(minutes=2)) == 2  # healthy again
    assert deliver_later(clock, deps, timedelta(minutes=30)) == 0
    assert shift_summary.run(AFTER_SHIFT_A, deps) == []

    assert landed(fake_slack) == {"C0LINE0001": 1, "C0PRESS002": 1}
    assert len(fake_slack.calls_to("chat.postMessage")) == 4 + 2
    assert [(row.status, row.attempts) for row in rows(session_factory)] == [
        (OutboxStatus.SENT, 3)
    ] * 2


def test_two_deliveries_runs_racing_post_once(
    settings: Settings,
    deps: JobDeps,
    fake_slack: FakeSlackAPI,
    session_factory: sessionmaker[Session],
    clock: time_machine.Traveller,
) -> None:
    fake_slack.fail("chat.postMessage", status=500, times=2)
    shift_summary.run(AFTER_SHIFT_A, deps)
    clock.shift(timedelta(minutes=1))
    fake_slack.latency = 0.3  # keeps both runs in flight together
    # Two schedulers: each its own outbox, so its own worker name, as two processes have.
    schedulers = [
        JobDeps(session_factory=session_factory, client=make_web_client(settings)) for _ in range(2)
    ]
    start = threading.Barrier(len(schedulers))
    outcomes: list[list[PostOutcome]] = []

    def run(scheduler: JobDeps) -> None:
        start.wait()
        outcomes.append(deliveries.run(datetime.now(UTC), scheduler))

    threads = [threading.Thread(target=run, args=(scheduler,)) for scheduler in schedulers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(outcomes) == 2
    assert sum(outcome.sent for run_outcomes in outcomes for outcome in run_outcomes) == 2
    assert landed(fake_slack) == {"C0LINE0001": 1, "C0PRESS002": 1}
    assert all(row.status is OutboxStatus.SENT for row in rows(session_factory))


@pytest.mark.parametrize("had_posted", [False, True], ids=["died-before-posting", "after"])
def test_a_claim_left_by_a_killed_process_is_taken_over_once_its_lease_lapses(
    deps: JobDeps,
    fake_slack: FakeSlackAPI,
    session_factory: sessionmaker[Session],
    clock: time_machine.Traveller,
    had_posted: bool,
) -> None:
    fake_slack.fail("chat.postMessage", status=500, times=2)
    shift_summary.run(AFTER_SHIFT_A, deps)  # owed; the posts Slack refused wait 30 s
    clock.shift(timedelta(minutes=1))
    # Another process claimed them, maybe posted, and was killed before it recorded anything.
    now = datetime.now(UTC)
    with session_scope(session_factory) as session:
        session.execute(
            update(OutboxItem).values(
                claimed_by="dead-host:4242:deadbeef",
                claim_expires_at=now + LEASE,
                attempts=OutboxItem.attempts + 1,
            )
        )
    if had_posted:
        for item in rows(session_factory):
            assert item.channel is not None
            fake_slack.messages.setdefault(item.channel, []).append(
                {
                    "type": "message",
                    "ts": f"1790000000.00000{item.id}",
                    "text": "the summary",
                    "thread_ts": None,
                    "metadata": {"event_type": METADATA_EVENT, "event_payload": {"key": item.key}},
                    "posted_at": now.timestamp(),
                }
            )

    assert deliver_later(clock, deps, LEASE - timedelta(seconds=1)) == 0  # its lease still holds
    assert deliver_later(clock, deps, timedelta(seconds=2)) == 2  # lapsed: taken over

    assert deliver_later(clock, deps, timedelta(minutes=5)) == 0
    assert landed(fake_slack) == {"C0LINE0001": 1, "C0PRESS002": 1}
    taken_over = rows(session_factory)
    assert all(row.status is OutboxStatus.SENT and row.claimed_by is None for row in taken_over)
    if had_posted:  # found in the channel's history, recorded, not posted again
        assert {row.message_ts for row in taken_over} == {
            f"1790000000.00000{row.id}" for row in taken_over
        }
