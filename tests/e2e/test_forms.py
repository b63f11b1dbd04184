"""The report forms end to end: a bare command opens a modal; signed ``view_submission``
payloads save through the same validation and domain functions as the text commands."""

import json
import time
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from models import DelayEntry, Issue, OutputEntry
from tests.e2e.support import all_rows
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack_requests import SlackReply, SlackSender

VIEW_ID = "V0FORM0001"


@dataclass
class Form:
    """A report form the app opened, submitted as Slack sends it."""

    slack: SlackSender
    view: dict[str, Any]

    def submit(
        self, values: dict[str, dict[str, Any]], *, view: dict[str, Any] | None = None
    ) -> SlackReply:
        """The ``view_submission`` of the form (or of ``view``, the form as the app redrew it)
        with ``values`` filled in; each input's action id is its block id."""
        opened = {**(view or self.view), "id": VIEW_ID, "hash": f"{time.time_ns()}.hash"}
        state = {block: {block: element} for block, element in values.items()}
        return self.slack.submit(opened, state)


def open_form(slack: SlackSender, fake_slack: FakeSlackAPI, name: str) -> Form:
    reply = slack.command(name, "")
    assert reply.status == 200
    return Form(slack, fake_slack.wait_for("views.open")[-1].args["view"])


@pytest.fixture
def output_form(slack: SlackSender, fake_slack: FakeSlackAPI) -> Form:
    """The form a bare ``/output`` opened."""
    return open_form(slack, fake_slack, "/output")


def text(value: str) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def choice(value: str) -> dict[str, Any]:
    return {"type": "static_select", "selected_option": {"value": value}}


def options(view: dict[str, Any], block_id: str) -> list[str]:
    block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
    return [option["value"] for option in block["element"]["options"]]


def test_a_bare_output_command_opens_the_form_with_the_users_line_first(
    slack: SlackSender, fake_slack: FakeSlackAPI
) -> None:
    reply = slack.command("/output", "", user="U0LEAD0002", channel="C0ELSEWHERE", trigger_id="t.1")

    assert (reply.status, reply.body) == (200, "")
    [call] = fake_slack.wait_for("views.open")
    assert call.args["trigger_id"] == "t.1"
    view = call.args["view"]
    assert view["callback_id"] == "output_form"
    assert json.loads(view["private_metadata"]) == {"kind": "output", "channel_id": "C0ELSEWHERE"}
    assert [b.get("block_id") for b in view["blocks"]] == [
        "line",
        "good",
        "scrap",
        "reason",
        "shift",
        "date",
        "note",
    ]
    assert options(view, "line") == ["press2", "l1"]
    line = view["blocks"][0]["element"]
    assert line["initial_option"]["value"] == "press2"
    assert options(view, "shift") == ["A", "B", "C"]


def test_an_output_form_saves_the_entry_as_the_text_form_would(
    output_form: Form, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    assert output_form.view["blocks"][0]["element"]["initial_option"]["value"] == "l1"

    reply = output_form.submit({"line": choice("l1"), "good": text("120"), "scrap": text("3")})

    assert (reply.status, reply.body) == (200, "")
    [entry] = all_rows(session_factory, OutputEntry)
    assert (entry.good, entry.scrap, entry.note, entry.request_key) == (
        120,
        3,
        None,
        "view:V0FORM0001",
    )
    board, thread = fake_slack.wait_for("chat.postMessage", 2)
    assert board.args["channel"] == "C0LINE0001"
    assert thread.args["text"].startswith("+120 good, 3 scrap → 120 / 800 bottles (15%)")
    [confirmation] = fake_slack.wait_for("chat.postEphemeral")
    assert confirmation.args["channel"] == "C0LINE0001"
    assert confirmation.args["user"] == "U0LEAD0001"
    assert confirmation.args["text"].startswith("✅ Saved +120 good, 3 scrap on L1, shift A")

    output_form.slack.command("/output", "L1 120 scrap 3")
    typed = all_rows(session_factory, OutputEntry)[1]
    fields = ("line_id", "shift_id", "production_date", "good", "scrap", "note", "reported_by")
    assert [getattr(typed, f) for f in fields] == [getattr(entry, f) for f in fields]


def test_numbers_and_a_note_are_read_like_the_text_form(
    output_form: Form, session_factory: sessionmaker[Session]
) -> None:
    output_form.submit({"line": choice("l1"), "good": text(" 120 "), "note": text("  ok  ")})

    [entry] = all_rows(session_factory, OutputEntry)
    assert (entry.good, entry.scrap, entry.note) == (120, 0, "ok")


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("2.000", "`2.000` could mean 2 or 2000: type it without separators, e.g. `2000`"),
        ("1,200", "`1,200` could mean 1.2 or 1200: type it without separators, e.g. `1200`"),
        ("2.5", "'2.5' is not a whole number of units: decimals are not units"),
    ],
)
def test_a_number_the_text_command_refuses_is_refused_under_its_field(
    output_form: Form,
    slack: SlackSender,
    session_factory: sessionmaker[Session],
    typed: str,
    problem: str,
) -> None:
    reply = output_form.submit({"line": choice("l1"), "good": text(typed)})

    assert reply.json == {"response_action": "errors", "errors": {"good": problem}}
    assert slack.command("/output", f"L1 {typed}").text.startswith(f"⚠️ {problem}")
    assert all_rows(session_factory, OutputEntry) == []


def test_the_same_submission_delivered_twice_writes_once(
    output_form: Form, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    values = {"line": choice("l1"), "good": text("120")}

    first = output_form.submit(values)
    second = output_form.submit(values)

    assert first.status == second.status == 200
    assert len(all_rows(session_factory, OutputEntry)) == 1
    fake_slack.wait_for("chat.postMessage", 2)
    assert len(fake_slack.wait_for("chat.postEphemeral")) == 1


@pytest.mark.parametrize(
    ("values", "block", "problem"),
    [
        ({"good": text("12a")}, "good", "'12a' is not a whole number"),
        ({"good": text("-5")}, "good", "can't be below 0"),
        ({"good": text("20000000")}, "good", "10,000,000"),
        ({"good": text("0"), "scrap": text("0")}, "good", "nothing to record"),
        ({"good": text("120"), "scrap": text("x")}, "scrap", "'x'"),
        ({"good": text("120"), "note": text("x" * 2001)}, "note", "too long"),
        (
            {"good": text("120"), "shift": choice("A"), "date": {"selected_date": "2026-11-19"}},
            "date",
            "future",
        ),
        ({"good": text("120"), "date": {"selected_date": "2026-11-17"}}, "shift", "name the shift"),
        ({"good": text("120"), "line": choice("gone")}, "line", "no line 'gone'"),
    ],
)
def test_a_bad_field_is_answered_under_that_field_and_nothing_is_written(
    output_form: Form,
    fake_slack: FakeSlackAPI,
    session_factory: sessionmaker[Session],
    values: dict[str, dict[str, Any]],
    block: str,
    problem: str,
) -> None:
    reply = output_form.submit({"line": choice("l1"), **values})

    assert reply.status == 200
    assert reply.json["response_action"] == "errors"
    assert list(reply.json["errors"]) == [block]
    assert problem in reply.json["errors"][block]
    assert all_rows(session_factory, OutputEntry) == []
    assert fake_slack.calls_to("chat.postMessage") == []


def test_an_implausible_quantity_asks_again_and_saves_once_confirmed(
    output_form: Form, session_factory: sessionmaker[Session]
) -> None:
    values = {"line": choice("l1"), "good": text("5000")}

    reply = output_form.submit(values)

    assert reply.json["response_action"] == "update"
    updated = reply.json["view"]
    assert "Did you mean that?" in updated["blocks"][0]["text"]["text"]
    assert updated["blocks"][1]["block_id"] == "confirm"
    assert updated["private_metadata"] == output_form.view["private_metadata"]
    assert all_rows(session_factory, OutputEntry) == []

    ticked = {"type": "checkboxes", "selected_options": [{"value": "yes"}]}
    confirmed = output_form.submit(view=updated, values={**values, "confirm": ticked})

    assert (confirmed.status, confirmed.body) == (200, "")
    [entry] = all_rows(session_factory, OutputEntry)
    assert entry.good == 5000


def test_a_delay_form_offers_the_sites_reasons_and_saves_the_delay(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    form = open_form(slack, fake_slack, "/delay")
    assert form.view["callback_id"] == "delay_form"
    assert "material" in options(form.view, "reason")

    bad = form.submit({"line": choice("l1"), "duration": text("90x"), **_material()})
    assert bad.json["errors"] == {
        "duration": "'90x' is not a duration — use 45, 45m, 1h, 1h30m or 1:30"
    }
    assert all_rows(session_factory, DelayEntry) == []

    reply = form.submit(
        {"line": choice("l1"), "duration": text("1h30m"), **_material(), "note": text("caps")},
    )

    assert (reply.status, reply.body) == (200, "")
    [delay] = all_rows(session_factory, DelayEntry)
    assert (delay.minutes, delay.reason, delay.note) == (90, "material", "caps")
    [confirmation] = fake_slack.wait_for("chat.postEphemeral")
    assert confirmation.args["text"].startswith("✅ Logged 1 h 30 min material on L1")
    fake_slack.wait_for("chat.postMessage", 2)


def _material() -> dict[str, dict[str, Any]]:
    return {"reason": choice("material")}


def test_an_issue_form_saves_the_issue_and_safety_raises_the_severity(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    form = open_form(slack, fake_slack, "/issue")
    assert form.view["callback_id"] == "issue_form"
    assert options(form.view, "severity") == ["low", "medium", "high", "critical"]

    empty = form.submit({"line": choice("l1"), "severity": choice("low")})
    assert empty.json["errors"] == {"text": "the issue text is missing"}

    reply = form.submit(
        {"line": choice("l1"), "severity": choice("low"), "text": text("guard missing, safety")},
    )

    assert (reply.status, reply.body) == (200, "")
    [issue] = all_rows(session_factory, Issue)
    assert (issue.severity.value, issue.category, issue.text) == (
        "high",
        "safety",
        "guard missing, safety",
    )
    [confirmation] = fake_slack.wait_for("chat.postEphemeral")
    assert confirmation.args["text"].startswith("✅ Raised a *high* issue on L1")


def test_a_form_opened_outside_a_channel_confirms_by_dm(
    output_form: Form, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    output_form.view["private_metadata"] = json.dumps({"kind": "output", "channel_id": None})

    output_form.submit({"line": choice("l1"), "good": text("120")})

    dm = next(
        call
        for call in fake_slack.wait_for("chat.postMessage", 3)
        if call.args["channel"] == "U0LEAD0001"
    )
    assert dm.args["text"].startswith("✅ Saved +120 good on L1")
    assert fake_slack.calls_to("chat.postEphemeral") == []


def test_a_refused_ephemeral_falls_back_to_a_dm(
    output_form: Form, fake_slack: FakeSlackAPI
) -> None:
    fake_slack.fail("chat.postEphemeral", status=200)

    output_form.submit({"line": choice("l1"), "good": text("120")})

    posts = fake_slack.wait_for("chat.postMessage", 3)
    assert "U0LEAD0001" in [call.args["channel"] for call in posts]
