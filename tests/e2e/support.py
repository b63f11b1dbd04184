"""Helpers shared by the end-to-end tests (their fixtures are in ``conftest.py``)."""

import csv
import io
import itertools
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.slack.exports import ExportSender
from tests.fakes.slack_api import Call, FakeSlackAPI
from tests.slack_requests import SlackReply, SlackSender

# Wednesday 18 Nov 2026, 10:00 in Berlin: shift A (06:00–14:00) is four hours in.
MID_SHIFT_A = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
POLL_SECONDS = 0.02

T = TypeVar("T")


def all_rows(session_factory: sessionmaker[Session], model: type[T]) -> list[T]:
    with session_factory() as session:
        return list(session.scalars(select(model).order_by(model.id)))  # type: ignore[attr-defined]


def wait_until(condition: Callable[[], T], what: str, *, timeout: float = 5.0) -> T:
    """Poll ``condition`` until it returns something true, and return that; fail the test if
    it has not after ``timeout`` seconds (``what`` says what was awaited)."""
    polls = itertools.count(1)
    while not (result := condition()):
        if next(polls) * POLL_SECONDS > timeout:
            raise AssertionError(f"waited {timeout:g} s in vain until {what}")
        time.sleep(POLL_SECONDS)
    return result


def ephemeral_text(reply: SlackReply) -> str:
    """The text of an answer only its typist sees; fails on any other answer."""
    assert reply.status == 200, reply.body
    assert reply.json["response_type"] == "ephemeral", reply.body
    return reply.text


def assert_no_trace(
    session_factory: sessionmaker[Session], fake_slack: FakeSlackAPI, *models: type
) -> None:
    """The request left no trace: no row of ``models``, no audit record of a report and
    nothing posted to a channel."""
    for model in models:
        assert all_rows(session_factory, model) == []
    assert report_audits(session_factory) == []
    assert fake_slack.calls_to("chat.postMessage") == []


def report(
    slack: SlackSender, fake: FakeSlackAPI, command: str, text: str, *, posts: int, **kwargs: str
) -> None:
    """Send a report and wait until its board work is done (``posts`` postMessage calls total)."""
    reply = slack.command(command, text, **kwargs)
    assert "✅" in reply.text, reply.text
    fake.wait_for("chat.postMessage", posts)


def find_button(blocks: list[dict[str, Any]], action_id: str) -> dict[str, Any]:
    """The button with ``action_id`` in ``blocks``; fails the test when absent."""
    for block in blocks:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return element
    raise AssertionError(f"no button {action_id!r} in {blocks}")


def button(reply: SlackReply, action_id: str) -> dict[str, Any]:
    """The button with ``action_id`` in the reply's blocks; fails the test when absent."""
    return find_button(reply.json.get("blocks", []), action_id)


def press_button(slack: SlackSender, message: Call, action_id: str, *, user: str) -> SlackReply:
    """A press on the button ``action_id`` of ``message``, a channel message the app posted."""
    return slack.press(
        find_button(message.args["blocks"], action_id),
        user=user,
        channel=message.args["channel"],
        message_ts=message.answer["ts"],
    )


def actions_of(blocks: list[dict[str, Any]]) -> list[str]:
    """The action ids of the buttons in ``blocks``' actions blocks."""
    return [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


def block_texts(blocks: list[dict[str, Any]]) -> str:
    """Every mrkdwn/plain text in ``blocks`` (sections, fields, context, header) joined."""
    texts: list[str] = []
    for block in blocks:
        if isinstance(block.get("text"), dict):
            texts.append(block["text"]["text"])
        texts.extend(field["text"] for field in block.get("fields", []))
        texts.extend(
            element["text"]
            for element in block.get("elements", [])
            if isinstance(element.get("text"), str)
        )
    return "\n".join(texts)


def report_audits(session_factory: sessionmaker[Session]) -> list[Any]:
    """Audit records of reports (the plant file's own records left out)."""
    from models import AuditRecord

    return [r for r in all_rows(session_factory, AuditRecord) if r.actor != "plant-file"]


def exported_files(fake: FakeSlackAPI, exports: ExportSender) -> dict[str, list[dict[str, str]]]:
    """Once ``exports`` is idle, the files of the one export DMed: kind (entries, delays,
    issues) → its CSV rows."""
    assert exports.wait_until_idle()
    [complete] = fake.calls_to("files.completeUploadExternal")
    return {
        file["title"].split("-")[0]: list(
            csv.DictReader(io.StringIO(fake.uploads[file["id"]].decode("utf-8")))
        )
        for file in complete.args["files"]
    }
