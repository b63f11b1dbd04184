"""An implausible quantity (more than the line can make in the shift so far) is not refused:
the reporter is asked "did you mean that?" and may save it anyway or discard it."""

import json
from datetime import UTC, datetime

import time_machine

from models import OutputEntry, Shift
from tests.e2e.support import (
    all_rows,
    assert_no_trace,
    button,
    ephemeral_text,
    report,
    report_audits,
)
from tests.fakes.slack_api import RESPONSE_URL, FakeSlackAPI
from tests.slack_requests import SlackReply, SlackSender


def ask_implausible(slack: SlackSender, text: str = "L1 900") -> SlackReply:
    reply = slack.command("/output", text, trigger_id="implausible.trigger")
    assert reply.status == 200
    return reply


def test_more_than_the_line_can_make_asks_did_you_mean_and_writes_nothing(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
) -> None:
    # L1 makes 120/h ideally; four hours into shift A that is 480, 600 with the 25% margin.
    reply = ask_implausible(slack)

    assert "900 bottles is more than L1 can make in this shift so far (about 600 " in (
        ephemeral_text(reply)
    )
    blocks = reply.json["blocks"]
    assert blocks[0]["text"]["text"].startswith("🤔 *Did you mean that?* 900 bottles")
    save = button(reply, "output_confirm")
    assert save["text"]["text"] == "Save anyway"
    value = json.loads(save["value"])
    assert value["key"] == "implausible.trigger"
    assert (value["command"]["line"], value["command"]["good"]) == ("l1", 900)
    assert button(reply, "output_discard")["text"]["text"] == "Discard"
    assert_no_trace(session_factory, fake_slack, OutputEntry)


def test_a_quantity_within_capacity_is_saved_without_asking(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
) -> None:
    reply = slack.command("/output", "L1 590 scrap 5")

    assert "✅ Saved +590 good, 5 scrap" in reply.text
    assert "blocks" not in reply.json
    assert len(all_rows(session_factory, OutputEntry)) == 1
    fake_slack.wait_for("chat.postMessage", 2)


def test_what_the_shift_already_reported_counts_towards_capacity(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
) -> None:
    report(slack, fake_slack, "/output", "L1 400", posts=2)

    reply = slack.command("/output", "L1 250")

    assert button(reply, "output_confirm")
    assert "250 bottles is more than L1 can make in this shift so far (about 200 " in reply.text
    assert [e.good for e in all_rows(session_factory, OutputEntry)] == [400]


def test_save_anyway_saves_the_entry_once_and_answers_through_the_response_url(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
) -> None:
    value = button(ask_implausible(slack, "L1 900 scrap 4 counter reset"), "output_confirm")[
        "value"
    ]

    pressed = slack.action("output_confirm", value)

    assert pressed.status == 200
    [answer] = fake_slack.wait_for(RESPONSE_URL)
    assert answer.args["replace_original"] is True
    assert answer.args["text"].startswith("✅ Saved +900 good, 4 scrap on L1, shift A")
    assert "shows the running total" in answer.args["text"]
    [entry] = all_rows(session_factory, OutputEntry)
    assert (entry.good, entry.scrap, entry.note) == (900, 4, "counter reset")
    assert entry.request_key == "implausible.trigger"
    [audit] = report_audits(session_factory)
    assert audit.details == {"good": 900, "scrap": 4, "scrap_reason": None, "confirmed": True}
    board, thread = fake_slack.wait_for("chat.postMessage", 2)
    assert "900 / 800" in board.args["text"]
    assert thread.args["text"].startswith("+900 good, 4 scrap → 900 / 800 bottles (112%)")


def test_pressing_save_anyway_twice_saves_once(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
) -> None:
    value = button(ask_implausible(slack), "output_confirm")["value"]

    slack.action("output_confirm", value)
    fake_slack.wait_for(RESPONSE_URL)
    fake_slack.wait_for("chat.postMessage", 2)
    slack.action("output_confirm", value)

    first, second = fake_slack.wait_for(RESPONSE_URL, 2)
    assert "already saved" not in first.args["text"]
    assert "already saved" in second.args["text"]
    assert len(all_rows(session_factory, OutputEntry)) == 1
    assert len(report_audits(session_factory)) == 1
    # The repeat press neither refreshes the board nor adds a thread line.
    assert len(fake_slack.calls_to("chat.postMessage")) == 2
    assert fake_slack.calls_to("chat.update") == []


def test_discard_deletes_the_question_and_saves_nothing(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
) -> None:
    ask_implausible(slack)

    slack.action("output_discard", "-")

    [answer] = fake_slack.wait_for(RESPONSE_URL)
    assert answer.args["delete_original"] is True
    assert all_rows(session_factory, OutputEntry) == []


def test_save_anyway_pressed_after_the_shift_changed_saves_into_the_shift_it_was_typed_in(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
) -> None:
    with time_machine.travel(datetime(2026, 11, 18, 12, 55, tzinfo=UTC), tick=True) as clock:
        # 13:55 in Berlin, five minutes before shift A ends: 1,200 is above its ~1,187 capacity.
        reply = slack.command("/output", "L1 1200", trigger_id="late.trigger")
        value = button(reply, "output_confirm")["value"]
        clock.move_to(datetime(2026, 11, 18, 13, 5, tzinfo=UTC))  # 14:05, shift B is running

        slack.action("output_confirm", value)
        fake_slack.wait_for(RESPONSE_URL)

    [entry] = all_rows(session_factory, OutputEntry)
    with session_factory() as session:
        shift = session.get_one(Shift, entry.shift_id)
    assert (shift.name, entry.production_date.isoformat()) == ("A", "2026-11-18")
    fake_slack.wait_for("chat.postMessage", 2)
