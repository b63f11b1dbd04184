"""Button values and modal state prodbot did not issue, sent as signed requests: each gets its
own answer through the button's ``response_url`` or under the modal's field (never "Something
went wrong"), writes nothing and posts nothing. Forms and typed text: ``test_forged_forms.py``.

Requests come from L1's lead (the plant file's people may report; strangers are refused).
"""

import json
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.messages.ids import ActionId
from models import OutputEntry
from tests.e2e.forged import (
    WRITES,
    answer,
    field_errors,
    issue_untouched,
    make_hillside,
    make_l1_issue,
    text_input,
)
from tests.e2e.support import all_rows, assert_no_trace
from tests.fakes.slack_api import RESPONSE_URL, FakeSlackAPI
from tests.slack_requests import SlackReply, SlackSender


@pytest.fixture
def hillside(session_factory: sessionmaker[Session], loaded_plant: None) -> int:
    return make_hillside(session_factory)


@pytest.fixture
def l1_issue(session_factory: sessionmaker[Session], loaded_plant: None) -> int:
    return make_l1_issue(session_factory)


# --- issue buttons ------------------------------------------------------------------------------

NOT_AN_ISSUE = "⚠️ This button does not name an issue prodbot posted, so nothing was changed."


@pytest.mark.parametrize("action_id", [ActionId.ACKNOWLEDGE_ISSUE, ActionId.RESOLVE_ISSUE])
@pytest.mark.parametrize(
    "value", ["abc", "", "1.0", " 1", "+1", "1_0", "-1", "0", "١", "99999999999999999999"]
)
def test_an_issue_button_without_an_issue_id_is_answered(
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    session_factory: sessionmaker[Session],
    l1_issue: int,
    action_id: ActionId,
    value: str,
) -> None:
    reply = slack.action(action_id, value)

    assert answer(reply, fake_slack) == NOT_AN_ISSUE
    issue_untouched(session_factory, fake_slack)


@pytest.mark.parametrize("action_id", [ActionId.ACKNOWLEDGE_ISSUE, ActionId.RESOLVE_ISSUE])
def test_an_issue_button_naming_no_issue_is_answered(
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    session_factory: sessionmaker[Session],
    l1_issue: int,
    action_id: ActionId,
) -> None:
    reply = slack.action(action_id, str(l1_issue + 1000))

    assert answer(reply, fake_slack) == "⚠️ That issue no longer exists."
    issue_untouched(session_factory, fake_slack)


@pytest.mark.parametrize("action_id", [ActionId.ACKNOWLEDGE_ISSUE, ActionId.RESOLVE_ISSUE])
def test_an_issue_button_naming_another_sites_issue_is_refused(
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    session_factory: sessionmaker[Session],
    hillside: int,
    action_id: ActionId,
) -> None:
    reply = slack.action(action_id, str(hillside))

    text = answer(reply, fake_slack)
    assert text == "⚠️ Only people of Hillside can acknowledge or resolve its issues."
    issue_untouched(session_factory, fake_slack)


# --- the resolve modal --------------------------------------------------------------------------


def resolve_view(metadata: str) -> dict[str, Any]:
    return {
        "id": "V0RESOLVE9",
        "hash": "1790000000.abc",
        "type": "modal",
        "callback_id": "issue_resolve_modal",
        "private_metadata": metadata,
        "blocks": [
            {
                "type": "input",
                "block_id": "issue_resolution_note",
                "label": {"type": "plain_text", "text": "Resolution note"},
                "element": {"type": "plain_text_input", "action_id": "issue_resolution_note"},
            }
        ],
    }


def submit_resolve(slack: SlackSender, metadata: str, note: str) -> SlackReply:
    values = {"issue_resolution_note": {"issue_resolution_note": text_input(note)}}
    return slack.submit(resolve_view(metadata), values)


@pytest.mark.parametrize(
    "metadata",
    ["{", "", "{}", "[]", '{"issue_id": "x"}', '{"issue_id": 1.5}', '{"issue_id": 99999999999}'],
)
def test_a_resolve_modal_with_forged_metadata_is_answered_under_its_note(
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    session_factory: sessionmaker[Session],
    l1_issue: int,
    metadata: str,
) -> None:
    reply = submit_resolve(slack, metadata, "fixed")

    assert field_errors(reply) == {
        "issue_resolution_note": "⚠️ This form did not come from prodbot as it is, so nothing "
        "was changed. Close it and press *Resolve* on the issue again."
    }
    issue_untouched(session_factory, fake_slack)


def test_a_resolve_modal_naming_another_sites_issue_is_refused(
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    session_factory: sessionmaker[Session],
    hillside: int,
) -> None:
    reply = submit_resolve(slack, json.dumps({"issue_id": hillside}), "fixed")

    assert field_errors(reply) == {
        "issue_resolution_note": "⚠️ Only people of Hillside can acknowledge or resolve its issues."
    }
    issue_untouched(session_factory, fake_slack)


def test_a_resolution_note_with_a_nul_is_refused(
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    session_factory: sessionmaker[Session],
    l1_issue: int,
) -> None:
    reply = submit_resolve(slack, json.dumps({"issue_id": l1_issue}), "belt\x00 replaced")

    assert field_errors(reply) == {
        "issue_resolution_note": "⚠️ the note contains the control character U+0000 (NUL) — "
        "remove it"
    }
    issue_untouched(session_factory, fake_slack)


# --- the handover button ------------------------------------------------------------------------

NOT_A_HANDOVER = "⚠️ This button does not name a handover prodbot posted, so nothing was changed."


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("x", NOT_A_HANDOVER),
        ("{}", NOT_A_HANDOVER),
        ("2147483648", NOT_A_HANDOVER),
        ("4242", "⚠️ That handover no longer exists."),
    ],
)
def test_a_handover_button_not_naming_a_handover_is_answered(
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    session_factory: sessionmaker[Session],
    value: str,
    expected: str,
) -> None:
    reply = slack.action(ActionId.ACKNOWLEDGE_HANDOVER, value)

    assert answer(reply, fake_slack) == expected
    assert_no_trace(session_factory, fake_slack, *WRITES)
    assert fake_slack.calls_to("chat.update") == []


# --- "Save anyway" ------------------------------------------------------------------------------

FORGED_SAVE = (
    "⚠️ This *Save anyway* button does not carry a report prodbot made, so nothing was saved. "
    "Send the report again."
)


def confirm_value(key: str = "trigger.forged", **command: object) -> str:
    return json.dumps({"command": {"line": "l1", "good": 120, **command}, "key": key})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("{", FORGED_SAVE),
        ("", FORGED_SAVE),
        ("[]", FORGED_SAVE),
        (json.dumps({"command": {"line": "l1", "good": 120}}), FORGED_SAVE),  # no key
        (json.dumps({"key": "k"}), FORGED_SAVE),  # no command
        (confirm_value(good="2.000"), FORGED_SAVE),  # a string is not what prodbot writes
        (confirm_value(good=2.5), FORGED_SAVE),
        (confirm_value(good=-5), FORGED_SAVE),
        (confirm_value(colour="red"), FORGED_SAVE),
        (confirm_value(key=""), FORGED_SAVE),
        (confirm_value(key="k" * 101), FORGED_SAVE),
        (confirm_value(key="a\x00b"), FORGED_SAVE),
        (confirm_value(line="h1"), "⚠️ There is no line 'h1' at Riverside (lines: L1, press2)."),
        (
            confirm_value(shift="A", production_date="2026-11-02"),
            "⚠️ 2026-11-02 is more than 7 days back — the earliest date is 2026-11-11\n"
            "Usage: `/output [LINE] GOOD [scrap N [REASON]] [shift S] [date YYYY-MM-DD] [note…]`",
        ),
        (
            confirm_value(note="ok\x00"),
            "⚠️ the note contains the control character U+0000 (NUL) — remove it\n"
            "Usage: `/output [LINE] GOOD [scrap N [REASON]] [shift S] [date YYYY-MM-DD] [note…]`",
        ),
    ],
)
def test_a_save_anyway_button_not_carrying_our_report_is_answered(
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    session_factory: sessionmaker[Session],
    value: str,
    expected: str,
) -> None:
    reply = slack.action(ActionId.CONFIRM_OUTPUT, value)

    assert answer(reply, fake_slack) == expected
    assert_no_trace(session_factory, fake_slack, *WRITES)


def test_a_save_anyway_button_as_prodbot_wrote_it_still_saves(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    slack.action(ActionId.CONFIRM_OUTPUT, confirm_value(good=120, scrap=0, shift="A"))

    [saved] = fake_slack.wait_for(RESPONSE_URL)
    assert saved.args["text"].startswith("✅ Saved +120 good on L1")
    [entry] = all_rows(session_factory, OutputEntry)
    assert (entry.good, entry.request_key) == (120, "trigger.forged")


def test_a_button_value_echoed_in_an_answer_is_escaped(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    reply = slack.action(ActionId.CONFIRM_OUTPUT, confirm_value(line="<https://x.test|L1>"))

    assert answer(reply, fake_slack) == (
        "⚠️ There is no line '&lt;https://x.test|l1&gt;' at Riverside (lines: L1, press2)."
    )
    assert_no_trace(session_factory, fake_slack, *WRITES)
