"""LINE may be left out of a report typed in a channel mapped to exactly one line: the report
goes to that line. Elsewhere the answer asks which line was meant and nothing is saved."""

import pytest

from models import DelayEntry, Issue, OutputEntry
from tests.e2e.support import all_rows, assert_no_trace, ephemeral_text
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack_requests import SlackSender

UNMAPPED = "C0OTHER001"


def test_output_without_line_in_the_line_channel_goes_to_that_line(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
) -> None:
    reply = slack.command("/output", "150 scrap 2", channel="C0PRESS002", user="U0LEAD0002")

    assert "✅ Saved +150 good, 2 scrap on press2" in reply.text
    assert "The shift board in <#C0PRESS002> shows the running total." in reply.text
    [entry] = all_rows(session_factory, OutputEntry)
    assert (entry.good, entry.scrap) == (150, 2)
    board = fake_slack.wait_for("chat.postMessage", 2)[0]
    assert board.args["channel"] == "C0PRESS002"


def test_delay_and_issue_without_line_in_the_line_channel_go_to_that_line(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
) -> None:
    delay_reply = slack.command("/delay", "45m breakdown belt snapped")
    fake_slack.wait_for("chat.postMessage", 2)
    issue_reply = slack.command("/issue", "medium belt worn")

    assert "45 min breakdown on L1" in delay_reply.text
    assert "*medium* issue on L1" in issue_reply.text
    [delay] = all_rows(session_factory, DelayEntry)
    [issue] = all_rows(session_factory, Issue)
    assert (delay.minutes, delay.note) == (45, "belt snapped")
    assert issue.text == "belt worn"
    assert {delay.line_id, issue.line_id} == {issue.line_id}
    fake_slack.wait_for("chat.postMessage", 3)


@pytest.mark.parametrize(
    ("command", "text", "model"),
    [
        ("/output", "120", OutputEntry),
        ("/delay", "45m breakdown", DelayEntry),
        ("/issue", "high conveyor jam", Issue),
    ],
)
def test_omitted_line_in_an_unmapped_channel_asks_which_line_and_writes_nothing(
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    session_factory,
    command: str,
    text: str,
    model: type,
) -> None:
    answer = ephemeral_text(slack.command(command, text, channel=UNMAPPED))

    assert "which line? this channel is not mapped to one line — name it, e.g. " in answer
    assert f"e.g. `{command} l1 " in answer
    assert "(lines: l1, press2)" in answer
    assert_no_trace(session_factory, fake_slack, model)


def test_naming_the_line_in_an_unmapped_channel_works_and_posts_to_the_line_channel(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
) -> None:
    reply = slack.command("/output", "L1 120", channel=UNMAPPED)

    assert "✅ Saved +120 good on L1" in reply.text
    assert len(all_rows(session_factory, OutputEntry)) == 1
    board = fake_slack.wait_for("chat.postMessage", 2)[0]
    assert board.args["channel"] == "C0LINE0001"
