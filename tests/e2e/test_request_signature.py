"""Only requests signed by Slack within the last five minutes are served, and none larger than
Slack ever sends is read."""

import socket
import time
from typing import Any
from urllib.parse import urlsplit

import pytest
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.demo.signing import SlackSigner
from bot.entry.wsgi import MAX_BODY_BYTES
from models import OutputEntry
from tests.e2e.support import all_rows
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack_requests import LEAD, LINE_CHANNEL, SlackSender


def output_body(slack: SlackSender, text: str = "L1 120") -> str:
    """The form of an ``/output`` command, as Slack sends it."""
    request = slack.build.command(
        "/output", text, user=LEAD, channel=LINE_CHANNEL, trigger_id="signature.trigger"
    )
    return request.body.decode()


def test_a_correctly_signed_request_is_served(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
) -> None:
    reply = slack.post(output_body(slack))

    assert reply.status == 200
    assert "✅ Saved +120 good" in reply.text
    assert len(all_rows(session_factory, OutputEntry)) == 1
    fake_slack.wait_for("chat.postMessage", 2)


def test_a_bad_signature_is_refused_and_writes_nothing(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
) -> None:
    body = output_body(slack)
    signed_elsewhere = SlackSigner("not-the-secret").signature(body, int(time.time()))

    reply = slack.post(body, signature=signed_elsewhere)

    assert reply.status == 401
    assert all_rows(session_factory, OutputEntry) == []
    assert fake_slack.calls_to("chat.postMessage") == []


def test_a_tampered_body_is_refused_and_writes_nothing(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
) -> None:
    timestamp = int(time.time())
    signature = slack.build.signer.signature(output_body(slack, "L1 120"), timestamp)

    reply = slack.post(output_body(slack, "L1 9"), timestamp=timestamp, signature=signature)

    assert reply.status == 401
    assert all_rows(session_factory, OutputEntry) == []


def test_a_stale_timestamp_is_refused_even_when_correctly_signed(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
) -> None:
    six_minutes_ago = int(time.time()) - 6 * 60

    reply = slack.post(output_body(slack), timestamp=six_minutes_ago)

    assert reply.status == 401
    assert all_rows(session_factory, OutputEntry) == []
    assert fake_slack.calls_to("chat.postMessage") == []


def test_an_empty_signature_is_refused(slack: SlackSender, session_factory) -> None:
    reply = slack.post(output_body(slack), signature="v0=")

    assert reply.status == 401
    assert all_rows(session_factory, OutputEntry) == []


def _raw_post(url: str, headers: dict[str, str], body: bytes) -> int:
    """POST over a bare socket, sending ``headers`` as given (a Content-Length may lie), and
    return the status the server answers with before or without reading the body."""
    parts = urlsplit(url)
    lines = [f"POST {parts.path} HTTP/1.1", f"Host: {parts.netloc}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as connection:
        connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        status_line = connection.makefile("rb").readline().decode()
    return int(status_line.split()[1])


def test_a_request_announcing_more_than_a_megabyte_is_refused_unread(
    slack: SlackSender, session_factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server answers 413 while the 200 MB it was promised never arrive: nothing waits
    for them, and Bolt never sees the request."""
    bolt_calls = _count_bolt_calls(monkeypatch)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Content-Length": str(200 * 1024 * 1024),
    }

    status = _raw_post(slack.url, headers, b"command=%2Foutput&text=")

    assert status == 413
    assert bolt_calls == []
    assert all_rows(session_factory, OutputEntry) == []


def test_a_signed_request_just_under_the_limit_still_reaches_bolt(
    slack: SlackSender, session_factory
) -> None:
    padding = "&padding=" + "x" * (MAX_BODY_BYTES - 2048)

    reply = slack.post(output_body(slack) + padding)

    assert reply.status == 200
    assert len(all_rows(session_factory, OutputEntry)) == 1


def test_an_unsigned_body_is_refused_before_anything_parses_it(
    slack: SlackSender, session_factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bolt parses a body (JSON payloads included) before its own signature check; the app
    refuses an unsigned body before handing it to Bolt at all."""
    bolt_calls = _count_bolt_calls(monkeypatch)
    headers = {"Content-Type": "application/json"}
    body = b'{"type": "event_callback", "event": ' * 2000

    status = _raw_post(slack.url, {**headers, "Content-Length": str(len(body))}, body)

    assert status == 401
    assert bolt_calls == []


def _count_bolt_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    handle = SlackRequestHandler.__call__

    def counted(self: SlackRequestHandler, environ: Any, start_response: Any) -> Any:
        calls.append(environ.get("PATH_INFO", ""))
        return handle(self, environ, start_response)

    monkeypatch.setattr(SlackRequestHandler, "__call__", counted)
    return calls
