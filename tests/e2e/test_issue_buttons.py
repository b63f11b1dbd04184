"""Acknowledge and Resolve on an issue message, through signed payloads as Slack sends them."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.messages.ids import ActionId
from bot.settings import Settings
from bot.slack.client import make_web_client
from jobs import escalations
from jobs.base import JobDeps
from models import AuditRecord, Issue, IssueEvent, IssueStatus, Person, Site
from tests.e2e.support import (
    MID_SHIFT_A,
    actions_of,
    all_rows,
    block_texts,
    press_button,
    wait_until,
)
from tests.fakes.slack_api import RESPONSE_URL, Call, FakeSlackAPI
from tests.slack_requests import SlackReply, SlackSender

LINE_CHANNEL = "C0LINE0001"
MANAGER = "U0MGR00001"


@dataclass
class RaisedIssue:
    """A high issue raised on L1 at 10:00, its message with the buttons posted and its ts stored."""

    slack: SlackSender
    message: Call
    clock: time_machine.Traveller

    @property
    def ts(self) -> str:
        """The ts Slack gave the issue message."""
        return str(self.message.answer["ts"])

    def at(self, minutes: int) -> None:
        """Move the clock to ``minutes`` after the issue was raised."""
        self.clock.move_to(MID_SHIFT_A + timedelta(minutes=minutes))

    def press(self, action_id: str, *, user: str = MANAGER) -> SlackReply:
        """A press on one of the issue message's buttons."""
        return press_button(self.slack, self.message, action_id, user=user)

    def submit(self, view: dict[str, Any], note: str | None, *, user: str) -> SlackReply:
        """The resolve modal ``view`` (as opened) submitted with ``note`` typed in."""
        [input_block] = [block for block in view["blocks"] if block["type"] == "input"]
        field = {"type": "plain_text_input", "value": note}
        values = {input_block["block_id"]: {input_block["element"]["action_id"]: field}}
        opened = {**view, "id": "V0RESOLVE1", "hash": "1790000000.abcdef"}
        return self.slack.submit(opened, values, user=user)


@pytest.fixture
def raised(
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    session_factory: sessionmaker[Session],
    clock: time_machine.Traveller,
) -> RaisedIssue:
    """The message is posted after the command was answered, and its ts stored after Slack
    answered the post: both are awaited, so no test reads the issue before it is complete."""
    slack.command("/issue", "L1 high conveyor jam")
    posts = fake_slack.wait_for("chat.postMessage", 3)
    [message] = [post for post in posts if "issue_acknowledge" in str(post.args.get("blocks"))]
    assert message.args["channel"] == LINE_CHANNEL
    wait_until(
        lambda: all_rows(session_factory, Issue)[0].message_ts, "the issue message's ts is stored"
    )
    return RaisedIssue(slack, message, clock)


def board_ts(fake: FakeSlackAPI) -> str:
    """The ts Slack gave the shift board (the top-level post that is not the issue message)."""
    [board] = [
        post
        for post in fake.calls_to("chat.postMessage")
        if "thread_ts" not in post.args
        and "issue_acknowledge" not in str(post.args.get("blocks"))
        and post.args["channel"] == LINE_CHANNEL
    ]
    return str(board.answer["ts"])


def updates_of(fake_slack: FakeSlackAPI, ts: str) -> list[Call]:
    return [call for call in fake_slack.calls_to("chat.update") if call.args["ts"] == ts]


def wait_for_update(fake_slack: FakeSlackAPI, ts: str) -> list[Call]:
    return wait_until(lambda: updates_of(fake_slack, ts), f"a chat.update of {ts}")


def test_the_issue_message_carries_both_buttons(
    raised: RaisedIssue, session_factory: sessionmaker[Session]
) -> None:
    [issue] = all_rows(session_factory, Issue)

    assert (issue.channel_id, issue.message_ts) == (LINE_CHANNEL, raised.ts)
    assert actions_of(raised.message.args["blocks"]) == [
        ActionId.ACKNOWLEDGE_ISSUE,
        ActionId.RESOLVE_ISSUE,
    ]
    text = block_texts(raised.message.args["blocks"])
    assert "🟠 *HIGH* issue on L1: conveyor jam" in text
    assert "Raised by <@U0LEAD0001> at 10:00 · ⏳ Open — not acknowledged yet" in text


def test_acknowledge_records_who_and_when_updates_the_message_and_the_board(
    raised: RaisedIssue, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    raised.at(5)
    reply = raised.press(ActionId.ACKNOWLEDGE_ISSUE)

    assert reply.status == 200
    [message] = wait_for_update(fake_slack, raised.ts)
    assert "👀 Acknowledged by <@U0MGR00001> at 10:05" in block_texts(message.args["blocks"])
    assert actions_of(message.args["blocks"]) == [ActionId.RESOLVE_ISSUE]
    board = wait_for_update(fake_slack, board_ts(fake_slack))[-1]
    assert "conveyor jam _(acknowledged)_" in block_texts(board.args["blocks"])
    [issue] = all_rows(session_factory, Issue)
    assert issue.status is IssueStatus.ACKNOWLEDGED
    event = all_rows(session_factory, IssueEvent)[-1]
    assert (event.status, event.by) == (IssueStatus.ACKNOWLEDGED, MANAGER)
    assert abs(event.at - (MID_SHIFT_A + timedelta(minutes=5))) < timedelta(seconds=30)
    audit = all_rows(session_factory, AuditRecord)[-1]
    assert (audit.action, audit.entity, audit.entity_id, audit.actor) == (
        "acknowledged",
        "issue",
        issue.id,
        MANAGER,
    )
    assert len(fake_slack.calls_to("chat.postMessage")) == 3  # no noise: nothing new posted


def test_resolve_asks_for_a_note_and_closes_the_issue(
    raised: RaisedIssue, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    raised.at(40)
    raised.press(ActionId.RESOLVE_ISSUE, user="U0LEAD0001")
    [opened] = fake_slack.wait_for("views.open")
    modal = opened.args["view"]
    assert modal["type"] == "modal"
    assert "conveyor jam" in block_texts(modal["blocks"])

    reply = raised.submit(modal, "  belt replaced  ", user="U0LEAD0001")

    assert (reply.status, reply.body) == (200, "")
    [message] = wait_for_update(fake_slack, raised.ts)
    text = block_texts(message.args["blocks"])
    assert "✅ Resolved by <@U0LEAD0001> at 10:40 — _belt replaced_" in text
    assert actions_of(message.args["blocks"]) == []
    board = wait_for_update(fake_slack, board_ts(fake_slack))[-1]
    assert "*Open issues*\nnone" in block_texts(board.args["blocks"])
    [issue] = all_rows(session_factory, Issue)
    assert issue.status is IssueStatus.RESOLVED
    event = all_rows(session_factory, IssueEvent)[-1]
    assert (event.status, event.by, event.note) == (
        IssueStatus.RESOLVED,
        "U0LEAD0001",
        "belt replaced",
    )


def test_a_second_press_is_answered_politely_and_changes_nothing(
    raised: RaisedIssue, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    raised.at(5)
    raised.press(ActionId.ACKNOWLEDGE_ISSUE)
    wait_for_update(fake_slack, raised.ts)

    raised.press(ActionId.ACKNOWLEDGE_ISSUE, user="U0HEAD0001")

    [answer] = fake_slack.wait_for(RESPONSE_URL)
    assert answer.args["response_type"] == "ephemeral"
    assert answer.args["replace_original"] is False
    assert answer.args["text"] == (
        "👍 No need to acknowledge it: this L1 issue was already acknowledged "
        "by <@U0MGR00001> at 10:05."
    )
    events = [e.status for e in all_rows(session_factory, IssueEvent)]
    assert events == [IssueStatus.OPEN, IssueStatus.ACKNOWLEDGED]
    assert len(updates_of(fake_slack, raised.ts)) == 1


def test_a_stale_resolve_modal_submitted_after_someone_resolved_changes_nothing(
    raised: RaisedIssue, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    raised.press(ActionId.RESOLVE_ISSUE, user="U0LEAD0001")
    raised.press(ActionId.RESOLVE_ISSUE)
    first, second = (call.args["view"] for call in fake_slack.wait_for("views.open", 2))
    raised.submit(first, None, user="U0LEAD0001")

    reply = raised.submit(second, "fixed it too", user=MANAGER)

    assert reply.json["response_action"] == "update"
    assert "already resolved by <@U0LEAD0001>" in block_texts(reply.json["view"]["blocks"])
    resolved = [e for e in all_rows(session_factory, IssueEvent) if e.status == "resolved"]
    assert [(e.by, e.note) for e in resolved] == [("U0LEAD0001", None)]

    raised.press(ActionId.RESOLVE_ISSUE)

    [answer] = fake_slack.wait_for(RESPONSE_URL)
    assert answer.args["text"].startswith("👍 No need to resolve it: this L1 issue was already")
    assert len(fake_slack.calls_to("views.open")) == 2


@pytest.fixture
def other_site_person(session_factory: sessionmaker[Session]) -> str:
    with session_scope(session_factory) as session:
        site = Site(
            name="Hillside",
            timezone="Europe/Berlin",
            delay_reasons=[],
            scrap_reasons=["other"],
            loss_categories={},
            alert_settings={},
        )
        session.add(site)
        session.flush()
        session.add(Person(site_id=site.id, slack_user_id="U0HILLSIDE"))
    return "U0HILLSIDE"


@pytest.mark.parametrize("action_id", [ActionId.ACKNOWLEDGE_ISSUE, ActionId.RESOLVE_ISSUE])
@pytest.mark.parametrize("who", ["stranger", "other site"])
def test_people_not_of_the_site_are_refused(
    raised: RaisedIssue,
    fake_slack: FakeSlackAPI,
    session_factory: sessionmaker[Session],
    other_site_person: str,
    action_id: ActionId,
    who: str,
) -> None:
    user = other_site_person if who == "other site" else "U0STRANGER"

    reply = raised.press(action_id, user=user)

    assert reply.status == 200
    [answer] = fake_slack.wait_for(RESPONSE_URL)
    assert "Only people of Riverside can acknowledge or resolve its issues." in answer.args["text"]
    [issue] = all_rows(session_factory, Issue)
    assert issue.status is IssueStatus.OPEN
    assert [e.status for e in all_rows(session_factory, IssueEvent)] == [IssueStatus.OPEN]
    assert fake_slack.calls_to("views.open") == []
    assert updates_of(fake_slack, raised.ts) == []


def test_a_refused_press_is_told_why_in_an_ephemeral_message(
    raised: RaisedIssue, fake_slack: FakeSlackAPI
) -> None:
    raised.press(ActionId.ACKNOWLEDGE_ISSUE, user="U0STRANGER")

    [answer] = fake_slack.wait_for(RESPONSE_URL, timeout=1)
    assert answer.args["response_type"] == "ephemeral"
    assert answer.args["text"] == (
        "⚠️ Only people of Riverside can acknowledge or resolve its issues."
    )


def test_a_forged_resolve_submission_from_outside_the_site_changes_nothing(
    raised: RaisedIssue, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    raised.press(ActionId.RESOLVE_ISSUE, user="U0LEAD0001")
    [opened] = fake_slack.wait_for("views.open")

    reply = raised.submit(opened.args["view"], "not mine", user="U0STRANGER")

    assert reply.json["response_action"] == "errors"
    assert "Only people of Riverside" in reply.json["errors"]["issue_resolution_note"]
    [issue] = all_rows(session_factory, Issue)
    assert issue.status is IssueStatus.OPEN


def test_an_acknowledgement_stops_the_escalation_ladder(
    raised: RaisedIssue,
    fake_slack: FakeSlackAPI,
    settings: Settings,
    session_factory: sessionmaker[Session],
) -> None:
    deps = JobDeps(session_factory=session_factory, client=make_web_client(settings))

    def run_at(minutes: int) -> list[str]:
        raised.at(minutes)
        return [call.args["channel"] for call in escalations_posts(minutes)]

    def escalations_posts(minutes: int) -> list[Call]:
        before = len(fake_slack.calls_to("chat.postMessage"))
        escalations.run(MID_SHIFT_A + timedelta(minutes=minutes), deps)
        return fake_slack.calls_to("chat.postMessage")[before:]

    assert run_at(16) == [MANAGER]
    raised.at(20)
    raised.press(ActionId.ACKNOWLEDGE_ISSUE)
    wait_for_update(fake_slack, raised.ts)

    assert run_at(60) == []  # the heads are never bothered
    assert run_at(21 + 4 * 60) == [MANAGER]  # one reminder to the acknowledger
    assert run_at(20 + 8 * 60) == []
    reminder = fake_slack.calls_to("chat.postMessage")[-1].args["text"]
    assert reminder.startswith("⏰ You acknowledged the HIGH issue on L1 at 10:20")
