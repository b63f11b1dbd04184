"""Counts gathered in memory per (line, minute) between flushes, duplicates and resets judged.

One message is a few dictionary updates under a lock: the MQTT thread never waits for the
database. ``take`` hands the flusher what gathered since the last flush, with the topic states
(last seq, last counters) to save in the same transaction as the counts.
"""

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.machines.payloads import CountIncrement, CountTotals
from bot.records.machine_counts import MinuteCount, TopicState

logger = logging.getLogger(__name__)

# A machine clock this far ahead of ours is wrong: its count is placed at receipt time.
FUTURE_SLACK = timedelta(minutes=5)
BAD_LOG_INTERVAL = 60.0  # seconds: a topic's malformed payloads are logged at most this often
# A seq more than this below the last one counted is the machine numbering anew (a PLC that
# rebooted), not a repeat: QoS 1 redelivers, and a publisher resends, only the messages still
# unacknowledged, far fewer than this. A seq at most this far below is a repeat.
SEQ_RESTART_DROP = 1_000


@dataclass
class Batch:
    counts: dict[tuple[int, datetime], MinuteCount]
    topics: dict[str, TopicState]
    messages: int


class CountAggregator:
    """Thread-safe: ``add`` from the MQTT thread, ``take`` and ``give_back`` from the flusher."""

    def __init__(self, states: Mapping[str, TopicState]) -> None:
        self._lock = threading.Lock()
        self._states = dict(states)
        self._counts: dict[tuple[int, datetime], list[int]] = {}
        self._dirty: set[str] = set()
        self._messages = 0
        self.duplicates = 0
        self.resets = 0
        self.seq_restarts = 0
        self.counted = 0

    def add(
        self,
        topic: str,
        line_id: int,
        message: CountIncrement | CountTotals,
        received: datetime,
    ) -> bool:
        """Gather one count message; False when it was a duplicate (nothing counted)."""
        at = message.instant(received)
        if at > received + FUTURE_SLACK:
            at = received
        minute = at.replace(second=0, microsecond=0)
        with self._lock:
            state = self._states.get(topic)
            if state is None or state.line_id != line_id:
                state = TopicState(line_id)
            made = self._judge(topic, state, message)
            if made is None:
                self.duplicates += 1
                return False
            good, scrap, self._states[topic] = made
            self._dirty.add(topic)
            self._messages += 1
            self.counted += 1
            if good or scrap:
                slot = self._counts.get((line_id, minute))
                if slot is None:
                    self._counts[line_id, minute] = [good, scrap]
                else:
                    slot[0] += good
                    slot[1] += scrap
            return True

    def _judge(
        self, topic: str, state: TopicState, message: CountIncrement | CountTotals
    ) -> tuple[int, int, TopicState] | None:
        """(good, scrap, new state), or None for a duplicate."""
        if isinstance(message, CountIncrement):
            if message.seq is None:
                return message.good, message.scrap, state
            if state.last_seq is not None and message.seq <= state.last_seq:
                if message.seq >= state.last_seq - SEQ_RESTART_DROP:
                    return None
                self.seq_restarts += 1
                logger.info(
                    "machines: seq on %s starts over at %d (last %d): counted as a new sequence",
                    topic,
                    message.seq,
                    state.last_seq,
                )
            return message.good, message.scrap, replace(state, last_seq=message.seq)
        new = replace(state, last_total=message.total, last_scrap_total=message.scrap_total)
        if state.last_total is None or state.last_scrap_total is None:
            return 0, 0, new  # the first counter seen is where counting starts
        if message.total < state.last_total or message.scrap_total < state.last_scrap_total:
            # A reset or a rollover: count on from the new value (never a negative count).
            self.resets += 1
            return 0, 0, new
        scrap = message.scrap_total - state.last_scrap_total
        good = max(0, message.total - state.last_total - scrap)
        return good, scrap, new

    def take(self) -> Batch | None:
        with self._lock:
            if not self._dirty and not self._counts:
                return None
            batch = Batch(
                {key: MinuteCount(g, s) for key, (g, s) in self._counts.items()},
                {topic: self._states[topic] for topic in self._dirty},
                self._messages,
            )
            self._counts, self._dirty, self._messages = {}, set(), 0
            return batch

    def give_back(self, batch: Batch) -> None:
        """A flush failed: its counts wait for the next one (topic states are already newer)."""
        with self._lock:
            for key, count in batch.counts.items():
                slot = self._counts.setdefault(key, [0, 0])
                slot[0] += count.good
                slot[1] += count.scrap
            self._dirty.update(batch.topics)
            self._messages += batch.messages


class BadPayloads:
    """Malformed payloads counted per topic, logged at most once a minute per topic."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._logged: dict[str, float] = {}
        self._since_log: dict[str, int] = {}
        self.total = 0

    def note(self, topic: str, problem: str) -> None:
        self.total += 1
        self._since_log[topic] = self._since_log.get(topic, 0) + 1
        now = self._clock()
        if now - self._logged.get(topic, -BAD_LOG_INTERVAL) >= BAD_LOG_INTERVAL:
            count = self._since_log.pop(topic)
            self._logged[topic] = now
            logger.warning(
                "machines: %d malformed payload(s) on %s since the last report; latest: %s",
                count,
                topic,
                problem,
            )
