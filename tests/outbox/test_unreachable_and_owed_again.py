"""The outbox with the production Slack client (``make_web_client``, its retry handlers), and
"owing again writes nothing".

- Slack unreachable (a network error, not an HTTP answer): the job does not abort, the posts stay
  owed with the error, and are sent once Slack is back.
- Owing a key already owed and sent (a job run again) writes nothing: no row, no burnt sequence
  value (the next new row takes the next id), and delivering the sent row again claims nothing.
"""

import socket
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.plant.apply import apply_plant
from bot.plant.file import read_plant_file
from bot.records.outbox import Owed, owe
from bot.settings import Settings
from bot.slack.client import make_web_client
from jobs import deliveries, shift_summary
from jobs.base import JobDeps
from models import OutboxItem, OutboxStatus
from tests.fakes.slack_api import FakeSlackAPI

PLANT_LOADED = datetime(2026, 1, 1, tzinfo=UTC)
SUMMARIES_DUE = datetime(2026, 11, 18, 13, 16, tzinfo=UTC)  # 14:00 Berlin + 15 min grace


@pytest.fixture
def live_plant(session_factory: sessionmaker[Session], plant_toml: Path) -> None:
    """The sample plant (L1 and press2, each with a channel), live long before the shift."""
    with session_scope(session_factory) as session:
        apply_plant(session=session, plant=read_plant_file(plant_toml), at=PLANT_LOADED)


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(SUMMARIES_DUE, tick=True) as traveller:
        yield traveller


def landed(fake_slack: FakeSlackAPI) -> Counter[str]:
    """How often each outbox key reached a channel (posts the fake Slack took)."""
    return Counter(
        call.args["metadata"]["event_payload"]["key"]
        for call in fake_slack.calls_to("chat.postMessage")
        if call.answer and call.args.get("metadata")
    )


def rows(session_factory: sessionmaker[Session]) -> list[OutboxItem]:
    with session_scope(session_factory) as session:
        found = list(session.scalars(select(OutboxItem).order_by(OutboxItem.id)))
        session.expunge_all()
        return found


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_slack_unreachable_does_not_abort_the_job_and_what_it_owes_is_sent_later(
    settings: Settings,
    fake_slack: FakeSlackAPI,
    session_factory: sessionmaker[Session],
    live_plant: None,
    clock: time_machine.Traveller,
) -> None:
    nowhere = settings.model_copy(update={"slack_api_url": f"http://127.0.0.1:{unused_port()}/"})
    down = JobDeps(session_factory=session_factory, client=make_web_client(nowhere))

    first = shift_summary.run(datetime.now(UTC), down)

    assert len(first) == 2 and not any(outcome.sent for outcome in first)
    waiting = rows(session_factory)
    assert [row.status for row in waiting] == [OutboxStatus.PENDING] * 2
    assert all(row.claimed_by is None and row.last_error for row in waiting), waiting
    assert all("URLError" in (row.last_error or "") for row in waiting), waiting

    back = JobDeps(session_factory=session_factory, client=make_web_client(settings))
    clock.shift(timedelta(minutes=2))
    retried = deliveries.run(datetime.now(UTC), back)

    assert len(retried) == 2 and all(outcome.sent for outcome in retried)
    assert [row.status for row in rows(session_factory)] == [OutboxStatus.SENT] * 2
    assert landed(fake_slack) == Counter({row.key: 1 for row in waiting})


def test_owing_a_sent_key_again_writes_nothing_and_burns_no_sequence_value(
    settings: Settings,
    fake_slack: FakeSlackAPI,
    session_factory: sessionmaker[Session],
    live_plant: None,
    clock: time_machine.Traveller,
) -> None:
    deps = JobDeps(session_factory=session_factory, client=make_web_client(settings))
    assert all(outcome.sent for outcome in shift_summary.run(datetime.now(UTC), deps))
    sent = rows(session_factory)
    assert [row.status for row in sent] == [OutboxStatus.SENT] * 2

    assert shift_summary.run(datetime.now(UTC), deps) == []  # the same shift seen again
    assert deps.outbox.deliver([row.id for row in sent]) == []  # claiming a sent row
    again = Owed(key=sent[0].key, kind="shift-summary", keep_for=timedelta(hours=12))
    with session_scope(session_factory) as session:
        assert owe(session, again, at=datetime.now(UTC)) is None
    newcomer = Owed(
        key="digest|site:1|2026-11-17",
        kind="digest",
        keep_for=timedelta(hours=24),
        channel="C0DIGEST01",
        payload={"text": "Riverside yesterday"},
    )
    with session_scope(session_factory) as session:
        new_id = owe(session, newcomer, at=datetime.now(UTC))

    assert new_id == max(row.id for row in sent) + 1  # no sequence value was burnt
    unchanged = rows(session_factory)[:2]
    assert [(r.id, r.status, r.attempts, r.claimed_by, r.message_ts) for r in unchanged] == [
        (r.id, r.status, r.attempts, r.claimed_by, r.message_ts) for r in sent
    ]
    assert landed(fake_slack) == Counter({row.key: 1 for row in sent})
