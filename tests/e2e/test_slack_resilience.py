"""A slow or failing Slack never delays the answer past Slack's 3 seconds or loses an entry."""

import threading

from models import OutputEntry, ShiftBoard
from tests.e2e.support import MID_SHIFT_A, all_rows, wait_until
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack_requests import SlackReply, SlackSender


def test_a_slow_slack_does_not_hold_up_the_answer(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
) -> None:
    slack_answers = fake_slack.hold("chat.postMessage")  # Slack answers no post for now

    reply = slack.command("/output", "L1 120")
    posted_before_reply = fake_slack.calls_to("chat.postMessage")
    slack_answers.set()

    assert reply.status == 200
    assert "✅ Saved +120 good on L1" in reply.text
    # The board is posted after the acknowledgement, so the reply did not wait for it.
    assert posted_before_reply == []
    assert len(all_rows(session_factory, OutputEntry)) == 1
    board, thread = fake_slack.wait_for("chat.postMessage", 2, timeout=10)
    assert "thread_ts" not in board.args
    assert thread.args["thread_ts"] == "1790000000.000001"


def test_a_failing_slack_never_loses_the_entry_and_the_next_entry_posts_the_board(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
) -> None:
    fake_slack.fail("chat.postMessage", status=500, times=10)

    reply = slack.command("/output", "L1 120")

    assert reply.status == 200
    assert "✅ Saved +120 good on L1" in reply.text
    [entry] = all_rows(session_factory, OutputEntry)
    assert entry.good == 120
    # One try and two retries, then the board post is given up and its claim released.
    failed = fake_slack.wait_for("chat.postMessage", 3, timeout=15)
    assert all("thread_ts" not in call.args for call in failed)
    wait_until(lambda: _claim_released(session_factory), "the board's claim is released")

    fake_slack.fail("chat.postMessage", times=0)
    reply = slack.command("/output", "L1 80")

    assert "Saved +80 good on L1" in reply.text
    board, thread = fake_slack.wait_for("chat.postMessage", 5, timeout=10)[3:]
    assert "thread_ts" not in board.args
    assert "200 / 800" in board.args["text"]
    assert thread.args["thread_ts"] == "1790000000.000001"
    assert thread.args["text"].startswith("+80 good → 200 / 800")
    assert len(fake_slack.calls_to("chat.postMessage")) == 5
    [shift_board] = all_rows(session_factory, ShiftBoard)
    assert shift_board.message_ts == "1790000000.000001"
    assert len(all_rows(session_factory, OutputEntry)) == 2


def _claim_released(session_factory) -> bool:
    [board] = all_rows(session_factory, ShiftBoard)
    return board.message_ts is None and board.claimed_at < MID_SHIFT_A


def test_concurrent_first_entries_post_one_board_between_them(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
) -> None:
    replies: list[SlackReply] = []
    start = threading.Barrier(5)

    def send() -> None:
        start.wait()
        replies.append(slack.command("/output", "L1 10"))

    threads = [threading.Thread(target=send) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert [reply.status for reply in replies] == [200] * 5
    assert all("✅ Saved +10 good on L1" in reply.text for reply in replies)
    assert len(all_rows(session_factory, OutputEntry)) == 5
    thread_lines = _wait_for_thread_lines(fake_slack, "+10 good → ", 5)
    assert len(thread_lines) == 5
    posts = fake_slack.calls_to("chat.postMessage")
    boards = [post for post in posts if "thread_ts" not in post.args]
    assert len(boards) == 1
    assert {p.args["thread_ts"] for p in posts if "thread_ts" in p.args} == {"1790000000.000001"}
    assert len(all_rows(session_factory, ShiftBoard)) == 1
    latest_board = [boards[0], *fake_slack.calls_to("chat.update")][-1]
    assert "50 / 800" in latest_board.args["text"]


def _wait_for_thread_lines(fake: FakeSlackAPI, prefix: str, count: int) -> list[str]:
    """Entry lines in the board thread (one post may carry several), once ``count`` arrived."""
    posts = 0
    while True:
        lines = [
            line
            for call in fake.calls_to("chat.postMessage")
            if "thread_ts" in call.args
            for line in call.args["text"].splitlines()
            if line.startswith(prefix)
        ]
        if len(lines) >= count:
            return lines
        posts = len(fake.calls_to("chat.postMessage"))
        fake.wait_for("chat.postMessage", posts + 1, timeout=15)
