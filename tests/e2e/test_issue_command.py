import pytest

from models import DelayEntry, Issue, IssueCategory, IssueEvent, IssueStatus, OutputEntry, Severity
from tests.e2e.support import (
    all_rows,
    block_texts,
    ephemeral_text,
    report,
    report_audits,
    wait_until,
)
from tests.fakes.slack_api import Call, FakeSlackAPI
from tests.slack_requests import SlackSender


def posts_of_an_issue(fake: FakeSlackAPI) -> tuple[Call, Call, Call]:
    """The board, its thread line and the issue's own message (they may arrive in any order)."""

    def three_posts() -> list[Call]:
        posts = [p for p in fake.calls_to("chat.postMessage") if p.args["channel"] == "C0LINE0001"]
        return posts if len(posts) >= 3 else []

    posts = wait_until(three_posts, "the issue's three posts reached L1's channel")
    thread = next(post for post in posts if "thread_ts" in post.args)
    top = [post for post in posts if "thread_ts" not in post.args]
    message = next(post for post in top if "issue_acknowledge" in str(post.args.get("blocks")))
    board = next(post for post in top if post is not message)
    return board, thread, message


def test_issue_is_saved_open_with_an_event_and_an_audit_record(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
) -> None:
    reply = slack.command("/issue", "L1 high conveyor jam")

    assert ephemeral_text(reply) == "✅ Raised a *high* issue on L1; it is on the shift board."
    [issue] = all_rows(session_factory, Issue)
    assert (issue.severity, issue.category, issue.text) == (Severity.HIGH, None, "conveyor jam")
    assert (issue.status, issue.raised_by) == (IssueStatus.OPEN, "U0LEAD0001")
    assert issue.production_date.isoformat() == "2026-11-18"
    [event] = all_rows(session_factory, IssueEvent)
    assert (event.issue_id, event.status, event.by) == (issue.id, IssueStatus.OPEN, "U0LEAD0001")
    [audit] = report_audits(session_factory)
    assert (audit.action, audit.entity, audit.entity_id) == ("create", "issue", issue.id)
    assert audit.details == {"severity": "high", "category": None}

    board, thread, message = posts_of_an_issue(fake_slack)
    assert "Acknowledge" in str(message.args["blocks"])
    board_text = block_texts(board.args["blocks"])
    assert "*Open issues*\n1" in board_text
    assert "🟠 *high* conveyor jam _(open)_" in board_text
    assert thread.args["text"] == "🟠 *HIGH* issue: conveyor jam · <@U0LEAD0001>"


def test_a_safety_issue_is_raised_to_high_with_category_safety(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
) -> None:
    reply = slack.command("/issue", "L1 low safety guard missing")

    assert reply.text == "✅ Raised a *high* issue on L1; it is on the shift board."
    [issue] = all_rows(session_factory, Issue)
    assert (issue.severity, issue.category) == (Severity.HIGH, IssueCategory.SAFETY)
    assert issue.text == "safety guard missing"
    _, thread, message = posts_of_an_issue(fake_slack)
    assert thread.args["text"].startswith("🟠 *HIGH* issue [safety]: safety guard missing")
    assert "safety guard missing" in message.args["text"]


@pytest.mark.parametrize("severity", ["critical", "high", "medium", "low"])
def test_every_issue_gets_its_own_message_in_the_channel_and_a_line_in_the_board_thread(
    slack: SlackSender, fake_slack: FakeSlackAPI, severity: str
) -> None:
    slack.command("/issue", f"L1 {severity} label printer smudging")

    board, thread, message = posts_of_an_issue(fake_slack)
    assert board.args["channel"] == message.args["channel"] == "C0LINE0001"
    assert "label printer smudging" in message.args["text"]
    assert "reply_broadcast" not in thread.args


def test_a_severity_prefix_is_accepted(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
) -> None:
    reply = slack.command("/issue", "L1 crit fire alarm tripped")

    assert "*critical*" in reply.text
    [issue] = all_rows(session_factory, Issue)
    assert issue.severity is Severity.CRITICAL
    fake_slack.wait_for("chat.postMessage", 2)


def test_issues_do_not_count_as_entries(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
) -> None:
    report(slack, fake_slack, "/issue", "L1 medium slow infeed", posts=2)

    assert all_rows(session_factory, OutputEntry) == []
    assert all_rows(session_factory, DelayEntry) == []
