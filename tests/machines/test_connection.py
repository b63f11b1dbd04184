"""The client's connection: states, a broker that restarts, MQTT 5."""

import json
import logging
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.machines.client import MachineClient
from models.machines import MachineStop
from tests.machines.conftest import Topics, broker_for
from tests.machines.support import (
    IN_SHIFT_A,
    Publisher,
    broker_answers,
    free_port,
    machine_good,
    wait_until,
)

MOSQUITTO = Path("/usr/sbin/mosquitto")


def test_state_messages_reach_record_state_in_text_or_json(
    make_client: Callable[..., MachineClient],
    publisher: Publisher,
    topics: Topics,
    line_ids: dict[str, int],
) -> None:
    seen: list[tuple[int, str, str | None, datetime]] = []

    def record_state(
        _session: Session, *, line_id: int, state: str, reason: str | None, at: datetime
    ) -> None:
        seen.append((line_id, state, reason, at))

    client = make_client(record_state=record_state)
    assert client.connected.wait(10)
    publisher.send(topics.l1_state, "Stopped\n")
    publisher.send(
        topics.l1_state,
        json.dumps({"state": "running", "reason": "breakdown", "at": "2026-11-18T10:42:00+01:00"}),
    )
    wait_until(lambda: len(seen) == 2, what="two states")
    l1 = line_ids["L1"]
    assert seen[0][:3] == (l1, "stopped", None)
    assert seen[1] == (l1, "running", "breakdown", datetime(2026, 11, 18, 9, 42, tzinfo=UTC))


def test_a_stopped_state_opens_a_machine_stop(
    machine: MachineClient,
    publisher: Publisher,
    topics: Topics,
    line_ids: dict[str, int],
    session_factory: sessionmaker[Session],
) -> None:
    publisher.send(topics.l1_state, json.dumps({"state": "stopped", "at": IN_SHIFT_A}))

    def stops() -> list[MachineStop]:
        with session_factory() as session:
            return list(session.scalars(select(MachineStop)))

    wait_until(lambda: len(stops()) == 1, what="a machine stop")
    assert stops()[0].line_id == line_ids["L1"]


def test_mqtt_5_works_too(
    make_client: Callable[..., MachineClient],
    publisher: Publisher,
    topics: Topics,
    line_ids: dict[str, int],
    session_factory: sessionmaker[Session],
) -> None:
    client = make_client(broker=broker_for(protocol=5))
    assert client.connected.wait(10)
    publisher.send(topics.l1_count, json.dumps({"good": 4, "at": IN_SHIFT_A}))
    wait_until(lambda: machine_good(session_factory, line_ids["L1"]) == 4, what="4 good")


@pytest.fixture
def own_broker() -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    """Starts ``mosquitto -p PORT`` on one free port, as often as asked; stops it after."""
    if not MOSQUITTO.exists():
        _no_mosquitto("no second broker to restart")
    port = free_port()
    running: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [str(MOSQUITTO), "-p", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        running.append(process)
        wait_until(lambda: broker_answers(port=port), what=f"mosquitto on {port}")
        return process

    start.port = port  # type: ignore[attr-defined]
    yield start
    for process in running:
        process.kill()
        process.wait()


def test_a_broker_restart_mid_run_loses_nothing_after_it_and_the_gap_is_logged(
    make_client: Callable[..., MachineClient],
    own_broker: Callable[[], subprocess.Popen[bytes]],
    topics: Topics,
    line_ids: dict[str, int],
    session_factory: sessionmaker[Session],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.machines")
    port: int = own_broker.port  # type: ignore[attr-defined]
    broker = own_broker()
    client = make_client(broker=broker_for(port=port))
    assert client.connected.wait(10)
    l1 = line_ids["L1"]
    publisher = Publisher(port)
    publisher.send(topics.l1_count, json.dumps({"good": 5, "seq": 1, "at": IN_SHIFT_A}))
    wait_until(lambda: machine_good(session_factory, l1) == 5, what="5 good")
    publisher.close()

    broker.kill()
    broker.wait()
    wait_until(lambda: not client.connected.is_set(), what="the client to notice")
    time.sleep(0.5)  # down for a moment (not asserted on)
    own_broker()
    assert client.connected.wait(20), "the client did not reconnect"
    publisher = Publisher(port)
    try:
        publisher.send(topics.l1_count, json.dumps({"good": 6, "seq": 2, "at": IN_SHIFT_A}))
        wait_until(lambda: machine_good(session_factory, l1) == 11, what="11 good")
    finally:
        publisher.close()
    messages = [record.getMessage() for record in caplog.records]
    assert any("disconnected from" in m for m in messages)
    assert any("reconnected to" in m and "disconnected at" in m for m in messages)


def test_a_broker_down_at_start_is_waited_for(
    make_client: Callable[..., MachineClient],
    topics: Topics,
    line_ids: dict[str, int],
    session_factory: sessionmaker[Session],
) -> None:
    if not MOSQUITTO.exists():
        _no_mosquitto("no broker to start late")
    port = free_port()
    client = make_client(broker=broker_for(port=port))  # nothing listens there yet
    assert not client.connected.wait(1)
    process = subprocess.Popen(
        [str(MOSQUITTO), "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        assert client.connected.wait(40), "the client did not connect once the broker was up"
        publisher = Publisher(port)
        publisher.send(topics.l1_count, json.dumps({"good": 3, "at": IN_SHIFT_A}))
        publisher.close()
        wait_until(lambda: machine_good(session_factory, line_ids["L1"]) == 3, what="3 good")
    finally:
        process.kill()
        process.wait()


def _no_mosquitto(what: str) -> None:
    """Skipped on a machine without the mosquitto binary; under CI, where it is installed, a
    failure."""
    message = f"{MOSQUITTO} is not installed: {what}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)
