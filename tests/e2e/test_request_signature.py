"""Only requests signed by Slack within the last five minutes are served."""

import time

from bot.demo.signing import SlackSigner
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
