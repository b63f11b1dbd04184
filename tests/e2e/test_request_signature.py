"""Only requests signed by Slack within the last five minutes are served."""

import time
from urllib.parse import urlencode

import pytest
import time_machine
from slack_sdk.signature import SignatureVerifier

from models import OutputEntry
from tests.conftest import SIGNING_SECRET
from tests.e2e.support import MID_SHIFT_A, all_rows
from tests.fakes.slack_api import TEAM_ID, FakeSlackAPI
from tests.slack_requests import SlackSender


@pytest.fixture(autouse=True)
def pinned_clock() -> object:
    with time_machine.travel(MID_SHIFT_A, tick=True) as traveller:
        yield traveller


def output_body(text: str = "L1 120") -> str:
    return urlencode(
        {
            "team_id": TEAM_ID,
            "channel_id": "C0LINE0001",
            "user_id": "U0LEAD0001",
            "command": "/output",
            "text": text,
            "api_app_id": "A0PRODBOT1",
            "response_url": "http://127.0.0.1:9/response/x",
            "trigger_id": "signature.trigger",
        }
    )


def test_a_correctly_signed_request_is_served(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
) -> None:
    reply = slack.post(output_body())

    assert reply.status == 200
    assert "✅ Saved +120 good" in reply.text
    assert len(all_rows(session_factory, OutputEntry)) == 1
    fake_slack.wait_for("chat.postMessage", 2)


def test_a_bad_signature_is_refused_and_writes_nothing(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
) -> None:
    signed_elsewhere = SignatureVerifier("not-the-secret").generate_signature(
        timestamp=str(int(time.time())), body=output_body()
    )

    reply = slack.post(output_body(), signature=signed_elsewhere)

    assert reply.status == 401
    assert all_rows(session_factory, OutputEntry) == []
    assert fake_slack.calls_to("chat.postMessage") == []


def test_a_tampered_body_is_refused_and_writes_nothing(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
) -> None:
    timestamp = int(time.time())
    signature = SignatureVerifier(SIGNING_SECRET).generate_signature(
        timestamp=str(timestamp), body=output_body("L1 120")
    )

    reply = slack.post(output_body("L1 9"), timestamp=timestamp, signature=signature)

    assert reply.status == 401
    assert all_rows(session_factory, OutputEntry) == []


def test_a_stale_timestamp_is_refused_even_when_correctly_signed(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
) -> None:
    six_minutes_ago = int(time.time()) - 6 * 60

    reply = slack.post(output_body(), timestamp=six_minutes_ago)

    assert reply.status == 401
    assert all_rows(session_factory, OutputEntry) == []
    assert fake_slack.calls_to("chat.postMessage") == []


def test_an_empty_signature_is_refused(slack: SlackSender, session_factory) -> None:
    reply = slack.post(output_body(), signature="v0=")

    assert reply.status == 401
    assert all_rows(session_factory, OutputEntry) == []
