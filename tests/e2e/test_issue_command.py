import pytest
import time_machine

from models import DelayEntry, Issue, IssueCategory, IssueEvent, IssueStatus, OutputEntry, Severity
from tests.e2e.support import MID_SHIFT_A, all_rows, block_texts, report_audits
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack_requests import SlackSender

ISSUE_USAGE = "/issue [LINE] SEVERITY TEXT…"


@pytest.fixture(autouse=True)
def pinned_clock() -> object:
    with time_machine.travel(MID_SHIFT_A, tick=True) as traveller:
        yield traveller


def test_issue_is_saved_open_with_an_event_and_an_audit_record(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
) -> None:
    reply = slack.command("/issue", "L1 high conveyor jam")

    assert reply.status == 200
    assert reply.json["response_type"] == "ephemeral"
    assert reply.text == "✅ Raised a *high* issue on L1; it is on the shift board."
    [issue] = all_rows(session_factory, Issue)
    assert (issue.severity, issue.category, issue.text) == (Severity.HIGH, None, "conveyor jam")
    assert (issue.status, issue.raised_by) == (IssueStatus.OPEN, "U0LEAD0001")
    assert issue.production_date.isoformat() == "2026-11-18"
    [event] = all_rows(session_factory, IssueEvent)
    assert (event.issue_id, event.status, event.by) == (issue.id, IssueStatus.OPEN, "U0LEAD0001")
    [audit] = report_audits(session_factory)
    assert (audit.action, audit.entity, audit.entity_id) == ("create", "issue", issue.id)
    assert audit.details == {"severity": "high", "category": None}

    board, thread = fake_slack.wait_for("chat.postMessage", 2)
    board_text = block_texts(board.args["blocks"])
    assert "*Open issues*\n1" in board_text
    assert "🟠 *high* conveyor jam _(open)_" in board_text
    assert thread.args["thread_ts"] == "1790000000.000001"
    assert thread.args["text"] == "🟠 *HIGH* issue: conveyor jam · <@U0LEAD0001>"


def test_a_safety_issue_is_raised_to_high_with_category_safety(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
) -> None:
    reply = slack.command("/issue", "L1 low safety guard missing")

    assert reply.text == "✅ Raised a *high* issue on L1; it is on the shift board."
    [issue] = all_rows(session_factory, Issue)
    assert (issue.severity, issue.category) == (Severity.HIGH, IssueCategory.SAFETY)
    assert issue.text == "safety guard missing"
    thread = fake_slack.wait_for("chat.postMessage", 2)[1]
    assert thread.args["text"].startswith("🟠 *HIGH* issue [safety]: safety guard missing")
    assert thread.args["reply_broadcast"] is True


@pytest.mark.parametrize(
    ("severity", "broadcast"),
    [("critical", True), ("high", True), ("medium", False), ("low", False)],
)
def test_only_high_and_critical_issues_are_broadcast_from_the_thread(
    slack: SlackSender, fake_slack: FakeSlackAPI, severity: str, broadcast: bool
) -> None:
    slack.command("/issue", f"L1 {severity} label printer smudging")

    board, thread = fake_slack.wait_for("chat.postMessage", 2)
    assert "thread_ts" not in board.args
    assert thread.args["thread_ts"] == "1790000000.000001"
    assert thread.args["reply_broadcast"] is broadcast


def test_a_severity_prefix_is_accepted(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
) -> None:
    reply = slack.command("/issue", "L1 crit fire alarm tripped")

    assert "*critical*" in reply.text
    [issue] = all_rows(session_factory, Issue)
    assert issue.severity is Severity.CRITICAL
    fake_slack.wait_for("chat.postMessage", 2)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("L1 high", "describe the issue after the severity"),
        ("L1 high   ", "describe the issue after the severity"),
        ("L1 urgent conveyor jam", "unknown severity 'urgent'"),
    ],
)
def test_an_issue_without_text_or_with_a_bad_severity_is_rejected_and_writes_nothing(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory, text: str, problem: str
) -> None:
    reply = slack.command("/issue", text)

    assert reply.status == 200
    assert reply.json["response_type"] == "ephemeral"
    assert problem in reply.text
    assert f"Usage: `{ISSUE_USAGE}`" in reply.text
    assert all_rows(session_factory, Issue) == []
    assert all_rows(session_factory, IssueEvent) == []
    assert report_audits(session_factory) == []
    assert fake_slack.calls_to("chat.postMessage") == []


def test_issues_do_not_count_as_entries(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
) -> None:
    slack.command("/issue", "L1 medium slow infeed")
    fake_slack.wait_for("chat.postMessage", 2)

    assert all_rows(session_factory, OutputEntry) == []
    assert all_rows(session_factory, DelayEntry) == []
