from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy.orm import Session, sessionmaker

from bot.slack import ledger
from bot.slack.ledger import DuePost, Message, claim, post_many
from jobs.base import JobDeps
from tests.fakes.slack_api import FakeSlackAPI


class SteppedClock:
    """Stands in for the ``time`` module in bot.slack.ledger: sleeping advances the clock."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def due(channel: str, period: str) -> DuePost:
    return DuePost("test-job", f"channel:{channel}", period, Message(channel, f"post {period}"))


def test_posts_to_one_channel_are_a_second_apart_while_channels_go_in_parallel(
    deps: JobDeps, fake_slack: FakeSlackAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = SteppedClock()
    monkeypatch.setattr(ledger, "time", clock)
    posts = [due("C0ONE00001", f"p{i}") for i in range(3)] + [due("C0TWO00002", "p0")]

    outcomes = post_many(client=deps.client, session_factory=deps.session_factory, posts=posts)

    assert all(outcome.sent for outcome in outcomes)
    assert len(clock.sleeps) == 2  # between the three posts to C0ONE00001 only
    assert all(seconds == pytest.approx(ledger.PER_CHANNEL_INTERVAL) for seconds in clock.sleeps)
    texts = [call.args["text"] for call in fake_slack.calls_to("chat.postMessage")]
    assert sorted(texts) == ["post p0", "post p0", "post p1", "post p2"]


def test_a_claim_held_by_a_live_run_is_not_taken(session_factory: sessionmaker[Session]) -> None:
    first = claim(session_factory, job="j", scope="s", period="p")
    second = claim(session_factory, job="j", scope="s", period="p")

    assert first is not None
    assert second is None


def test_a_claim_abandoned_by_a_crashed_run_is_taken_over(
    session_factory: sessionmaker[Session],
) -> None:
    start = datetime(2026, 11, 18, 13, 20, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        crashed = claim(session_factory, job="j", scope="s", period="p")
    with time_machine.travel(start + ledger.ABANDONED_CLAIM - timedelta(seconds=1), tick=False):
        assert claim(session_factory, job="j", scope="s", period="p") is None
    with time_machine.travel(start + ledger.ABANDONED_CLAIM + timedelta(seconds=1), tick=False):
        assert claim(session_factory, job="j", scope="s", period="p") == crashed
