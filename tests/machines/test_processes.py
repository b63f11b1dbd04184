"""``start_machines``: what ``prodbot run``, the worker and ``prodbot machines`` call. Of several
processes, one runs the client."""

import json
import uuid

import pytest
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from bot.entry import machines_cli
from bot.entry.machines_cli import machines_lock, start_machines
from bot.settings import Settings
from bot.slack.client import make_web_client
from tests.machines.conftest import Topics
from tests.machines.support import IN_SHIFT_A, Publisher, machine_good, wait_until


def test_without_mqtt_url_nothing_starts(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    client = make_web_client(settings)
    assert start_machines(settings, session_factory=session_factory, web_client=client) is None


def test_of_two_processes_one_counts_and_a_standby_takes_over_the_lock(
    settings: Settings,
    session_factory: sessionmaker[Session],
    line_ids: dict[str, int],
    publisher: Publisher,
    topics: Topics,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(machines_cli, "STANDBY_POLL", 0.1)
    held = machines_lock(session_factory.kw["bind"])
    assert held.try_acquire()  # another process runs the client
    with_mqtt = settings.model_copy(
        update={"mqtt_url": SecretStr(f"mqtt://127.0.0.1:1883?client_id=t-{uuid.uuid4().hex}")}
    )
    web = make_web_client(settings)
    stops = [
        start_machines(with_mqtt, session_factory=session_factory, web_client=web) for _ in range(2)
    ]
    try:
        held.release()  # it died: one standby takes over
        l1 = line_ids["L1"]
        seq = 0

        def counted() -> bool:
            nonlocal seq
            seq += 1  # until a client listens, publish again (a new seq each time)
            publisher.send(topics.l1_count, json.dumps({"good": 1, "seq": seq, "at": IN_SHIFT_A}))
            return machine_good(session_factory, l1) > 0

        wait_until(counted, timeout=20, what="a client to count")
        publisher.send(topics.l1_count, json.dumps({"good": 100, "seq": 10_000, "at": IN_SHIFT_A}))
        wait_until(lambda: machine_good(session_factory, l1) >= 100, what="100 more good")
    finally:
        for stop in stops:
            assert stop is not None
            stop()
    assert machine_good(session_factory, l1) < 200  # counted once: one client ran
