"""Posts a job owes (``bot.slack.owed_posts``): owed once, sent at Slack's pace per channel."""

import pytest

from bot.slack import outbox
from bot.slack.owed_posts import DuePost, Message, post_owed
from jobs.base import JobDeps
from tests.fakes.slack_api import FakeSlackAPI
from tests.helpers_sent import outbox_rows

KEEP_FOR = outbox.LONGEST_WAIT


class SteppedClock:
    """Stands in for the ``time`` module in bot.slack.outbox: sleeping advances the clock."""

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
    monkeypatch.setattr(outbox, "time", clock)
    posts = [due("C0ONE00001", f"p{i}") for i in range(3)] + [due("C0TWO00002", "p0")]

    outcomes = post_owed(deps.outbox, posts, keep_for=KEEP_FOR)

    assert all(outcome.sent for outcome in outcomes)
    assert len(clock.sleeps) == 2  # between the three posts to C0ONE00001 only
    assert all(seconds == pytest.approx(outbox.PER_CHANNEL_INTERVAL) for seconds in clock.sleeps)
    texts = [call.args["text"] for call in fake_slack.calls_to("chat.postMessage")]
    assert sorted(texts) == ["post p0", "post p0", "post p1", "post p2"]


def test_a_post_owed_again_is_neither_owed_nor_sent_again(
    deps: JobDeps, fake_slack: FakeSlackAPI
) -> None:
    post = due("C0ONE00001", "p0")

    [first] = post_owed(deps.outbox, [post], keep_for=KEEP_FOR)
    again = post_owed(deps.outbox, [post, post], keep_for=KEEP_FOR)

    assert first.sent and first.key == "test-job|channel:C0ONE00001|p0"
    assert again == []
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    assert outbox_rows(deps.session_factory) == [("test-job|channel:C0ONE00001|p0", True)]
