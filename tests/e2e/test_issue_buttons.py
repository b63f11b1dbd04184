"""Acknowledge and Resolve on an issue message, through signed payloads as Slack sends them.

Until ``handlers/__init__.py`` registers ``handlers.issue_actions``, the ``register_issue_actions``
fixture below adds its listeners to the app the ``slack`` fixture builds; remove it once wired.
"""

import itertools
import json
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

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
from tests.e2e.support import MID_SHIFT_A, all_rows, block_texts
from tests.fakes.slack_api import RESPONSE_URL, TEAM_ID, Call, FakeSlackAPI
from tests.slack_requests import SlackReply, SlackSender

LINE_CHANNEL = "C0LINE0001"
MANAGER = "U0MGR00001"
_triggers = itertools.count(1)


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(MID_SHIFT_A, tick=True) as traveller:
        yield traveller


@pytest.fixture
def issue_message(
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    settings: Settings,
    session_factory: sessionmaker[Session],
) -> Call:
    """A high issue raised on L1: its message with the buttons (beside the board and thread)."""
    slack.command("/issue", "L1 high conveyor jam")
    posts = fake_slack.wait_for("chat.postMessage", 3)
    [message] = [post for post in posts if "issue_acknowledge" in str(post.args.get("blocks"))]
    assert message.args["channel"] == LINE_CHANNEL
    return message


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


def press(slack: SlackSender, message: Call, action_id: str, *, user: str = MANAGER) -> SlackReply:
    """A signed ``block_actions`` payload for a button on a channel message, as Slack sends it."""
    [button] = [
        element
        for block in message.args["blocks"]
        for element in block.get("elements", [])
        if element.get("action_id") == action_id
    ]
    ts = message.answer["ts"]
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID, "domain": "factory"},
        "user": {"id": user, "username": user.lower(), "team_id": TEAM_ID},
        "api_app_id": "A0PRODBOT1",
        "token": "legacy-verification-token",
        "container": {
            "type": "message",
            "message_ts": ts,
            "channel_id": LINE_CHANNEL,
            "is_ephemeral": False,
        },
        "trigger_id": f"{next(_triggers)}.{time.time_ns()}.trigger",
        "channel": {"id": LINE_CHANNEL, "name": "line-1"},
        "message": {"type": "message", "ts": ts, "text": message.args["text"]},
        "response_url": f"{slack.response_base}response/action",
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "b1",
                "text": button["text"],
                "value": button["value"],
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    return slack.post(urlencode({"payload": json.dumps(payload)}))


def submit(slack: SlackSender, view: dict[str, Any], note: str | None, *, user: str) -> SlackReply:
    """A signed ``view_submission`` of the modal ``view`` (as opened), with ``note`` typed in."""
    [input_block] = [block for block in view["blocks"] if block["type"] == "input"]
    field = {"type": "plain_text_input", "value": note}
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "factory"},
        "user": {"id": user, "username": user.lower(), "team_id": TEAM_ID},
        "api_app_id": "A0PRODBOT1",
        "token": "legacy-verification-token",
        "trigger_id": f"{next(_triggers)}.{time.time_ns()}.trigger",
        "view": {
            **view,
            "id": "V0RESOLVE1",
            "team_id": TEAM_ID,
            "state": {
                "values": {input_block["block_id"]: {input_block["element"]["action_id"]: field}}
            },
            "hash": "1790000000.abcdef",
        },
        "response_urls": [],
        "is_enterprise_install": False,
    }
    return slack.post(urlencode({"payload": json.dumps(payload)}))


def updates_of(fake_slack: FakeSlackAPI, ts: str) -> list[Call]:
    return [call for call in fake_slack.calls_to("chat.update") if call.args["ts"] == ts]


def wait_for_update(fake_slack: FakeSlackAPI, ts: str, count: int = 1) -> list[Call]:
    deadline = time.monotonic() + 5
    while len(updates := updates_of(fake_slack, ts)) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(updates) >= count, f"expected {count} chat.update of {ts}, got {len(updates)}"
    return updates


def actions_of(blocks: list[dict[str, Any]]) -> list[str]:
    return [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


def test_the_issue_message_carries_both_buttons(issue_message: Call, session_factory) -> None:
    [issue] = all_rows(session_factory, Issue)

    assert (issue.channel_id, issue.message_ts) == (LINE_CHANNEL, issue_message.answer["ts"])
    assert actions_of(issue_message.args["blocks"]) == [
        ActionId.ACKNOWLEDGE_ISSUE,
        ActionId.RESOLVE_ISSUE,
    ]
    text = block_texts(issue_message.args["blocks"])
    assert "🟠 *HIGH* issue on L1: conveyor jam" in text
    assert "Raised by <@U0LEAD0001> at 10:00 · ⏳ Open — not acknowledged yet" in text


def test_acknowledge_records_who_and_when_updates_the_message_and_the_board(
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    session_factory,
    issue_message: Call,
    clock: time_machine.Traveller,
) -> None:
    clock.move_to(MID_SHIFT_A + timedelta(minutes=5))
    reply = press(slack, issue_message, ActionId.ACKNOWLEDGE_ISSUE)

    assert reply.status == 200
    [message] = wait_for_update(fake_slack, issue_message.answer["ts"])
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
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    session_factory,
    issue_message: Call,
    clock: time_machine.Traveller,
) -> None:
    clock.move_to(MID_SHIFT_A + timedelta(minutes=40))
    press(slack, issue_message, ActionId.RESOLVE_ISSUE, user="U0LEAD0001")
    [opened] = fake_slack.wait_for("views.open")
    modal = opened.args["view"]
    assert modal["type"] == "modal"
    assert "conveyor jam" in block_texts(modal["blocks"])

    reply = submit(slack, modal, "  belt replaced  ", user="U0LEAD0001")

    assert (reply.status, reply.body) == (200, "")
    [message] = wait_for_update(fake_slack, issue_message.answer["ts"])
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
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    session_factory,
    issue_message: Call,
    clock: time_machine.Traveller,
) -> None:
    clock.move_to(MID_SHIFT_A + timedelta(minutes=5))
    press(slack, issue_message, ActionId.ACKNOWLEDGE_ISSUE)
    wait_for_update(fake_slack, issue_message.answer["ts"])

    press(slack, issue_message, ActionId.ACKNOWLEDGE_ISSUE, user="U0HEAD0001")

    [answer] = fake_slack.wait_for(RESPONSE_URL)
    assert answer.args["response_type"] == "ephemeral"
    assert answer.args["replace_original"] is False
    assert answer.args["text"] == (
        "👍 No need to acknowledge it: this L1 issue was already acknowledged "
        "by <@U0MGR00001> at 10:05."
    )
    events = [e.status for e in all_rows(session_factory, IssueEvent)]
    assert events == [IssueStatus.OPEN, IssueStatus.ACKNOWLEDGED]
    assert len(updates_of(fake_slack, issue_message.answer["ts"])) == 1


def test_a_stale_resolve_modal_submitted_after_someone_resolved_changes_nothing(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory, issue_message: Call
) -> None:
    press(slack, issue_message, ActionId.RESOLVE_ISSUE, user="U0LEAD0001")
    press(slack, issue_message, ActionId.RESOLVE_ISSUE)
    first, second = (call.args["view"] for call in fake_slack.wait_for("views.open", 2))
    submit(slack, first, None, user="U0LEAD0001")

    reply = submit(slack, second, "fixed it too", user=MANAGER)

    assert reply.json["response_action"] == "update"
    assert "already resolved by <@U0LEAD0001>" in block_texts(reply.json["view"]["blocks"])
    resolved = [e for e in all_rows(session_factory, IssueEvent) if e.status == "resolved"]
    assert [(e.by, e.note) for e in resolved] == [("U0LEAD0001", None)]

    press(slack, issue_message, ActionId.RESOLVE_ISSUE)

    [answer] = fake_slack.wait_for(RESPONSE_URL)
    assert answer.args["text"].startswith("👍 No need to resolve it: this L1 issue was already")
    assert len(fake_slack.calls_to("views.open")) == 2


@pytest.fixture
def other_site_person(session_factory: sessionmaker[Session]) -> str:
    with session_scope(session_factory) as session:
        site = Site(name="Hillside", timezone="Europe/Berlin", delay_reasons=[], alert_settings={})
        session.add(site)
        session.flush()
        session.add(Person(site_id=site.id, slack_user_id="U0HILLSIDE"))
    return "U0HILLSIDE"


@pytest.mark.parametrize("action_id", [ActionId.ACKNOWLEDGE_ISSUE, ActionId.RESOLVE_ISSUE])
@pytest.mark.parametrize("who", ["stranger", "other site"])
def test_people_not_of_the_site_are_refused(
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    session_factory,
    issue_message: Call,
    other_site_person: str,
    action_id: ActionId,
    who: str,
) -> None:
    user = other_site_person if who == "other site" else "U0STRANGER"

    reply = press(slack, issue_message, action_id, user=user)

    assert reply.status == 200
    [answer] = fake_slack.wait_for(RESPONSE_URL)
    assert "Only people of Riverside can acknowledge or resolve its issues." in answer.args["text"]
    [issue] = all_rows(session_factory, Issue)
    assert issue.status is IssueStatus.OPEN
    assert [e.status for e in all_rows(session_factory, IssueEvent)] == [IssueStatus.OPEN]
    assert fake_slack.calls_to("views.open") == []
    assert updates_of(fake_slack, issue_message.answer["ts"]) == []


def test_a_refused_press_is_told_why_in_an_ephemeral_message(
    slack: SlackSender, fake_slack: FakeSlackAPI, issue_message: Call
) -> None:
    press(slack, issue_message, ActionId.ACKNOWLEDGE_ISSUE, user="U0STRANGER")

    [answer] = fake_slack.wait_for(RESPONSE_URL, timeout=1)
    assert answer.args["response_type"] == "ephemeral"
    assert answer.args["text"] == (
        "⚠️ Only people of Riverside can acknowledge or resolve its issues."
    )


def test_a_forged_resolve_submission_from_outside_the_site_changes_nothing(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory, issue_message: Call
) -> None:
    press(slack, issue_message, ActionId.RESOLVE_ISSUE, user="U0LEAD0001")
    [opened] = fake_slack.wait_for("views.open")

    reply = submit(slack, opened.args["view"], "not mine", user="U0STRANGER")

    assert reply.json["response_action"] == "errors"
    assert "Only people of Riverside" in reply.json["errors"]["issue_resolution_note"]
    [issue] = all_rows(session_factory, Issue)
    assert issue.status is IssueStatus.OPEN


def test_an_acknowledgement_stops_the_escalation_ladder(
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    settings: Settings,
    session_factory,
    issue_message: Call,
    clock: time_machine.Traveller,
) -> None:
    deps = JobDeps(session_factory=session_factory, client=make_web_client(settings))

    def run_at(minutes: int) -> list[str]:
        clock.move_to(MID_SHIFT_A + timedelta(minutes=minutes))
        return [call.args["channel"] for call in escalations_posts(minutes)]

    def escalations_posts(minutes: int) -> list[Call]:
        before = len(fake_slack.calls_to("chat.postMessage"))
        escalations.run(MID_SHIFT_A + timedelta(minutes=minutes), deps)
        return fake_slack.calls_to("chat.postMessage")[before:]

    assert run_at(16) == [MANAGER]
    clock.move_to(MID_SHIFT_A + timedelta(minutes=20))
    press(slack, issue_message, ActionId.ACKNOWLEDGE_ISSUE)
    wait_for_update(fake_slack, issue_message.answer["ts"])

    assert run_at(60) == []  # the heads are never bothered
    assert run_at(21 + 4 * 60) == [MANAGER]  # one reminder to the acknowledger
    assert run_at(20 + 8 * 60) == []
    reminder = fake_slack.calls_to("chat.postMessage")[-1].args["text"]
    assert reminder.startswith("⏰ You acknowledged the HIGH issue on L1 at 10:20")
