"""The MQTT client: machine counts and states from the broker into records (docs/machines.md).

paho-mqtt's network thread only parses and gathers (``CountAggregator``); a flusher thread
writes what gathered every ``flush_interval`` in one transaction (counts, topic states, then
state messages), and hands ``MachineBoards`` the boards of the lines that counted and of the
stops that were explained or ended.

What a crash can cost: paho acknowledges a QoS 1 message once it is handed to us, so counts
gathered since the last flush (under one ``flush_interval``) are lost if the process is killed;
a clean stop flushes them. Counts and the topics' seq/counter state commit together, so nothing
is ever counted twice. The broker keeps the session (subscriptions and QoS 1 messages sent while
the client was away) for a client that comes back under the same client id.
"""

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime

import paho.mqtt.client as mqtt
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.machines.boards import MachineBoards
from bot.machines.broker import Broker, connect_async, make_client
from bot.machines.counting import BadPayloads, CountAggregator
from bot.machines.payloads import BadPayload, parse_count, parse_state
from bot.numbers.instances import InstanceKey
from bot.records.machine_counts import (
    TopicMap,
    load_topic_states,
    machine_topic_map,
    plant_version,
    record_machine_counts,
)
from bot.records.machine_stops import record_state

logger = logging.getLogger(__name__)

FLUSH_INTERVAL = 0.5  # seconds
TOPICS_INTERVAL = 30.0  # seconds between two looks at the plant version

StateRecorder = Callable[..., InstanceKey | None]
State = tuple[int, str, str | None, datetime]  # line id, state, reason, at


class MachineClient:
    def __init__(
        self,
        *,
        broker: Broker,
        session_factory: sessionmaker[Session],
        boards: MachineBoards | None,
        flush_interval: float = FLUSH_INTERVAL,
        topics_interval: float = TOPICS_INTERVAL,
        record_state: StateRecorder = record_state,
    ) -> None:
        self.broker = broker
        self._session_factory = session_factory
        self._boards = boards
        self._flush_interval = flush_interval
        self._topics_interval = topics_interval
        self._record_state = record_state
        self._stop = threading.Event()
        self._states: list[State] = []
        self._states_lock = threading.Lock()
        self._topics = TopicMap(0, {}, {})
        self._subscribed: set[str] = set()
        self._mqtt: mqtt.Client | None = None
        self._flusher: threading.Thread | None = None
        self._down_since: datetime | None = None
        self.connected = threading.Event()  # connected and subscribed (SUBACK received)
        self.flushed = threading.Condition()
        self.aggregator = CountAggregator({})
        self.bad = BadPayloads()
        self.ignored = 0
        self.flushes = 0
        self.dropped_minutes = 0

    # -- life cycle ---------------------------------------------------------------------------

    def load(self) -> None:
        """Read the active lines' topics, and each topic's last seq and counters: ``start`` does
        it first; a feed without a broker (``prodbot demo``'s) calls it, then ``take``."""
        with session_scope(self._session_factory) as session:
            self._topics = machine_topic_map(session)
            self.aggregator = CountAggregator(load_topic_states(session))

    def start(self) -> None:
        self.load()
        logger.info(
            "machines: %d count and %d state topics on %s",
            len(self._topics.counts),
            len(self._topics.states),
            self.broker,
        )
        client = make_client(self.broker)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        self._mqtt = client
        connect_async(client, self.broker)
        client.loop_start()
        self._flusher = threading.Thread(target=self._flush_loop, name="machines", daemon=True)
        self._flusher.start()

    def stop(self) -> None:
        """Flush what gathered and disconnect."""
        self._stop.set()
        if self._flusher is not None:
            self._flusher.join(timeout=30)
        if self._mqtt is not None:
            self._mqtt.disconnect()
            self._mqtt.loop_stop()
        if self._boards is not None:
            self._boards.wait_until_idle()
            self._boards.stop()

    def run(self, stop: threading.Event) -> None:
        """``prodbot machines``: run until ``stop`` is set."""
        self.start()
        try:
            stop.wait()
        finally:
            self.stop()

    # -- paho callbacks (its network thread) ----------------------------------------------------

    def _on_connect(self, client: mqtt.Client, _userdata, _flags, reason_code, _props) -> None:  # type: ignore[no-untyped-def]
        if reason_code.is_failure:
            logger.error("machines: %s refused the connection: %s", self.broker, reason_code)
            return
        now = datetime.now(UTC)
        if self._down_since is not None:
            logger.warning(
                "machines: reconnected to %s at %s (disconnected at %s, %.0f s without counts)",
                self.broker,
                now.isoformat(timespec="seconds"),
                self._down_since.isoformat(timespec="seconds"),
                (now - self._down_since).total_seconds(),
            )
            self._down_since = None
        else:
            logger.info("machines: connected to %s", self.broker)
        self._subscribed = set()
        if not self._subscribe(client):
            self.connected.set()

    def _on_subscribe(self, *_args) -> None:  # type: ignore[no-untyped-def]
        self.connected.set()

    def _on_disconnect(self, _client, _userdata, _flags, reason_code, _props) -> None:  # type: ignore[no-untyped-def]
        self.connected.clear()
        if self._down_since is None and not self._stop.is_set():  # not our own disconnect
            self._down_since = datetime.now(UTC)
            logger.warning(
                "machines: disconnected from %s at %s (%s); reconnecting",
                self.broker,
                self._down_since.isoformat(timespec="seconds"),
                reason_code,
            )

    def _on_message(self, _client, _userdata, message: mqtt.MQTTMessage) -> None:  # type: ignore[no-untyped-def]
        try:
            self.take(message.topic, message.payload)
        except Exception:
            # A bug must not kill paho's thread: the message is lost, the client goes on.
            logger.exception("machines: message on %s not handled", message.topic)

    def take(self, topic: str, payload: bytes | bytearray) -> None:
        """One received message: what paho hands ``_on_message``, or a feed without a broker."""
        received = datetime.now(UTC)
        topics = self._topics
        if (line := topics.counts.get(topic)) is not None:
            try:
                count = parse_count(payload)
            except BadPayload as error:
                self.bad.note(topic, str(error))
                return
            self.aggregator.add(topic, line[0], count, received)
        elif (line_id := topics.states.get(topic)) is not None:
            try:
                state = parse_state(payload)
            except BadPayload as error:
                self.bad.note(topic, str(error))
                return
            with self._states_lock:
                self._states.append((line_id, state.state, state.reason, state.instant(received)))
        else:
            self.ignored += 1

    def _subscribe(self, client: mqtt.Client) -> bool:
        """Subscribe to the topics now wanted; False when there was none to add."""
        wanted = set(self._topics.counts) | set(self._topics.states)
        if gone := sorted(self._subscribed - wanted):
            client.unsubscribe(gone)
        self._subscribed, new = wanted, sorted(wanted - self._subscribed)
        if new:
            client.subscribe([(topic, 1) for topic in new])
        return bool(new)

    # -- the flusher thread ---------------------------------------------------------------------

    def _flush_loop(self) -> None:
        next_topics = 0.0
        waited = 0.0
        while not self._stop.wait(self._flush_interval):
            waited += self._flush_interval
            self._flush_safely()
            if waited >= next_topics:
                next_topics = waited + self._topics_interval
                self._refresh_topics()
        self._flush_safely()

    def _flush_safely(self) -> None:
        try:
            self.flush()
        except Exception:
            logger.exception("machines: flush failed; its counts wait for the next one")

    def flush(self) -> None:
        """Write what gathered since the last flush in one transaction; redraw the boards."""
        batch = self.aggregator.take()
        with self._states_lock:
            states, self._states = self._states, []
        if batch is None and not states:
            return
        at = datetime.now(UTC)
        line_sites = {line_id: site_id for line_id, site_id in self._topics.counts.values()}
        written = None
        boards: set[InstanceKey] = set()
        if batch is not None:
            try:
                with session_scope(self._session_factory) as session:
                    written = record_machine_counts(
                        session,
                        counts=batch.counts,
                        topics=batch.topics,
                        line_sites=line_sites,
                        at=at,
                    )
            except Exception:
                self.aggregator.give_back(batch)
                raise
            boards |= written.boards
        if states:
            boards |= self._write_states(states)
        with self.flushed:
            self.flushes += 1
            if written is not None:
                self.dropped_minutes += written.dropped
            self.flushed.notify_all()
        if boards and self._boards is not None:
            self._boards.publish(boards)

    def _write_states(self, states: list[State]) -> set[InstanceKey]:
        """In their own transaction: a state the stops cannot take never holds counts back.

        The boards the stops changed (a delay entry written or brought up to date, a stop ended).
        """
        boards: set[InstanceKey] = set()
        try:
            with session_scope(self._session_factory) as session:
                for line_id, state, reason, at in states:
                    board = self._record_state(
                        session, line_id=line_id, state=state, reason=reason, at=at
                    )
                    if board is not None:
                        boards.add(board)
        except OperationalError:
            with self._states_lock:  # the database is away: try them again next flush
                self._states[:0] = states
            raise
        except Exception:
            logger.exception("machines: %d state message(s) not recorded", len(states))
            return set()
        return boards

    def _refresh_topics(self) -> None:
        try:
            with session_scope(self._session_factory) as session:
                if plant_version(session) == self._topics.version:
                    return
                self._topics = machine_topic_map(session)
        except Exception:
            logger.exception("machines: topics not re-read")
            return
        logger.info("machines: the plant changed; now %d count topics", len(self._topics.counts))
        if self._mqtt is not None and self.connected.is_set():
            self._subscribe(self._mqtt)
