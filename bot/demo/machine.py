"""The demo's machines: what ``bot.demo.story`` has a machine publish, into prodbot's machine
client.

With ``MQTT_URL`` set the messages go to that broker, published at QoS 1 as a PLC or Node-RED
would publish them, and the machine client (``MachineClient``, started as ``prodbot machines``
starts it) takes them from there. The topics get a prefix of the run's own, so two demos on one
broker never count each other's messages, and a demo pointed at a plant's broker never writes to
the plant's topics. Without ``MQTT_URL`` they are handed in process to the client's ``take`` (the
function paho calls for each message it receives): from there on it is the same code, down to
the board redraws.

Either way the demo flushes once a step's messages have all reached the client, where the
client's own flusher would write every half a second whatever had arrived by then, and so draw a
board at a count from the middle of a step. A step is over when the database holds what the
machine has published so far (the line's counts and stops, ``Tally``) and the boards are drawn.
"""

import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.demo.story import MachineCount, MachineState
from bot.machines.boards import MachineBoards
from bot.machines.broker import BadMqttUrl, Broker, broker_from_url
from bot.machines.client import MachineClient
from bot.plant.file import PlantFile
from bot.records.machine_counts import MACHINE
from bot.settings import ConfigError
from bot.slack.client import WebClient
from models import Line, OutputEntry
from models.machines import MachineStop

FLUSHED_BY_THE_DEMO = 24 * 3600.0  # seconds: the client's flusher waits this long; the demo flushes
ARRIVAL_TIMEOUT = 10.0  # seconds for the broker to answer, and for a step's messages to arrive


class MachineFeedError(Exception):
    """A step's messages did not all reach the client, or the database does not show them."""


@dataclass(frozen=True)
class Tally:
    """What a line's machine has told prodbot: its counts, its stops and how many ended."""

    good: int = 0
    scrap: int = 0
    stops: int = 0
    ended: int = 0

    def after(self, message: MachineCount | MachineState) -> "Tally":
        if isinstance(message, MachineCount):
            return replace(self, good=self.good + message.good, scrap=self.scrap + message.scrap)
        if message.state == "stopped" and self.stops == self.ended:
            return replace(self, stops=self.stops + 1)
        if message.state == "running" and self.stops > self.ended:
            return replace(self, ended=self.ended + 1)
        return self


def _line(session: Session, line_code: str) -> Line:
    return session.scalars(select(Line).where(Line.code == line_code)).one()


def tally(session: Session, line_code: str) -> Tally:
    line_id = _line(session, line_code).id
    good, scrap = session.execute(
        select(
            func.coalesce(func.sum(OutputEntry.good), 0),
            func.coalesce(func.sum(OutputEntry.scrap), 0),
        ).where(OutputEntry.line_id == line_id, OutputEntry.source == MACHINE)
    ).one()
    stops, ended = session.execute(
        select(func.count(MachineStop.id), func.count(MachineStop.ended_at)).where(
            MachineStop.line_id == line_id
        )
    ).one()
    return Tally(int(good), int(scrap), int(stops), int(ended))


def payload(message: MachineCount | MachineState, zone: ZoneInfo) -> bytes:
    """The JSON a machine publishes, stamped with its time in the site's zone (ISO 8601)."""
    at = message.at.replace(tzinfo=zone).isoformat()
    if isinstance(message, MachineCount):
        fields = {"good": message.good, "scrap": message.scrap, "seq": message.seq, "at": at}
    else:
        fields = {"state": message.state, "at": at}
    return json.dumps(fields).encode()


def topic_of(message: MachineCount | MachineState, line: Line) -> str | None:
    return line.count_topic if isinstance(message, MachineCount) else line.state_topic


class DemoMachineClient(MachineClient):
    """The machine client, counting the messages it was handed (by paho, or by the in-process
    feed), so that the demo knows when a step's messages are all in."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._taken = 0
        self._arrived = threading.Condition()

    def take(self, topic: str, payload: bytes | bytearray) -> None:
        super().take(topic, payload)
        with self._arrived:
            self._taken += 1
            self._arrived.notify_all()

    def wait_until_taken(self, count: int, timeout: float) -> bool:
        with self._arrived:
            return self._arrived.wait_for(lambda: self._taken >= count, timeout)


class MachineFeed:
    """Hands what the story's machines publish to the machine client, and returns once it is in
    the database and on the boards."""

    def __init__(
        self,
        client: DemoMachineClient,
        boards: MachineBoards,
        session_factory: sessionmaker[Session],
        *,
        publisher: mqtt.Client | None,
    ) -> None:
        self.client = client
        self._boards = boards
        self._session_factory = session_factory
        self._publisher = publisher
        self._sent = 0
        self._tallies: dict[str, Tally] = {}

    def topics(self, line_code: str) -> tuple[str | None, str | None]:
        """The line's count and state topics, as its machine client knows them."""
        with self._session_factory() as session:
            line = _line(session, line_code)
            return line.count_topic, line.state_topic

    def publish(self, line_code: str, messages: tuple[MachineCount | MachineState, ...]) -> None:
        """Publish ``messages`` of ``line_code``'s machine, then flush them as the client's
        flusher would (once, so the board is drawn once per step)."""
        with self._session_factory() as session:
            line = _line(session, line_code)
            zone = ZoneInfo(line.site.timezone)
            topics = [topic_of(message, line) for message in messages]
        expected = self._tallies.get(line_code, Tally())
        for message, topic in zip(messages, topics, strict=True):
            if topic is None:
                raise MachineFeedError(f"{line_code} has no topic for a {type(message).__name__}")
            self._send(topic, payload(message, zone))
            expected = expected.after(message)
        self._sent += len(messages)
        self._tallies[line_code] = expected
        if not self.client.wait_until_taken(self._sent, ARRIVAL_TIMEOUT):
            raise MachineFeedError(
                f"{line_code}'s machine: not all its messages reached the client"
            )
        self.client.flush()
        self._boards.wait_until_idle()
        with self._session_factory() as session:
            seen = tally(session, line_code)
        if seen != expected:
            raise MachineFeedError(
                f"{line_code}'s machine: expected {expected}, the database has {seen}"
            )

    def _send(self, topic: str, body: bytes) -> None:
        if self._publisher is None:
            self.client.take(topic, body)
        else:
            self._publisher.publish(topic, body, qos=1).wait_for_publish(ARRIVAL_TIMEOUT)


@contextmanager
def machine_feed(
    mqtt_url: str | None,
    *,
    session_factory: sessionmaker[Session],
    web_client: WebClient,
    run_id: str,
) -> Iterator[MachineFeed]:
    """The feed for the run: to the broker of ``mqtt_url`` (the plant loaded with
    ``broker_topics``), or in process without one."""
    # Rounds of redraws at most a second apart spare Slack's rate limit in real time; the demo's
    # clock is simulated and it waits for each step's redraw, so its rounds follow at once.
    boards = MachineBoards(client=web_client, session_factory=session_factory, interval=0.0)
    if mqtt_url is None:
        client = DemoMachineClient(
            broker=_NO_BROKER, session_factory=session_factory, boards=boards
        )
        client.load()
        try:
            yield MachineFeed(client, boards, session_factory, publisher=None)
        finally:
            client.stop()
        return
    broker = replace(demo_broker(mqtt_url), client_id=f"prodbot-demo-{run_id}")
    publisher = _connect_publisher(broker, client_id=f"prodbot-demo-{run_id}-machine")
    client = DemoMachineClient(
        broker=broker,
        session_factory=session_factory,
        boards=boards,
        flush_interval=FLUSHED_BY_THE_DEMO,
    )
    client.start()
    try:
        if not client.connected.wait(ARRIVAL_TIMEOUT):
            raise ConfigError(f"MQTT_URL: the machine client could not subscribe at {broker}")
        yield MachineFeed(client, boards, session_factory, publisher=publisher)
    finally:
        client.stop()
        publisher.disconnect()
        publisher.loop_stop()


def demo_broker(mqtt_url: str) -> Broker:
    try:
        return broker_from_url(mqtt_url)
    except BadMqttUrl as error:
        raise ConfigError(str(error)) from None


def new_run_id() -> str:
    return secrets.token_hex(4)


def broker_topics(plant: PlantFile, run_id: str) -> PlantFile:
    """``plant`` with each machine topic under ``prodbot-demo-<run id>/``."""
    prefix = f"prodbot-demo-{run_id}/"
    lines = [
        line.model_copy(
            update={
                "count_topic": line.count_topic and prefix + line.count_topic,
                "state_topic": line.state_topic and prefix + line.state_topic,
            }
        )
        for line in plant.lines
    ]
    return plant.model_copy(update={"lines": lines})


def _connect_publisher(broker: Broker, *, client_id: str) -> mqtt.Client:
    """The machine's side: a clean-session client publishing at QoS 1."""
    publisher = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=client_id,
        protocol=mqtt.MQTTv5 if broker.protocol == 5 else mqtt.MQTTv311,
    )
    if broker.username is not None:
        publisher.username_pw_set(broker.username, broker.password)
    if broker.tls:
        publisher.tls_set()
    try:
        publisher.connect(broker.host, broker.port)
    except OSError as error:
        raise ConfigError(f"MQTT_URL: no MQTT broker answers at {broker}: {error}") from None
    publisher.loop_start()
    return publisher


# The in-process feed's client is never connected: it is given messages, not a broker.
_NO_BROKER = Broker(
    host="in-process",
    port=0,
    tls=False,
    username=None,
    password=None,
    protocol=4,
    client_id="prodbot-demo",
)
