"""``/prod handover`` end to end: the note and the open issues go to the line channel, another
lead of the line acknowledges with the button, and the next shift's summary line until then.

The plant here gives L1 a second lead (the incoming shift's).
"""

from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy.orm import Session, sessionmaker

from bot.entry.wsgi import ProdbotWSGI
from bot.messages.handover import unacknowledged_handover_text
from bot.messages.ids import ActionId
from bot.records.handover import pending_handover
from models import AuditRecord, Line, Shift
from models.handover import Handover
from tests.conftest import SAMPLE_PLANT, finish_background_work
from tests.e2e.support import actions_of, all_rows, block_texts, press_button, wait_until
from tests.fakes.slack_api import RESPONSE_URL, Call, FakeSlackAPI
from tests.slack_requests import SlackReply, SlackSender

OUTGOING = "U0LEAD0001"
INCOMING = "U0LEAD0003"
LINE_CHANNEL = "C0LINE0001"


@pytest.fixture
def plant_text() -> str:
    return SAMPLE_PLANT.replace('leads = ["U0LEAD0001"]', f'leads = ["{OUTGOING}", "{INCOMING}"]')


@pytest.fixture
def handover_message(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> Call:
    """A high issue on L1, then the outgoing lead's handover with a two-line note, posted and
    its ts saved (which happens just after Slack answered the post)."""
    slack.command("/issue", "L1 high conveyor jam")
    reply = slack.command("/prod", "handover Filler 3 runs slow\nwatch the capper", user=OUTGOING)
    assert reply.text == (
        "✅ Handover for L1 (shift A Wed 18 Nov → shift B Wed 18 Nov) with 1 open issue goes to "
        "<#C0LINE0001>; the lead of shift B Wed 18 Nov acknowledges it there."
    )
    message = wait_for_handover_post(fake_slack)
    wait_until(
        lambda: all_rows(session_factory, Handover)[0].message_ts,
        "the handover's message ts is saved",
    )
    return message


def handover_posts(fake_slack: FakeSlackAPI) -> list[Call]:
    return [
        call
        for call in fake_slack.calls_to("chat.postMessage")
        if call.args["text"].startswith("🔁 Handover")
    ]


def wait_for_handover_post(fake_slack: FakeSlackAPI) -> Call:
    """The one handover post, whatever else (boards, issue messages) the channel gets."""
    [post] = wait_until(lambda: handover_posts(fake_slack), "a handover is posted")
    return post


def press(slack: SlackSender, message: Call, *, user: str) -> SlackReply:
    return press_button(slack, message, ActionId.ACKNOWLEDGE_HANDOVER, user=user)


def pending(session_factory: sessionmaker[Session], shift: str) -> str | None:
    with session_factory() as session:
        [line] = [row for row in session.query(Line) if row.code == "L1"]
        [shift_row] = [row for row in session.query(Shift) if row.name == shift]
        handover = pending_handover(
            session, line_id=line.id, shift_id=shift_row.id, production_date=date(2026, 11, 18)
        )
        return unacknowledged_handover_text(handover) if handover else None


def test_the_handover_carries_the_note_and_open_issues_with_a_button(
    handover_message: Call, session_factory: sessionmaker[Session]
) -> None:
    assert handover_message.args["channel"] == LINE_CHANNEL
    assert handover_message.args["text"] == (
        "🔁 Handover L1 shift A Wed 18 Nov → shift B Wed 18 Nov by <@U0LEAD0001>: 1 open issue"
    )
    text = block_texts(handover_message.args["blocks"])
    assert "🔁 *Handover L1* · shift A Wed 18 Nov → shift B Wed 18 Nov" in text
    assert "> Filler 3 runs slow\n> watch the capper" in text
    assert "*Open issues at handover*\n🟠 high — conveyor jam (open)" in text
    assert "⏳ Waiting for the lead of shift B Wed 18 Nov to acknowledge." in text
    assert actions_of(handover_message.args["blocks"]) == [ActionId.ACKNOWLEDGE_HANDOVER]
    [handover] = all_rows(session_factory, Handover)
    assert (handover.written_by, handover.channel_id) == (OUTGOING, LINE_CHANNEL)
    assert handover.message_ts == handover_message.answer["ts"]
    assert len(handover.issue_ids) == 1
    audit = all_rows(session_factory, AuditRecord)[-1]
    assert (audit.action, audit.entity, audit.entity_id) == ("create", "handover", handover.id)


def test_the_incoming_lead_acknowledges_and_the_message_changes_in_place(
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    handover_message: Call,
    session_factory: sessionmaker[Session],
    clock: time_machine.Traveller,
) -> None:
    assert pending(session_factory, "B") is not None
    clock.move_to(datetime(2026, 11, 18, 13, 5, tzinfo=UTC))  # 14:05 in Berlin, shift B

    reply = press(slack, handover_message, user=INCOMING)

    assert reply.status == 200
    [update] = [
        call
        for call in fake_slack.wait_for("chat.update")
        if call.args["ts"] == handover_message.answer["ts"]
    ]
    assert update.args["channel"] == LINE_CHANNEL
    assert update.args["ts"] == handover_message.answer["ts"]
    assert "✅ Acknowledged by <@U0LEAD0003> at 14:05" in block_texts(update.args["blocks"])
    assert actions_of(update.args["blocks"]) == []
    [handover] = all_rows(session_factory, Handover)
    assert handover.acknowledged_by == INCOMING
    assert pending(session_factory, "B") is None

    press(slack, handover_message, user="U0LEAD0001")  # the author, after the fact

    [answer] = fake_slack.wait_for(RESPONSE_URL)
    assert answer.args["response_type"] == "ephemeral"
    assert answer.args["text"] == (
        "Thanks — this handover is already acknowledged. ✅ Acknowledged by <@U0LEAD0003> at 14:05."
    )
    assert (
        len([c for c in fake_slack.calls_to("chat.update") if c.args["ts"] == update.args["ts"]])
        == 1
    )


@pytest.mark.parametrize(
    ("user", "problem"),
    [
        (OUTGOING, "You wrote this handover: the incoming shift's lead acknowledges it."),
        ("U0MGR00001", "Only L1's leads can acknowledge its handover."),
    ],
)
def test_the_author_and_non_leads_cannot_acknowledge(
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    handover_message: Call,
    session_factory: sessionmaker[Session],
    user: str,
    problem: str,
) -> None:
    press(slack, handover_message, user=user)

    [answer] = fake_slack.wait_for(RESPONSE_URL)
    assert answer.args["response_type"] == "ephemeral"
    assert answer.args["text"] == f"⚠️ {problem}"
    [handover] = all_rows(session_factory, Handover)
    assert handover.acknowledged_at is None
    ts = handover_message.answer["ts"]
    assert [c for c in fake_slack.calls_to("chat.update") if c.args["ts"] == ts] == []


def test_an_unacknowledged_handover_is_pending_for_the_next_shift_only(
    handover_message: Call, session_factory: sessionmaker[Session]
) -> None:
    assert pending(session_factory, "B") == (
        "⚠️ *Handover not acknowledged:* <@U0LEAD0001>'s handover from shift A Wed 18 Nov "
        "(10:00) is still waiting for the incoming lead."
    )
    assert pending(session_factory, "A") is None
    assert pending(session_factory, "C") is None


def test_a_redelivered_request_saves_and_posts_once(
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    served_app: ProdbotWSGI,
    session_factory: sessionmaker[Session],
) -> None:
    first = slack.command("/prod", "handover all good", user=OUTGOING, trigger_id="t.1")
    wait_for_handover_post(fake_slack)

    again = slack.command("/prod", "handover all good", user=OUTGOING, trigger_id="t.1")

    assert "(already saved" in again.text and "(already saved" not in first.text
    assert len(all_rows(session_factory, Handover)) == 1
    finish_background_work(served_app)
    assert len(handover_posts(fake_slack)) == 1


def test_in_an_unmapped_channel_a_lead_of_one_line_hands_over_that_line(
    slack: SlackSender, fake_slack: FakeSlackAPI
) -> None:
    reply = slack.command("/prod", "handover", user="U0LEAD0002", channel="C0OTHER001")

    assert reply.text.startswith("✅ Handover for press2 (shift A Wed 18 Nov → shift B")
    message = wait_for_handover_post(fake_slack)
    assert message.args["channel"] == "C0PRESS002"
    assert "_No note._" in block_texts(message.args["blocks"])


def test_in_an_unmapped_channel_someone_leading_no_line_is_told_where_to_type(
    slack: SlackSender, session_factory: sessionmaker[Session]
) -> None:
    reply = slack.command("/prod", "handover", user="U0MGR00001", channel="C0OTHER001")

    assert reply.text.startswith(
        "⚠️ This channel is not a line's: type `/prod handover` in your line's channel."
    )
    assert all_rows(session_factory, Handover) == []


def test_early_in_a_shift_the_handover_is_for_the_shift_that_just_ended(
    slack: SlackSender, fake_slack: FakeSlackAPI, clock: time_machine.Traveller
) -> None:
    clock.move_to(datetime(2026, 11, 18, 13, 20, tzinfo=UTC))  # 14:20, shift B began at 14:00

    reply = slack.command("/prod", "handover", user=OUTGOING)

    assert "(shift A Wed 18 Nov → shift B Wed 18 Nov)" in reply.text
