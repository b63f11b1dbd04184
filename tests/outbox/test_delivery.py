"""The outbox's sender against the fake Slack: sent once, retried after failures, given up
when expired, never posted twice after a post whose answer was lost."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.records.outbox import Owed, owe, owe_all
from bot.slack.client import WebClient
from bot.slack.outbox import Outbox
from models import OutboxItem, OutboxStatus
from tests.fakes.slack_api import FakeSlackAPI

START = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def outbox(fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]) -> Outbox:
    client = WebClient(token="xoxb-test", base_url=fake_slack.base_url, timeout=2)
    return Outbox(client=client, session_factory=session_factory)


def owe_message(
    factory: sessionmaker[Session], key: str = "digest|site:1|2026-11-17", **changes: object
) -> int:
    owed = Owed(
        key=key,
        kind="digest",
        keep_for=timedelta(hours=24),
        channel="C0DIGEST01",
        payload={"text": "Riverside yesterday", "blocks": None},
    )
    with session_scope(factory) as session:
        item_id = owe(session, owed, at=datetime.now(UTC))
    assert item_id is not None
    return item_id


def row(factory: sessionmaker[Session], item_id: int) -> OutboxItem:
    with session_scope(factory) as session:
        return session.get_one(OutboxItem, item_id)


def test_an_owed_message_is_sent_once_with_its_key_in_metadata(
    outbox: Outbox, fake_slack: FakeSlackAPI, session_factory
) -> None:
    item_id = owe_message(session_factory)

    [outcome] = outbox.deliver([item_id])
    assert outbox.deliver([item_id]) == []
    assert outbox.deliver() == []

    assert outcome.sent
    [post] = fake_slack.calls_to("chat.postMessage")
    assert post.args["metadata"]["event_payload"]["key"] == "digest|site:1|2026-11-17"
    sent = row(session_factory, item_id)
    assert (sent.status, sent.message_ts, sent.attempts) == (
        OutboxStatus.SENT,
        post.answer["ts"],
        1,
    )


def test_owing_a_key_again_writes_nothing(session_factory) -> None:
    owe_message(session_factory)
    owed = Owed(key="digest|site:1|2026-11-17", kind="digest", keep_for=timedelta(hours=1))

    with session_scope(session_factory) as session:
        assert owe_all(session, [owed, owed], at=datetime.now(UTC)) == {}
        assert len(session.scalars(select(OutboxItem)).all()) == 1


def test_a_refused_post_waits_and_is_sent_by_a_later_round(
    outbox: Outbox, fake_slack: FakeSlackAPI, session_factory, clock: time_machine.Traveller
) -> None:
    fake_slack.fail("chat.postMessage", status=500, times=1)
    item_id = owe_message(session_factory)

    [first] = outbox.deliver([item_id])
    assert not first.sent
    waiting = row(session_factory, item_id)
    assert waiting.status is OutboxStatus.PENDING and waiting.claimed_by is None
    assert waiting.next_attempt_at == START + timedelta(seconds=30)
    assert outbox.deliver() == []  # not due yet

    clock.shift(timedelta(seconds=31))
    [second] = outbox.deliver()

    assert second.sent
    assert len(fake_slack.calls_to("chat.postMessage")) == 2
    assert row(session_factory, item_id).status is OutboxStatus.SENT


def test_a_message_not_sent_before_it_expires_is_given_up_and_logged(
    outbox: Outbox,
    fake_slack: FakeSlackAPI,
    session_factory,
    clock: time_machine.Traveller,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake_slack.fail("chat.postMessage", status=500, times=1000)
    item_id = owe_message(session_factory)
    outbox.deliver([item_id])

    clock.shift(timedelta(hours=25))
    with caplog.at_level("WARNING", logger="bot.slack.outbox"):
        [outcome] = outbox.deliver()

    assert not outcome.sent
    assert row(session_factory, item_id).status is OutboxStatus.EXPIRED
    assert "gave up on digest digest|site:1|2026-11-17 to C0DIGEST01" in caplog.text
    assert "Riverside yesterday" in caplog.text
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


@pytest.mark.parametrize("channel", ["C0DIGEST01", "U0HEAD0001"], ids=["channel", "dm"])
def test_a_post_whose_answer_never_came_is_found_in_history_not_posted_again(
    fake_slack: FakeSlackAPI, session_factory, clock: time_machine.Traveller, channel: str
) -> None:
    client = WebClient(token="xoxb-test", base_url=fake_slack.base_url, timeout=0.5)
    outbox = Outbox(client=client, session_factory=session_factory)
    fake_slack.slow["chat.postMessage"] = 1.0  # Slack posts it, then answers too late
    owed = Owed(
        key="review|x|w47",
        kind="weekly",
        keep_for=timedelta(days=3),
        channel=channel,
        payload={"text": "Week 47"},
    )
    with session_scope(session_factory) as session:
        item_id = owe(session, owed, at=datetime.now(UTC))
    assert item_id is not None

    [first] = outbox.deliver([item_id])
    assert not first.sent
    assert "Timeout" in (row(session_factory, item_id).last_error or "")

    clock.shift(timedelta(minutes=1))
    [second] = outbox.deliver()

    [post] = fake_slack.calls_to("chat.postMessage")
    assert second.sent and second.message_ts == post.answer["ts"]
    assert row(session_factory, item_id).status is OutboxStatus.SENT


def test_a_rate_limited_post_waits_as_long_as_slack_asks(
    outbox: Outbox, fake_slack: FakeSlackAPI, session_factory
) -> None:
    fake_slack.fail("chat.postMessage", status=429, times=1, retry_after=120)
    item_id = owe_message(session_factory)

    outbox.deliver([item_id])

    assert row(session_factory, item_id).next_attempt_at == START + timedelta(seconds=120)


def test_an_upload_whose_answer_never_came_is_found_in_its_thread_not_uploaded_again(
    fake_slack: FakeSlackAPI, session_factory, clock: time_machine.Traveller
) -> None:
    client = WebClient(token="xoxb-test", base_url=fake_slack.base_url, timeout=0.5)
    outbox = Outbox(client=client, session_factory=session_factory)
    digest_id = owe_message(session_factory)
    assert outbox.deliver([digest_id])[0].sent
    chart = Owed(
        key="digest-chart|site:1|2026-11-17",
        kind="digest-chart",
        keep_for=timedelta(hours=24),
        channel="C0DIGEST01",
        payload={
            "thread_of": "digest|site:1|2026-11-17",
            "upload": {"content": "iVBORw0K", "filename": "riverside.png", "title": "Chart"},
        },
    )
    with session_scope(session_factory) as session:
        chart_id = owe(session, chart, at=datetime.now(UTC))
    assert chart_id is not None
    fake_slack.slow["files.completeUploadExternal"] = 1.0  # shared, then answered too late

    assert not outbox.deliver([chart_id])[0].sent
    clock.shift(timedelta(minutes=1))
    [again] = outbox.deliver()

    [completed] = fake_slack.calls_to("files.completeUploadExternal")
    assert again.sent and again.message_ts == completed.answer["files"][0]["id"]
    assert len(fake_slack.calls_to("files.getUploadURLExternal")) == 1
