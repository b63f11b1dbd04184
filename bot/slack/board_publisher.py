"""Keeping each shift's live board current after entries, off the request path.

Called after the reporter has been answered: the entry is already committed, so a Slack
failure here costs a board refresh, never an entry. The next entry brings the board up to date.
"""

import logging
import threading
import time
from collections.abc import Sequence
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.messages.board import (
    DelayLine,
    IssueLine,
    OutputLine,
    ThreadEntry,
    thread_line,
    thread_posts,
)
from bot.records.reporting import EntryKind, SavedEntry, board_for
from bot.slack.boards import BoardKey, post_or_update_board
from models import DelayEntry, Issue, Line, OutputEntry

logger = logging.getLogger(__name__)

# Entries shown in the thread per board refresh; the others are counted. The lines shown are
# split into posts within Slack's text limit (``bot.messages.board.thread_posts``).
MAX_LINES_PER_THREAD_POST = 20
# Slack takes about one message per second per channel: while entries keep arriving, boards
# are refreshed no more often than this.
REFRESH_INTERVAL = timedelta(seconds=1)


class BoardPublisher:
    """Keeps boards current off the request path, one worker thread per process.

    Entries arriving while the worker is busy are coalesced per board: one board refresh and
    one thread post carry all of them, so a burst of reports never floods the channel or
    Slack's rate limit. Entries are committed before they get here; if the process stops with
    refreshes pending, the next entry or the shift summary brings the board up to date.
    """

    def __init__(self, *, client: WebClient, session_factory: sessionmaker[Session]) -> None:
        self._client = client
        self._session_factory = session_factory
        self._pending: dict[BoardKey, list[tuple[SavedEntry, datetime]]] = {}
        self._condition = threading.Condition()
        self._busy = False
        self._worker: threading.Thread | None = None

    def publish(self, saved: SavedEntry, at: datetime) -> None:
        key = (saved.line_id, saved.shift_id, saved.production_date)
        with self._condition:
            self._pending.setdefault(key, []).append((saved, at))
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._work, name="boards", daemon=True)
                self._worker.start()
            self._condition.notify_all()

    def wait_until_idle(self, timeout: float = 10.0) -> bool:
        """For the demo and tests: block until every pending refresh is done."""
        with self._condition:
            return self._condition.wait_for(
                lambda: not self._pending and not self._busy, timeout=timeout
            )

    def _work(self) -> None:
        while True:
            with self._condition:
                self._condition.wait_for(lambda: bool(self._pending))
                batch, self._pending, self._busy = self._pending, {}, True
            started = time.monotonic()
            for key, events in batch.items():
                self._refresh(key, events)
            with self._condition:
                self._busy = False
                self._condition.notify_all()
                backlog = bool(self._pending)
            if backlog:
                # Entries keep coming: refresh at most once per interval and let them gather.
                time.sleep(max(0.0, started + REFRESH_INTERVAL.total_seconds() - time.monotonic()))

    def _refresh(self, key: BoardKey, events: list[tuple[SavedEntry, datetime]]) -> None:
        try:
            _publish(self._client, self._session_factory, key, events)
        except (SlackApiError, SlackClientError):
            logger.exception("board of line %s not updated", key[0])
        except Exception:
            # The worker must outlive a bug in one refresh; the entries are safely stored.
            logger.exception("board refresh failed")


def _publish(
    client: WebClient,
    session_factory: sessionmaker[Session],
    key: BoardKey,
    events: list[tuple[SavedEntry, datetime]],
) -> None:
    """Redraw the board with the latest numbers, then post what changed into its thread: one
    post, or a few when the entries' notes are too long for one message."""
    entries, at = [saved for saved, _ in events], events[-1][1]
    with session_scope(session_factory) as session:
        channel = session.get_one(Line, key[0]).channel_id
        if not channel:
            return
        view = board_for(session, saved=entries[-1], at=at)
        lines = [thread_line(entry, view) for entry in _thread_entries(session, entries)]
    message_ts = post_or_update_board(
        client, session_factory, key, channel=channel, view=view, at=at
    )
    for text in thread_posts(lines, max_lines=MAX_LINES_PER_THREAD_POST):
        client.chat_postMessage(
            channel=channel, thread_ts=message_ts, text=text, unfurl_links=False
        )


def _thread_entries(session: Session, entries: Sequence[SavedEntry]) -> list[ThreadEntry]:
    """The entries as their thread lines show them, in the order they were saved."""
    ids = {kind: [e.id for e in entries if e.kind is kind] for kind in EntryKind}
    shown: dict[tuple[EntryKind, int], ThreadEntry] = {}
    for output in session.scalars(
        select(OutputEntry).where(OutputEntry.id.in_(ids[EntryKind.OUTPUT]))
    ):
        shown[EntryKind.OUTPUT, output.id] = OutputLine(
            output.good, output.scrap, output.reported_by, output.voided_by, output.note
        )
    for delay in session.scalars(select(DelayEntry).where(DelayEntry.id.in_(ids[EntryKind.DELAY]))):
        shown[EntryKind.DELAY, delay.id] = DelayLine(
            delay.minutes, delay.reason, delay.reported_by, delay.voided_by, delay.note
        )
    for issue in session.scalars(select(Issue).where(Issue.id.in_(ids[EntryKind.ISSUE]))):
        category = issue.category.value if issue.category else None
        shown[EntryKind.ISSUE, issue.id] = IssueLine(
            issue.severity.value, category, issue.text, issue.raised_by
        )
    return [shown[entry.kind, entry.id] for entry in entries]
