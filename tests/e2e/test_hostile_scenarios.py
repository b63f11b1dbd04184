"""The hostile scenarios of the roles issue on paths its other tests leave to unit tests: the report
forms sent by a stranger, a form note and a resolution note carrying Slack markup, delays over the
shift's planned time through the form, the literal ``/prod export from 1900-01-01`` from a DM, a
chunked body over the limit, a form from another workspace, and ``auth.test`` asked once.

Each refusal is checked after the app has finished all its background work, so "nobody was
pinged" is not just "nothing was sent yet": no row, no audit record, no owed message (outbox),
no post, no DM, no file.
"""

import io
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from sqlalchemy.orm import Session, sessionmaker

from bot.demo.signing import Workspace
from bot.entry.wsgi import MAX_BODY_BYTES, ProdbotWSGI
from bot.messages.ids import ActionId
from models import AuditRecord, DelayEntry, Issue, IssueEvent, OutboxItem, OutputEntry
from models.handover import Handover
from tests.conftest import finish_background_work
from tests.e2e.forged import choice, field_errors, open_form, submit, text_input
from tests.e2e.support import (
    MID_SHIFT_A,
    all_rows,
    block_texts,
    ephemeral_text,
    press_button,
    wait_until,
)
from tests.fakes.slack_api import TEAM_ID, FakeSlackAPI
from tests.slack_requests import LEAD, SlackSender

STRANGER = "U0STRANGER"
HEAD = "U0HEAD0001"
DM = "D0DIRECT01"
WRITES = (OutputEntry, DelayEntry, Issue, IssueEvent, Handover, OutboxItem)
# Everything by which the app could tell anyone anything, or hand out a file.
TELLING = (
    "chat.postMessage",
    "chat.postEphemeral",
    "chat.update",
    "conversations.open",
    "files.getUploadURLExternal",
    "files.completeUploadExternal",
)
RAW_MARKUP = ("<!channel>", "<!here>", "<https://evil.example", "<@U0HEAD0001>")
HOSTILE_NOTE = "<!channel> <!here> <https://evil.example|your payslip> cc <@U0HEAD0001>"


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Traveller]:
    """Wednesday 18 Nov 2026, 10:00 in Berlin: shift A is four hours in (as in tests/e2e)."""
    with time_machine.travel(MID_SHIFT_A, tick=True) as traveller:
        yield traveller


def assert_left_no_trace(
    served_app: ProdbotWSGI, session_factory: sessionmaker[Session], fake_slack: FakeSlackAPI
) -> None:
    """Once every listener, board refresh and export is done: nothing written, nothing owed,
    nobody told anything beyond the answer to the request itself."""
    finish_background_work(served_app)
    for model in WRITES:
        assert all_rows(session_factory, model) == [], model.__name__
    audits = [r for r in all_rows(session_factory, AuditRecord) if r.actor != "plant-file"]
    assert audits == []
    for method in TELLING:
        assert fake_slack.calls_to(method) == [], method


def assert_escaped(text: str) -> None:
    for raw in RAW_MARKUP:
        assert raw not in text, (raw, text)
    assert "&lt;!channel&gt;" in text


# --- the report forms, sent by a stranger --------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "values", "what"),
    [
        ("/output", {"line": choice("l1"), "good": text_input("120")}, "output"),
        (
            "/delay",
            {
                "line": choice("l1"),
                "duration": text_input("20m"),
                "reason": choice("material"),
            },
            "delays",
        ),
    ],
)
def test_a_report_form_submitted_by_a_stranger_is_refused_under_the_line(
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    served_app: ProdbotWSGI,
    session_factory: sessionmaker[Session],
    command: str,
    values: dict[str, dict[str, Any]],
    what: str,
) -> None:
    view = open_form(slack, fake_slack, command)  # opened by L1's lead in L1's channel
    fake_slack.reset()

    reply = slack.send(slack.build.submit(view, _state(values), user=STRANGER))

    assert field_errors(reply) == {
        "line": (
            "Only L1's leads, operators and managers, and the heads of production of "
            f"Riverside, can report {what} on L1. Ask <@U0LEAD0001> or <@U0MGR00001> to have "
            "you added."
        )
    }
    assert_left_no_trace(served_app, session_factory, fake_slack)


def test_save_anyway_ticked_in_the_form_by_a_stranger_saves_nothing(
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    served_app: ProdbotWSGI,
    session_factory: sessionmaker[Session],
) -> None:
    view = open_form(slack, fake_slack, "/output")
    fake_slack.reset()
    ticked = {"type": "checkboxes", "selected_options": [{"value": "yes"}]}
    values = {"line": choice("l1"), "good": text_input("9000000"), "confirm": ticked}

    reply = slack.send(slack.build.submit(view, _state(values), user=STRANGER))

    assert "Only L1's leads, operators and managers" in field_errors(reply)["line"]
    assert_left_no_trace(served_app, session_factory, fake_slack)


def test_an_issue_form_from_a_direct_message_by_a_stranger_pages_nobody(
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    served_app: ProdbotWSGI,
    session_factory: sessionmaker[Session],
) -> None:
    view = open_form(slack, fake_slack, "/issue")
    fake_slack.reset()
    values = {"line": choice("l1"), "severity": choice("critical"), "text": text_input("fire")}

    in_a_dm = {**view, "private_metadata": '{"kind": "issue", "channel_id": "' + DM + '"}'}

    reply = slack.send(slack.build.submit(in_a_dm, _state(values), user=STRANGER))

    [problem] = field_errors(reply).values()
    assert problem.startswith("⚠️ prodbot does not know you yet: you are not in the plant file")
    assert len(problem) <= 150 and problem.endswith("…")  # cut visibly, not mid-word
    assert_left_no_trace(served_app, session_factory, fake_slack)


def _state(values: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {block: {block: element} for block, element in values.items()}


# --- markup typed into a form note and a resolution note ------------------------------------------


def test_a_form_note_of_slack_markup_pings_nobody_in_the_lines_thread(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    view = open_form(slack, fake_slack, "/output")
    values = {"line": choice("l1"), "good": text_input("120"), "note": text_input(HOSTILE_NOTE)}

    reply = submit(slack, view, values)

    assert (reply.status, reply.body) == (200, "")
    [entry] = all_rows(session_factory, OutputEntry)
    assert entry.note == HOSTILE_NOTE  # stored as typed
    board, thread = fake_slack.wait_for("chat.postMessage", 2)
    assert thread.args.get("thread_ts") == board.answer["ts"]
    assert_escaped(thread.args["text"])
    assert_escaped(thread.args["text"] + block_texts(thread.args.get("blocks") or []))
    [confirmation] = fake_slack.wait_for("chat.postEphemeral")
    for raw in RAW_MARKUP:
        assert raw not in str(confirmation.args)
    for post in fake_slack.calls_to("chat.postMessage"):
        for raw in RAW_MARKUP:
            assert raw not in str(post.args), post.args


def test_a_resolution_note_cannot_disguise_a_link_or_ping_on_the_issue_message(
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    session_factory: sessionmaker[Session],
    clock: time_machine.Traveller,
) -> None:
    slack.command("/issue", "L1 high conveyor jam")
    posts = fake_slack.wait_for("chat.postMessage", 3)
    [message] = [post for post in posts if "issue_acknowledge" in str(post.args.get("blocks"))]
    wait_until(lambda: all_rows(session_factory, Issue)[0].message_ts, "the issue is posted")
    press_button(slack, message, ActionId.RESOLVE_ISSUE, user=LEAD)
    [opened] = fake_slack.wait_for("views.open")
    modal = opened.args["view"]
    [field] = [block for block in modal["blocks"] if block["type"] == "input"]
    note = {"type": "plain_text_input", "value": HOSTILE_NOTE}
    values = {field["block_id"]: {field["element"]["action_id"]: note}}

    slack.submit({**modal, "id": "V0RESOLVE1", "hash": "1790000000.abcdef"}, values, user=LEAD)

    [event] = [e for e in all_rows(session_factory, IssueEvent) if e.status == "resolved"]
    assert event.note == HOSTILE_NOTE
    updated = wait_until(
        lambda: [
            c for c in fake_slack.calls_to("chat.update") if c.args["ts"] == message.answer["ts"]
        ],
        "the issue message is updated",
    )[-1]
    shown = updated.args.get("text", "") + block_texts(updated.args["blocks"])
    assert "your payslip" in shown
    assert_escaped(shown)
    for call in (*fake_slack.calls_to("chat.update"), *fake_slack.calls_to("chat.postMessage")):
        for raw in RAW_MARKUP:
            assert raw not in str(call.args), call.args


# --- delays over the shift's planned time ---------------------------------------------------------


def test_a_day_of_delay_typed_three_times_into_one_shift_is_refused_each_time(
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    served_app: ProdbotWSGI,
    session_factory: sessionmaker[Session],
) -> None:
    for _ in range(3):
        answer = ephemeral_text(slack.command("/delay", "L1 24h breakdown"))
        assert "does not fit into shift A on L1: it has 7h30m of planned time" in answer
    assert_left_no_trace(served_app, session_factory, fake_slack)


def test_the_delay_form_refuses_more_delay_than_the_shift_has_left(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    assert "✅" in slack.command("/delay", "L1 7h breakdown").text
    view = open_form(slack, fake_slack, "/delay")
    values = {"line": choice("l1"), "duration": text_input("1h"), "reason": choice("material")}

    reply = submit(slack, view, values)

    [problem] = field_errors(reply).values()
    assert "7h00m of delays are already logged, so at most 30m more can be logged" in problem
    assert [d.minutes for d in all_rows(session_factory, DelayEntry)] == [420]


# --- /prod export from 1900-01-01 in a direct message ---------------------------------------------


def test_a_stranger_exporting_since_1900_from_a_dm_gets_nothing(
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    served_app: ProdbotWSGI,
    session_factory: sessionmaker[Session],
) -> None:
    assert "✅" in slack.command("/output", "L1 120 secret batch recipe").text
    finish_background_work_of_reports(fake_slack)
    fake_slack.reset()

    reply = slack.command("/prod", "export from 1900-01-01", user=STRANGER, channel=DM)

    answer = ephemeral_text(reply)
    assert answer.startswith("⚠️ prodbot does not know you yet")
    assert "secret" not in reply.body and "120" not in reply.body
    finish_background_work(served_app)
    for method in TELLING:
        assert fake_slack.calls_to(method) == [], method


def test_a_head_exporting_since_1900_is_told_the_366_day_limit_and_gets_nothing(
    slack: SlackSender, fake_slack: FakeSlackAPI, served_app: ProdbotWSGI
) -> None:
    reply = slack.command("/prod", "export from 1900-01-01", user=HEAD, channel=DM)

    assert ephemeral_text(reply).startswith("⚠️ An export covers at most 366 days")
    finish_background_work(served_app)
    for method in TELLING:
        assert fake_slack.calls_to(method) == [], method


def finish_background_work_of_reports(fake_slack: FakeSlackAPI) -> None:
    """The board and its thread post of one report."""
    fake_slack.wait_for("chat.postMessage", 2)


# --- request limits and the workspace ---------------------------------------------------------


def test_a_chunked_body_over_the_limit_is_refused_before_any_signature_or_parsing(
    served_app: ProdbotWSGI,
) -> None:
    """Without a Content-Length the app reads one byte past the limit, no more, and answers 413."""
    body = io.BytesIO(b"x" * (MAX_BODY_BYTES * 3))
    environ = {
        "PATH_INFO": "/slack/events",
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": "application/json",
        "HTTP_TRANSFER_ENCODING": "chunked",
        "wsgi.input": body,
    }
    statuses: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        statuses.append(status)

    answer = served_app(environ, start_response)  # type: ignore[arg-type]

    assert statuses == ["413 Content Too Large"]
    assert b"".join(answer) == b"request too large\n"
    assert body.tell() == MAX_BODY_BYTES + 1


def test_a_form_submitted_from_another_workspace_is_dropped_and_writes_nothing(
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    served_app: ProdbotWSGI,
    session_factory: sessionmaker[Session],
) -> None:
    view = open_form(slack, fake_slack, "/output")
    fake_slack.reset()
    slack.build.workspace = Workspace(team_id=TEAM_ID, user_team_id="T0GUESTORG")

    reply = submit(slack, view, {"line": choice("l1"), "good": text_input("120")})

    assert (reply.status, reply.body) == (200, "")
    assert_left_no_trace(served_app, session_factory, fake_slack)


def test_the_tokens_workspace_is_read_once_and_cached(
    slack: SlackSender, fake_slack: FakeSlackAPI
) -> None:
    for _ in range(3):
        slack.command("/prod", "help")

    assert len(fake_slack.calls_to("auth.test")) == 1


@pytest.mark.parametrize(
    "text", ["status", "target L1 500", "handover all good", "undo", "export", "status L1"]
)
def test_no_prod_command_falls_back_to_a_site_for_a_stranger_in_a_dm(
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    served_app: ProdbotWSGI,
    session_factory: sessionmaker[Session],
    text: str,
) -> None:
    reply = slack.command("/prod", text, user=STRANGER, channel=DM)

    assert ephemeral_text(reply).startswith("⚠️ prodbot does not know you yet")
    assert "Riverside" not in reply.body and "L1" not in reply.body
    assert_left_no_trace(served_app, session_factory, fake_slack)
