from datetime import timedelta

import pytest
import time_machine

from handlers.parsing import USAGE
from models import DelayEntry, OutputEntry
from tests.e2e.support import all_rows, ephemeral_text, report, report_audits
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack_requests import SlackReply, SlackSender

UNMAPPED = "C0OTHER001"
BOARD_TS = "1790000000.000001"


# --- status ----------------------------------------------------------------------------------


def test_status_of_all_lines_shows_totals_pace_and_delays(
    slack: SlackSender, fake_slack: FakeSlackAPI
) -> None:
    report(slack, fake_slack, "/output", "L1 120", posts=2)
    report(slack, fake_slack, "/output", "L1 200 scrap 5", posts=3)
    report(slack, fake_slack, "/delay", "L1 20m material", posts=4)

    reply = slack.command("/prod", "status", channel=UNMAPPED)

    assert ephemeral_text(reply) == "L1: 320 / 800 bottles (40%); press2: 0 / 400 parts (0%)"
    blocks = reply.json["blocks"]
    assert len(blocks) == 2
    l1, press2 = (block["text"]["text"] for block in blocks)
    assert l1.startswith("*L1* · Line 1 - Bottling — shift A · Wed 18 Nov 06:00–14:00\n")
    # 320 in the first half of an 8-hour shift projects to 640 of 800.
    assert "`▓▓▓▓░░░░░░` 320 / 800 bottles (40%) · pace 80% · delays 20 min · no open issues" in l1
    assert "*Day Wed 18 Nov* 320 / 2,200 bottles (15%)" in l1
    assert press2.startswith("*press2* · Press 2 — shift A")
    assert "0 / 400 parts (0%) · pace 0%" in press2


def test_status_of_one_line_shows_only_that_line(
    slack: SlackSender, fake_slack: FakeSlackAPI
) -> None:
    report(slack, fake_slack, "/output", "L1 120", posts=2)
    report(slack, fake_slack, "/issue", "L1 medium slow infeed", posts=3)

    reply = slack.command("/prod", "status L1", channel=UNMAPPED)

    assert reply.text == "L1: 120 / 800 bottles (15%)"
    [block] = reply.json["blocks"]
    assert (
        "120 / 800 bottles (15%) · pace 30% · delays 0 min · 1 open issue\n"
        in (block["text"]["text"])
    )


def test_status_in_a_line_channel_defaults_to_that_line(
    slack: SlackSender, fake_slack: FakeSlackAPI
) -> None:
    reply = slack.command("/prod", "status", channel="C0PRESS002")

    assert reply.text == "press2: 0 / 400 parts (0%)"
    assert len(reply.json["blocks"]) == 1
    assert fake_slack.calls_to("chat.postMessage") == []


def test_status_of_an_unknown_line_names_the_problem(slack: SlackSender) -> None:
    reply = slack.command("/prod", "status L9", channel=UNMAPPED)

    assert "unknown line 'L9' (lines: l1, press2)" in reply.text
    assert "Usage: `/prod status [LINE]`" in reply.text


# --- help ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["help", "", "he"])
def test_help_lists_the_usage_of_every_command(slack: SlackSender, text: str) -> None:
    answer = ephemeral_text(slack.command("/prod", text))

    for usage in [
        "/output [LINE] GOOD [scrap N [REASON]] [shift S] [date YYYY-MM-DD] [note…]",
        "/delay [LINE] DURATION REASON [note…]",
        "/issue [LINE] SEVERITY TEXT…",
        "/prod status [LINE]",
        "/prod target LINE QTY [shift S] [from YYYY-MM-DD] [to YYYY-MM-DD]",
        "/prod undo",
        "/prod export [from YYYY-MM-DD] [to YYYY-MM-DD]",
        "/prod handover [note…]",
    ]:
        assert f"• `{usage}`" in answer
    assert len([line for line in answer.splitlines() if line.startswith("• `")]) == len(USAGE)
    assert "DURATION: `45`, `45m`, `1h`, `1h30m`, `1:30`" in answer


# --- undo ------------------------------------------------------------------------------------


@pytest.fixture
def two_outputs(slack: SlackSender, fake_slack: FakeSlackAPI) -> None:
    """L1's lead reported 120, then 200, and the board shows both."""
    report(slack, fake_slack, "/output", "L1 120", posts=2)
    report(slack, fake_slack, "/output", "L1 200", posts=3)


@pytest.mark.usefixtures("two_outputs")
def test_undo_voids_the_callers_latest_entry_and_corrects_the_board(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
) -> None:
    reply = slack.command("/prod", "undo")

    assert ephemeral_text(reply) == (
        "↩️ Voided your last output entry on L1. The board shows the corrected total."
    )
    first, second = all_rows(session_factory, OutputEntry)
    assert first.voided_at is None
    assert second.voided_at is not None
    assert (second.voided_by, second.void_reason) == ("U0LEAD0001", "undone with /prod undo")
    assert second.good == 200  # voided, never deleted
    audits = [a for a in report_audits(session_factory) if a.action == "void"]
    assert [(a.entity, a.entity_id, a.actor) for a in audits] == [
        ("output", second.id, "U0LEAD0001")
    ]

    updates = fake_slack.wait_for("chat.update", 2)
    assert updates[-1].args["ts"] == BOARD_TS
    assert "120 / 800" in updates[-1].args["text"]
    thread = fake_slack.wait_for("chat.postMessage", 4)[3]
    assert thread.args["thread_ts"] == BOARD_TS
    assert thread.args["text"].startswith(
        "↩️ voided +200 good by <@U0LEAD0001> → 120 / 800 bottles (15%)"
    )


def test_undo_voids_a_delay_when_it_is_the_latest_entry(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
) -> None:
    report(slack, fake_slack, "/output", "L1 120", posts=2)
    report(slack, fake_slack, "/delay", "L1 30m staffing", posts=3)

    reply = slack.command("/prod", "undo")

    assert "Voided your last delay entry on L1" in reply.text
    [delay] = all_rows(session_factory, DelayEntry)
    [entry] = all_rows(session_factory, OutputEntry)
    assert delay.voided_at is not None
    assert entry.voided_at is None
    thread = fake_slack.wait_for("chat.postMessage", 4)[3]
    assert thread.args["text"] == (
        "↩️ voided ⏱ 30 min staffing by <@U0LEAD0001> → 0 min lost this shift"
    )


def test_undo_never_voids_another_users_entry(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
) -> None:
    report(slack, fake_slack, "/output", "L1 120", posts=2, user="U0LEAD0001")
    report(slack, fake_slack, "/output", "L1 200", posts=3, user="U0MGR00001")

    reply = slack.command("/prod", "undo", user="U0LEAD0001")

    assert "Voided your last output entry on L1" in reply.text
    mine, theirs = all_rows(session_factory, OutputEntry)
    assert (mine.reported_by, mine.voided_by) == ("U0LEAD0001", "U0LEAD0001")
    assert (theirs.reported_by, theirs.voided_at) == ("U0MGR00001", None)
    update = fake_slack.wait_for("chat.update", 2)[-1]
    assert "200 / 800" in update.args["text"]
    fake_slack.wait_for("chat.postMessage", 4)


def test_undo_with_nothing_of_ones_own_to_undo_says_so(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
) -> None:
    report(slack, fake_slack, "/output", "L1 120", posts=2, user="U0MGR00001")

    reply = slack.command("/prod", "undo", user="U0LEAD0001")

    assert reply.text == "⚠️ You have no entries to undo.\nUsage: `/prod undo`"
    [entry] = all_rows(session_factory, OutputEntry)
    assert entry.voided_at is None
    assert fake_slack.calls_to("chat.update") == []


def undo_after(
    slack: SlackSender, fake_slack: FakeSlackAPI, clock: time_machine.Traveller, minutes: int
) -> SlackReply:
    """``/prod undo`` of an entry made ``minutes`` before."""
    report(slack, fake_slack, "/output", "L1 120", posts=2)
    clock.shift(timedelta(minutes=minutes))
    return slack.command("/prod", "undo")


def test_undo_after_60_minutes_is_refused_and_voids_nothing(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory, clock: time_machine.Traveller
) -> None:
    reply = undo_after(slack, fake_slack, clock, minutes=61)

    assert reply.status == 200
    assert reply.text.startswith(
        "⚠️ Your last entry (at 10:00) is more than 60 minutes old, so `/prod undo` can no "
        "longer void it."
    )
    [entry] = all_rows(session_factory, OutputEntry)
    assert entry.voided_at is None
    assert [a for a in report_audits(session_factory) if a.action == "void"] == []
    assert fake_slack.calls_to("chat.update") == []
    assert len(fake_slack.calls_to("chat.postMessage")) == 2


def test_undo_at_59_minutes_still_works(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory, clock: time_machine.Traveller
) -> None:
    reply = undo_after(slack, fake_slack, clock, minutes=59)

    assert "Voided your last output entry" in reply.text
    [entry] = all_rows(session_factory, OutputEntry)
    assert entry.voided_at is not None
    fake_slack.wait_for("chat.postMessage", 3)


@pytest.mark.usefixtures("two_outputs")
def test_undo_delivered_twice_voids_only_one_entry(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
) -> None:
    first = slack.command("/prod", "undo", trigger_id="undo.twice")
    fake_slack.wait_for("chat.postMessage", 4)
    second = slack.command("/prod", "undo", trigger_id="undo.twice")

    assert first.status == second.status == 200
    kept, voided = all_rows(session_factory, OutputEntry)
    assert voided.voided_at is not None
    assert kept.voided_at is None, "a redelivered /prod undo voided a second entry"
