"""The WebClient factory's retry handlers: a rate limit or a 5xx delays a post, never drops it."""

from tests.fakes.slack_api import FakeSlackAPI
from tests.slack_requests import SlackSender


def test_a_server_error_is_retried_and_the_board_posted_once(
    slack: SlackSender, fake_slack: FakeSlackAPI
) -> None:
    fake_slack.fail("chat.postMessage", status=503, times=1)

    slack.command("/output", "L1 120")

    posts = fake_slack.wait_for("chat.postMessage", 3, timeout=10)
    assert [call.args.get("thread_ts") for call in posts] == [None, None, "1790000000.000001"]
    assert posts[0].args["blocks"] == posts[1].args["blocks"]  # the refused post, then its retry


def test_a_rate_limited_post_is_retried(slack: SlackSender, fake_slack: FakeSlackAPI) -> None:
    fake_slack.fail("chat.postMessage", status=429, times=1, retry_after=1)

    slack.command("/output", "L1 120")

    first, retry, thread = fake_slack.wait_for("chat.postMessage", 3, timeout=10)
    assert first.args["channel"] == retry.args["channel"] == "C0LINE0001"
    assert thread.args["thread_ts"] == "1790000000.000001"
