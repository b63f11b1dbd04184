"""Scrap reasons on the way in, end to end: ``/output … scrap N REASON``, the output form's
*Scrap reason* select and the *Save anyway* button, each with the site's list from the plant
file (default: startup, defect, damage, other)."""

import json

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.messages.ids import ActionId
from models import OutputEntry
from tests.conftest import SAMPLE_PLANT
from tests.e2e.forged import WRITES, answer
from tests.e2e.support import all_rows, assert_no_trace, button, ephemeral_text, report_audits
from tests.e2e.test_forms import Form, choice, open_form, options, text
from tests.fakes.slack_api import RESPONSE_URL, FakeSlackAPI
from tests.slack_requests import SlackSender

DEFAULTS = ["startup", "defect", "damage", "other"]
USAGE = "Usage: `/output [LINE] GOOD [scrap N [REASON]] [shift S] [date YYYY-MM-DD] [note…]`"


def saved(session_factory: sessionmaker[Session]) -> list[tuple[int, str | None, str | None]]:
    return [(e.scrap, e.scrap_reason, e.note) for e in all_rows(session_factory, OutputEntry)]


# --- the text command -------------------------------------------------------------------------


def test_a_site_reason_after_the_scrap_units_is_stored_and_confirmed(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    reply = slack.command("/output", "L1 120 scrap 3 Defect cap cracked")

    assert ephemeral_text(reply) == (
        "✅ Saved +120 good, 3 scrap (defect) on L1, shift A · Wed 18 Nov 06:00–14:00. "
        "The shift board in <#C0LINE0001> shows the running total."
    )
    assert saved(session_factory) == [(3, "defect", "cap cracked")]
    fake_slack.wait_for("chat.postMessage", 2)


def test_a_word_that_is_no_site_reason_starts_the_note_as_before(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    reply = slack.command("/output", "L1 120 scrap 3 seal broke")

    assert ephemeral_text(reply).startswith("✅ Saved +120 good, 3 scrap on L1")
    assert saved(session_factory) == [(3, None, "seal broke")]
    fake_slack.wait_for("chat.postMessage", 2)


def test_options_may_follow_the_reason(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    reply = slack.command("/output", "L1 120 scrap 2 startup shift A warm-up")

    assert "+120 good, 2 scrap (startup) on L1, shift A" in ephemeral_text(reply)
    assert saved(session_factory) == [(2, "startup", "warm-up")]
    fake_slack.wait_for("chat.postMessage", 2)


def test_a_reason_without_scrap_is_refused_and_nothing_is_written(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    reply = slack.command("/output", "L1 120 scrap 0 damage")

    assert ephemeral_text(reply) == (
        "⚠️ scrap reason 'damage' given without scrap: give the scrap units, or leave the "
        f"reason out\n{USAGE}"
    )
    assert_no_trace(session_factory, fake_slack, OutputEntry)


# --- the form ---------------------------------------------------------------------------------


def test_the_output_form_offers_the_sites_reasons_and_saves_the_one_chosen(
    output_form: Form, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    block = next(b for b in output_form.view["blocks"] if b.get("block_id") == "reason")
    assert (block["label"]["text"], block["optional"]) == ("Scrap reason", True)
    assert options(output_form.view, "reason") == DEFAULTS

    reply = output_form.submit(
        {"line": choice("l1"), "good": text("120"), "scrap": text("4"), "reason": choice("damage")}
    )

    assert (reply.status, reply.body) == (200, "")
    assert saved(session_factory) == [(4, "damage", None)]
    [confirmation] = fake_slack.wait_for("chat.postEphemeral")
    assert confirmation.args["text"].startswith("✅ Saved +120 good, 4 scrap (damage) on L1")
    fake_slack.wait_for("chat.postMessage", 2)


def test_a_forged_form_reason_is_refused_under_the_reason_and_nothing_is_written(
    output_form: Form, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    reply = output_form.submit(
        {"line": choice("l1"), "good": text("120"), "scrap": text("4"), "reason": choice("seal")}
    )

    assert reply.json == {
        "response_action": "errors",
        "errors": {
            "reason": "'seal' is not a scrap reason at Riverside "
            "(scrap reasons: startup, defect, damage, other)."
        },
    }
    assert_no_trace(session_factory, fake_slack, *WRITES)


def test_a_form_reason_without_scrap_is_refused_under_the_reason(
    output_form: Form, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    reply = output_form.submit(
        {"line": choice("l1"), "good": text("120"), "reason": choice("defect")}
    )

    assert reply.json == {
        "response_action": "errors",
        "errors": {
            "reason": "scrap reason 'defect' given without scrap: give the scrap units, or "
            "leave the reason out"
        },
    }
    assert_no_trace(session_factory, fake_slack, *WRITES)


@pytest.fixture
def output_form(slack: SlackSender, fake_slack: FakeSlackAPI) -> Form:
    return open_form(slack, fake_slack, "/output")


# --- the Save anyway button -------------------------------------------------------------------


def test_save_anyway_keeps_the_reason_and_audits_it(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    asked = slack.command("/output", "L1 900 scrap 4 startup", trigger_id="implausible.trigger")
    value = button(asked, "output_confirm")["value"]
    assert json.loads(value)["command"]["scrap_reason"] == "startup"

    slack.action(ActionId.CONFIRM_OUTPUT, value)

    [reply] = fake_slack.wait_for(RESPONSE_URL)
    assert "+900 good, 4 scrap (startup)" in reply.args["text"]
    assert saved(session_factory) == [(4, "startup", None)]
    [audit] = report_audits(session_factory)
    assert audit.details == {"good": 900, "scrap": 4, "scrap_reason": "startup", "confirmed": True}
    fake_slack.wait_for("chat.postMessage", 2)


def test_a_save_anyway_button_with_a_forged_reason_saves_nothing(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    command = {"line": "l1", "good": 120, "scrap": 2, "scrap_reason": "<!channel>"}
    value = json.dumps({"command": command, "key": "trigger.forged"})

    reply = slack.action(ActionId.CONFIRM_OUTPUT, value)

    assert answer(reply, fake_slack) == (
        "⚠️ '&lt;!channel&gt;' is not a scrap reason at Riverside "
        f"(scrap reasons: startup, defect, damage, other).\n{USAGE}"
    )
    assert_no_trace(session_factory, fake_slack, *WRITES)


# --- a site's own list ------------------------------------------------------------------------


class TestASitesOwnList:
    """``[site] scrap_reasons`` in the plant file replaces the defaults."""

    @pytest.fixture
    def plant_text(self) -> str:
        return SAMPLE_PLANT.replace(
            'digest_time = "07:00"\n',
            'digest_time = "07:00"\nscrap_reasons = ["startup", "seal", "label"]\n',
        )

    def test_its_reasons_are_taken_and_the_defaults_start_the_note(
        self, slack: SlackSender, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
    ) -> None:
        first = slack.command("/output", "L1 120 scrap 3 seal broke")
        second = slack.command("/output", "L1 100 scrap 1 defect in the cap")

        assert "3 scrap (seal)" in ephemeral_text(first)
        assert "1 scrap on L1" in ephemeral_text(second)
        assert saved(session_factory) == [(3, "seal", "broke"), (1, None, "defect in the cap")]
        fake_slack.wait_for("chat.postMessage", 3)

    def test_the_form_lists_them_and_refuses_a_default_one(
        self, slack: SlackSender, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
    ) -> None:
        form = open_form(slack, fake_slack, "/output")
        assert options(form.view, "reason") == ["startup", "seal", "label"]

        reply = form.submit(
            {
                "line": choice("l1"),
                "good": text("1"),
                "scrap": text("1"),
                "reason": choice("defect"),
            }
        )

        assert reply.json["errors"] == {
            "reason": "'defect' is not a scrap reason at Riverside "
            "(scrap reasons: startup, seal, label)."
        }
        assert_no_trace(session_factory, fake_slack, *WRITES)
