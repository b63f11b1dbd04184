"""What a request owes Slack is owed in the same transaction as the change and sent once: the
issue message (whichever way the issue was raised), its redraws, handovers and target
announcements; during a Slack outage it waits in the outbox, and a failure after the commit is
never answered as "nothing was saved"."""

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.entry.wsgi import ProdbotWSGI
from bot.messages.ids import ActionId
from bot.records.handover import handover_message_key
from bot.records.issues import acknowledge_issue, issue_message_key
from bot.slack.client import WebClient
from bot.slack.outbox import Outbox
from models import Issue, OutboxItem, OutboxStatus
from models.handover import Handover
from tests.conftest import finish_background_work
from tests.e2e.support import (
    actions_of,
    all_rows,
    ephemeral_text,
    press_button,
    wait_until,
)
from tests.e2e.test_forms import Form, choice, open_form, text
from tests.fakes.slack_api import RESPONSE_URL, Call, FakeSlackAPI
from tests.slack_requests import SlackSender

LINE_CHANNEL = "C0LINE0001"
RAISED = "✅ Raised a *high* issue on L1; it is on the shift board."
# Later than the first retry's backoff (30 s) and the wait of a redraw whose post is owed.
PAST_BACKOFF = timedelta(seconds=61)


@pytest.fixture
def outbox(fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]) -> Outbox:
    """A sender of owed messages as the ``deliveries`` job has one."""
    client = WebClient(token="xoxb-test-token", base_url=fake_slack.base_url, timeout=5)
    return Outbox(client=client, session_factory=session_factory)


def owed(session_factory: sessionmaker[Session], key: str) -> OutboxItem | None:
    return next((row for row in all_rows(session_factory, OutboxItem) if row.key == key), None)


def tried_once(session_factory: sessionmaker[Session], key: str) -> OutboxItem | None:
    """The owed row ``key`` once its first attempt is over (and it is waiting to be retried)."""
    row = owed(session_factory, key)
    return row if row is not None and row.attempts == 1 and row.claimed_by is None else None


def posted(fake: FakeSlackAPI, key: str) -> list[dict[str, Any]]:
    """The messages Slack holds that were posted for the outbox row ``key``."""
    return [
        message
        for messages in fake.messages.values()
        for message in messages
        if ((message.get("metadata") or {}).get("event_payload") or {}).get("key") == key
    ]


def issue_message(fake: FakeSlackAPI) -> Call:
    """The issue's own message in the line channel (the one with buttons), once posted."""
    [call] = wait_until(
        lambda: [
            call
            for call in fake.calls_to("chat.postMessage")
            if call.answer and ActionId.ACKNOWLEDGE_ISSUE in str(call.args.get("blocks"))
        ],
        "the issue message is posted",
    )
    return call


def only_issue(session_factory: sessionmaker[Session]) -> Issue:
    [issue] = all_rows(session_factory, Issue)
    return issue


@pytest.mark.parametrize("opened_in", [LINE_CHANNEL, None], ids=["channel", "app-home"])
def test_an_issue_raised_through_the_form_gets_its_message_with_the_buttons(
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    session_factory: sessionmaker[Session],
    opened_in: str | None,
) -> None:
    if opened_in is None:  # App Home's "Raise an issue" button
        slack.action(ActionId.OPEN_ISSUE_FORM, "issue")
        form = Form(slack, fake_slack.wait_for("views.open")[-1].args["view"])
    else:
        form = open_form(slack, fake_slack, "/issue")
    assert json.loads(form.view["private_metadata"])["channel_id"] == opened_in

    reply = form.submit(
        {"line": choice("l1"), "severity": choice("high"), "text": text("conveyor jam")}
    )

    assert (reply.status, reply.body) == (200, "")
    message = issue_message(fake_slack)
    assert message.args["channel"] == LINE_CHANNEL
    assert actions_of(message.args["blocks"]) == [
        ActionId.ACKNOWLEDGE_ISSUE,
        ActionId.RESOLVE_ISSUE,
    ]
    issue = only_issue(session_factory)
    assert message.args["metadata"]["event_payload"]["key"] == issue_message_key(issue.id)
    wait_until(lambda: only_issue(session_factory).message_ts, "the message's ts is saved")
    assert only_issue(session_factory).message_ts == message.answer["ts"]

    press_button(slack, message, ActionId.ACKNOWLEDGE_ISSUE, user="U0LEAD0001")

    [redraw] = wait_until(
        lambda: [
            call
            for call in fake_slack.calls_to("chat.update")
            if call.args["ts"] == message.answer["ts"]
        ],
        "the issue message is redrawn",
    )
    assert actions_of(redraw.args["blocks"]) == [ActionId.RESOLVE_ISSUE]


def test_an_issue_raised_while_slack_is_down_is_answered_and_its_message_posted_once_later(
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    served_app: ProdbotWSGI,
    session_factory: sessionmaker[Session],
    outbox: Outbox,
    clock: time_machine.Traveller,
) -> None:
    fake_slack.fail("chat.postMessage", status=500, times=1000)

    reply = slack.command("/issue", "L1 high conveyor jam")

    assert ephemeral_text(reply) == RAISED
    key = issue_message_key(only_issue(session_factory).id)
    waiting = wait_until(lambda: tried_once(session_factory, key), "the post was tried")
    assert waiting.status is OutboxStatus.PENDING
    assert waiting.last_error
    assert served_app.boards.wait_until_idle()
    assert posted(fake_slack, key) == []

    fake_slack.fail("chat.postMessage", times=0)
    clock.shift(PAST_BACKOFF)
    outbox.deliver()
    outbox.deliver()

    [message] = posted(fake_slack, key)
    sent = owed(session_factory, key)
    assert sent is not None and sent.status is OutboxStatus.SENT
    assert only_issue(session_factory).message_ts == message["ts"] == sent.message_ts
    assert fake_slack.calls_to(RESPONSE_URL) == []


def test_a_database_failure_after_the_issue_was_committed_is_not_answered_as_not_saved(
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    served_app: ProdbotWSGI,
    session_factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    tried: list[object] = []

    def database_gone(self: Outbox, ids: object = None) -> list[object]:
        tried.append(ids)
        raise OperationalError("UPDATE outbox", {}, ConnectionError("server closed the connection"))

    monkeypatch.setattr(Outbox, "deliver", database_gone)

    with caplog.at_level(logging.ERROR, logger="bot.slack.posts"):
        reply = slack.command("/issue", "L1 high conveyor jam")
        wait_until(lambda: tried, "the issue message is sent after the commit")
        # Had the error handler answered through the response URL, it would have by now.
        finish_background_work(served_app)

    assert ephemeral_text(reply) == RAISED
    assert fake_slack.calls_to(RESPONSE_URL) == []
    assert any("is saved, but" in record.getMessage() for record in caplog.records)
    still_owed = owed(session_factory, issue_message_key(only_issue(session_factory).id))
    assert still_owed is not None and still_owed.status is OutboxStatus.PENDING


def test_a_database_failure_before_the_commit_is_answered_as_not_saved_and_owes_nothing(
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    session_factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def database_gone(*args: object, **kwargs: object) -> tuple[int, ...]:
        raise OperationalError("INSERT INTO outbox", {}, ConnectionError("connection refused"))

    monkeypatch.setattr("bot.records.reporting.owe_issue_message", database_gone)

    reply = slack.command("/issue", "L1 high conveyor jam")

    assert "nothing was saved" in ephemeral_text(reply)
    assert all_rows(session_factory, Issue) == []
    assert all_rows(session_factory, OutboxItem) == []


def test_a_redraw_owed_before_the_issue_message_was_posted_waits_for_it(
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    served_app: ProdbotWSGI,
    session_factory: sessionmaker[Session],
    outbox: Outbox,
    clock: time_machine.Traveller,
) -> None:
    fake_slack.fail("chat.postMessage", status=500, times=1000)
    slack.command("/issue", "L1 high conveyor jam")
    issue_id = only_issue(session_factory).id
    wait_until(lambda: tried_once(session_factory, issue_message_key(issue_id)), "tried")
    assert served_app.boards.wait_until_idle()
    with session_scope(session_factory) as session:
        change = acknowledge_issue(
            session, issue_id=issue_id, user_id="U0LEAD0001", at=datetime.now(UTC)
        )
    [update_id] = change.owed

    [waiting] = outbox.deliver([update_id])

    assert not waiting.sent  # nor dropped: it waits for the post
    assert [r.status for r in all_rows(session_factory, OutboxItem)] == [OutboxStatus.PENDING] * 2
    assert fake_slack.calls_to("chat.update") == []
    fake_slack.fail("chat.postMessage", times=0)
    clock.shift(PAST_BACKOFF)
    outbox.deliver()

    [message] = posted(fake_slack, issue_message_key(issue_id))
    [redraw] = fake_slack.calls_to("chat.update")
    assert redraw.args["ts"] == message["ts"]
    assert [row.status for row in all_rows(session_factory, OutboxItem)] == [OutboxStatus.SENT] * 2


def test_a_handover_is_owed_with_it_and_posted_once_slack_is_back(
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    session_factory: sessionmaker[Session],
    outbox: Outbox,
    clock: time_machine.Traveller,
) -> None:
    fake_slack.fail("chat.postMessage", status=500, times=1000)

    reply = slack.command("/prod", "handover Filler 3 runs slow")

    assert ephemeral_text(reply).startswith("✅ Handover for L1")
    [handover] = all_rows(session_factory, Handover)
    key = handover_message_key(handover.id)
    wait_until(lambda: tried_once(session_factory, key), "the handover post was tried")
    assert fake_slack.calls_to(RESPONSE_URL) == []  # nobody is told it was not posted

    fake_slack.fail("chat.postMessage", times=0)
    clock.shift(PAST_BACKOFF)
    outbox.deliver()
    outbox.deliver()

    [message] = posted(fake_slack, key)
    assert message["text"].startswith("🔁 Handover L1")
    [handover] = all_rows(session_factory, Handover)
    assert handover.message_ts == message["ts"]


def test_a_target_announcement_is_an_owed_row_that_is_sent(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    reply = slack.command("/prod", "target L1 900 shift A", user="U0MGR00001")

    assert ephemeral_text(reply).startswith("🎯 Set L1 shift A target to 900 bottles")
    [post] = fake_slack.wait_for("chat.postMessage")
    assert post.args["channel"] == LINE_CHANNEL
    assert post.args["text"] == (
        "🎯 <@U0MGR00001> set L1 shift A target to 900 bottles on Wed 18 Nov (was 800)."
    )
    [row] = wait_until(
        lambda: [r for r in all_rows(session_factory, OutboxItem) if r.status is OutboxStatus.SENT],
        "the announcement is marked sent",
    )
    assert (row.kind, row.channel, row.message_ts) == (
        "target_announcement",
        LINE_CHANNEL,
        post.answer["ts"],
    )
    assert post.args["metadata"]["event_payload"]["key"] == row.key
