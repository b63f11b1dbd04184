"""Redrawing the live boards of the lines whose machines counted, off the MQTT thread.

Not through the board publisher: that one also posts each entry into the board's thread, and a
machine's minute rows would post there every second. Machine counts only redraw the board (or
post it, the first time), at most once per line per ``MIN_INTERVAL``: Slack takes about one
message per second per channel.
"""

import logging
import threading
import time
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.numbers.production import compute_shift_board
from bot.slack.boards import BoardKey, post_or_update_board
from bot.slack.client import WebClient
from models import Line, Shift

logger = logging.getLogger(__name__)

MIN_INTERVAL = 1.0  # seconds between two redraws of one board


class MachineBoards:
    def __init__(self, *, client: WebClient, session_factory: sessionmaker[Session]) -> None:
        self._client = client
        self._session_factory = session_factory
        self._pending: set[BoardKey] = set()
        self._drawn: dict[BoardKey, float] = {}
        self._condition = threading.Condition()
        self._busy = False
        self._stopped = False
        self._worker = threading.Thread(target=self._work, name="machine-boards", daemon=True)
        self._worker.start()
        self.redraws = 0

    def publish(self, keys: set[BoardKey]) -> None:
        with self._condition:
            self._pending |= keys
            self._condition.notify_all()

    def wait_until_idle(self, timeout: float = 10.0) -> bool:
        with self._condition:
            return self._condition.wait_for(
                lambda: not self._pending and not self._busy, timeout=timeout
            )

    def stop(self) -> None:
        with self._condition:
            self._stopped = True
            self._condition.notify_all()

    def _work(self) -> None:
        while True:
            with self._condition:
                self._condition.wait_for(lambda: bool(self._pending) or self._stopped)
                if self._stopped:
                    return
                now = time.monotonic()
                due = {k for k in self._pending if now - self._drawn.get(k, 0.0) >= MIN_INTERVAL}
                if not due:
                    wait = min(MIN_INTERVAL - (now - self._drawn[k]) for k in self._pending)
                    self._condition.wait(timeout=max(wait, 0.01))
                    continue
                self._pending -= due
                self._busy = True
            for key in due:
                self._drawn[key] = time.monotonic()
                self._redraw(key)
            with self._condition:
                self._busy = False
                self._condition.notify_all()

    def _redraw(self, key: BoardKey) -> None:
        at = datetime.now(UTC)
        try:
            with session_scope(self._session_factory) as session:
                line = session.get_one(Line, key[0])
                channel = line.channel_id
                view = compute_shift_board(
                    session,
                    line=line,
                    shift=session.get_one(Shift, key[1]),
                    production_date=key[2],
                    at=at,
                )
            if channel:
                post_or_update_board(
                    self._client, self._session_factory, key, channel=channel, view=view, at=at
                )
                self.redraws += 1
        except Exception:
            # Slack refused, or a bug: the worker outlives it; the counts are stored and the
            # next count redraws the board.
            logger.exception("machines: board of line %s not updated", key[0])
