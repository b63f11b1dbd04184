"""Report forms and typed text that prodbot did not issue or cannot store, sent as signed
requests: a form's state it did not write, a line of another site, a control character (a NUL,
which PostgreSQL refuses) in any text. Each gets its own answer under the field it belongs to
(the line, for the form's own state) or in an ephemeral message, writes nothing and posts
nothing. What people typed is escaped where Slack reads mrkdwn and shown as typed in a form's
field errors (plain text).

Requests come from L1's lead (the plant file's people may report; strangers are refused).
"""

import json
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from models import AuditRecord, DelayEntry, OutputEntry
from tests.e2e.forged import (
    HILL_CHANNEL,
    WRITES,
    choice,
    field_errors,
    make_hillside,
    open_form,
    submit,
    text_input,
)
from tests.e2e.support import all_rows, assert_no_trace
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack_requests import LEAD, SlackSender


@pytest.fixture
def hillside(session_factory: sessionmaker[Session], loaded_plant: None) -> int:
    return make_hillside(session_factory)


# --- report forms -------------------------------------------------------------------------------


def forged_form(kind: str) -> str:
    return (
        "This form did not come from prodbot as it is, so nothing was saved. "
        f"Close it and open a new one with `/{kind}`."
    )


@pytest.mark.parametrize(
    "metadata",
    [
        "not json",
        "",
        "{}",
        "[]",
        '{"kind": "delay", "channel_id": "C0LINE0001"}',  # another form's
        '{"kind": "output", "channel_id": "<!channel>"}',
        '{"kind": "output", "channel_id": "C0LINE0001", "line": "l1"}',
        '{"kind": "output", "channel_id": 7}',
    ],
)
def test_a_report_form_with_forged_metadata_is_answered_under_the_line(
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    session_factory: sessionmaker[Session],
    metadata: str,
) -> None:
    view = open_form(slack, fake_slack, "/output")

    reply = submit(
        slack, view, {"line": choice("l1"), "good": text_input("120")}, private_metadata=metadata
    )

    assert field_errors(reply) == {"line": forged_form("output")}
    assert_no_trace(session_factory, fake_slack, *WRITES)


@pytest.mark.parametrize("command", ["/output", "/delay"])
def test_a_form_naming_another_sites_channel_and_line_is_refused(
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    session_factory: sessionmaker[Session],
    hillside: int,
    command: str,
) -> None:
    view = open_form(slack, fake_slack, command)
    kind = command.removeprefix("/")
    metadata = json.dumps({"kind": kind, "channel_id": HILL_CHANNEL})
    values = (
        {"line": choice("h1"), "good": text_input("120")}
        if kind == "output"
        else {"line": choice("h1"), "duration": text_input("10m"), "reason": choice("breakdown")}
    )

    reply = submit(slack, view, values, private_metadata=metadata)

    errors = field_errors(reply)
    assert list(errors) == ["line"]
    assert errors["line"].startswith("Only H1's leads, operators and managers")
    assert [r for r in all_rows(session_factory, AuditRecord) if r.actor == LEAD] == []
    assert all_rows(session_factory, OutputEntry) == all_rows(session_factory, DelayEntry) == []
    assert fake_slack.calls_to("chat.postMessage") == []


def test_a_form_naming_another_sites_line_is_refused(
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    session_factory: sessionmaker[Session],
    hillside: int,
) -> None:
    view = open_form(slack, fake_slack, "/output")

    reply = submit(slack, view, {"line": choice("h1"), "good": text_input("120")})

    assert field_errors(reply) == {
        "line": "There is no line 'h1' at Riverside (lines: L1, press2)."
    }
    assert all_rows(session_factory, OutputEntry) == []
    assert fake_slack.calls_to("chat.postMessage") == []


@pytest.mark.parametrize(
    ("command", "values", "expected"),
    [
        (
            "/output",
            {"good": text_input("120"), "note": text_input("ok\x00")},
            {"note": "the note contains the control character U+0000 (NUL) — remove it"},
        ),
        (
            "/delay",
            {
                "duration": text_input("10m"),
                "reason": choice("breakdown"),
                "note": text_input("\x1b[2J"),
            },
            {"note": "the note contains the control character U+001B (ESC) — remove it"},
        ),
        (
            "/issue",
            {"severity": choice("high"), "text": text_input("jam\x00")},
            {"text": "the issue text contains the control character U+0000 (NUL) — remove it"},
        ),
    ],
)
def test_a_form_text_with_a_control_character_is_refused_under_its_field(
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    session_factory: sessionmaker[Session],
    command: str,
    values: dict[str, dict[str, Any]],
    expected: dict[str, str],
) -> None:
    view = open_form(slack, fake_slack, command)

    reply = submit(slack, view, {"line": choice("l1"), **values})

    assert field_errors(reply) == expected
    assert_no_trace(session_factory, fake_slack, *WRITES)


# --- typed commands -----------------------------------------------------------------------------

USAGES = {
    "/output": "/output [LINE] GOOD [scrap N [REASON]] [shift S] [date YYYY-MM-DD] [note…]",
    "/issue": "/issue [LINE] SEVERITY TEXT…",
    "/delay": "/delay [LINE] DURATION REASON [note…]",
}


@pytest.mark.parametrize(
    ("command", "text", "problem"),
    [
        ("/output", "L1 120 jam\x00med", "the note contains the control character U+0000 (NUL)"),
        ("/delay", "L1 10m breakdown \x00", "the note contains the control character U+0000 (NUL)"),
        ("/issue", "L1 high jam\x00", "the issue text contains the control character U+0000 (NUL)"),
    ],
)
def test_a_typed_text_with_a_nul_is_refused(
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    session_factory: sessionmaker[Session],
    command: str,
    text: str,
    problem: str,
) -> None:
    reply = slack.command(command, text)

    assert reply.json == {
        "response_type": "ephemeral",
        "text": f"⚠️ {problem} — remove it\nUsage: `{USAGES[command]}`",
    }
    assert_no_trace(session_factory, fake_slack, *WRITES)


def test_a_handover_note_with_a_nul_is_refused(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    reply = slack.command("/prod", "handover all good\x00")

    assert reply.text.startswith("⚠️ the note contains the control character U+0000 (NUL)")
    assert_no_trace(session_factory, fake_slack, *WRITES)


# --- what people typed, echoed in a problem --------------------------------------------------


def test_a_typed_word_echoed_in_an_answer_is_escaped(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    reply = slack.command("/output", "<!channel> 120")

    assert reply.text.startswith("⚠️ unknown line '&lt;!channel&gt;' (lines: l1, press2)")
    assert "<!" not in reply.text
    assert_no_trace(session_factory, fake_slack, *WRITES)


def test_a_mention_typed_as_a_shift_stays_text(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    reply = slack.command("/output", "L1 120 shift <@U0HEAD0001>")

    assert "'&lt;@U0HEAD0001&gt;'" in reply.text
    assert "<@" not in reply.text
    assert_no_trace(session_factory, fake_slack, *WRITES)


def test_a_field_error_shows_the_typed_value_as_typed(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    view = open_form(slack, fake_slack, "/output")

    reply = submit(slack, view, {"line": choice("<!channel>"), "good": text_input("120")})

    assert field_errors(reply) == {
        "line": "There is no line '<!channel>' at Riverside (lines: L1, press2)."
    }
    assert_no_trace(session_factory, fake_slack, *WRITES)


def test_a_mention_the_bot_wrote_into_a_refusal_still_mentions(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    reply = slack.command("/output", "L1 120", user="U0STRANGER")

    assert reply.text.startswith("⚠️ Only L1's leads")
    assert "<@U0LEAD0001>" in reply.text
    assert_no_trace(session_factory, fake_slack, *WRITES)
