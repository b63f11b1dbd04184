"""Publishing to the real broker, and waiting for what the client made of it."""

import os
import socket
import time
from collections.abc import Callable
from datetime import datetime

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models import OutputEntry

BROKER_HOST = "127.0.0.1"
BROKER_PORT = 1883
# Wednesday 18 Nov 2026, in shift A (06:00-14:00 Berlin): where the tests' counts are placed.
IN_SHIFT_A = "2026-11-18T09:00:30+00:00"


def broker_answers(host: str = BROKER_HOST, port: int = BROKER_PORT) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def require_broker() -> None:
    """Skip without a broker on this machine; under CI, where one must run, fail instead."""
    if broker_answers():
        return
    message = f"no MQTT broker answers on {BROKER_HOST}:{BROKER_PORT} (start mosquitto)"
    if os.environ.get("CI"):
        pytest.fail(f"{message}; under CI one must run")
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Publisher:
    """A machine: a paho client publishing at QoS 1 and waiting for each PUBACK."""

    def __init__(self, port: int = BROKER_PORT) -> None:
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
        self.client.connect(BROKER_HOST, port)
        self.client.loop_start()

    def send(self, topic: str, payload: str | bytes) -> None:
        self.client.publish(topic, payload, qos=1).wait_for_publish(timeout=5)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def wait_until(check: Callable[[], bool], *, timeout: float = 10.0, what: str = "it") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def machine_rows(
    session_factory: sessionmaker[Session], line_id: int | None = None
) -> list[tuple[int, datetime, int, int]]:
    """(line id, minute, good, scrap) of the machine's rows."""
    with session_factory() as session:
        query = select(OutputEntry).where(OutputEntry.source == "machine")
        if line_id is not None:
            query = query.where(OutputEntry.line_id == line_id)
        return [
            (row.line_id, row.reported_at, row.good, row.scrap)
            for row in session.scalars(query.order_by(OutputEntry.line_id, OutputEntry.reported_at))
        ]


def machine_good(session_factory: sessionmaker[Session], line_id: int) -> int:
    return sum(good for _, _, good, _ in machine_rows(session_factory, line_id))
