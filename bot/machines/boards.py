"""Redrawing the live boards of the lines whose machines counted or stopped, off the MQTT thread.

Not through the board publisher: that one also posts each entry into the board's thread, and a
machine's minute rows would post there every second. Machines only redraw the board (or post
it, the first time).

Each board is redrawn at most once per ``MIN_INTERVAL`` (Slack takes about one message per
second per channel): a board handed over sooner waits for its interval to pass, one handed over
later is drawn at once. Every board due is drawn in one round, which reads the numbers of all
the boards of one shift instance at once (``compute_shift_boards``: a fixed number of queries
however many lines); busy lines, handed over by the same flushes, fall due together.
A board's message ts is kept once known: its next redraws are one chat.update each, with no
database round trip for the ts (it never changes once the board is posted).
"""

import logging
import threading
import time
from collections import defaultdict
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.numbers.production import ShiftBoardView, compute_shift_boards
from bot.slack.boards import BoardKey, draw_board, post_or_update_board
from bot.slack.client import WebClient
from models import Line, Shift

logger = logging.getLogger(__name__)

MIN_INTERVAL = 1.0  # seconds between two redraws of one board


class MachineBoards:
    def __init__(
        self,
        *,
        client: WebClient,
        session_factory: sessionmaker[Session],
        interval: float = MIN_INTERVAL,
    ) -> None:
        self._client = client
        self._session_factory = session_factory
        self._interval = interval
        self._pending: set[BoardKey] = set()
        self._drawn: dict[BoardKey, float] = {}  # when each board was last drawn (monotonic)
        # Per line, the board it was last drawn on: its key, channel and message ts.
        self._posted: dict[int, tuple[BoardKey, str, str]] = {}
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
                # Boards drawn longer ago than the interval no longer hold anything back.
                self._drawn = {k: t for k, t in self._drawn.items() if now - t < self._interval}
                due = self._pending - self._drawn.keys()
                if not due:
                    wait = min(self._drawn[key] for key in self._pending) + self._interval - now
                    self._condition.wait(timeout=max(wait, 0.01))
                    continue
                self._pending -= due
                self._drawn.update(dict.fromkeys(due, now))
                self._busy = True
            self._redraw(due)
            with self._condition:
                self._busy = False
                self._condition.notify_all()

    def _redraw(self, keys: set[BoardKey]) -> None:
        at = datetime.now(UTC)
        instances: dict[tuple[int, date], list[int]] = defaultdict(list)
        for line_id, shift_id, production_date in keys:
            instances[shift_id, production_date].append(line_id)
        for (shift_id, production_date), line_ids in instances.items():
            try:
                with session_scope(self._session_factory) as session:
                    lines = list(
                        session.scalars(select(Line).where(Line.id.in_(line_ids)).order_by(Line.id))
                    )
                    views = compute_shift_boards(
                        session,
                        lines=lines,
                        shift=session.get_one(Shift, shift_id),
                        production_date=production_date,
                        at=at,
                    )
                    channels = [(line.id, line.channel_id) for line in lines]
            except Exception:
                # A bug, or the database away: the counts are stored; the next round redraws.
                logger.exception("machines: boards of lines %s not read", sorted(line_ids))
                continue
            for (line_id, channel), view in zip(channels, views, strict=True):
                if channel:
                    self._draw((line_id, shift_id, production_date), channel, view, at)

    def _draw(self, key: BoardKey, channel: str, view: ShiftBoardView, at: datetime) -> None:
        posted = self._posted.get(key[0])
        try:
            if posted is not None and posted[0] == key:
                draw_board(self._client, channel=posted[1], ts=posted[2], view=view)
            else:
                ts = post_or_update_board(
                    self._client, self._session_factory, key, channel=channel, view=view, at=at
                )
                self._posted[key[0]] = (key, channel, ts)
            self.redraws += 1
        except Exception:
            # Slack refused, or a bug: the worker outlives it; the next count redraws the board.
            logger.exception("machines: board of line %s not updated", key[0])
