"""Keeping each shift's live board in the line channel up to date.

Called after the reporter has been answered: the entry is already committed, so a Slack
failure here costs a board refresh, never an entry. The next entry brings the board up to date.
"""

import logging
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.messages.board import (
    board_text,
    build_board_blocks,
    delay_thread_line,
    issue_thread_line,
    output_thread_line,
)
from bot.numbers.production import ShiftBoardView
from bot.records.reporting import EntryKind, SavedEntry, board_for
from models import DelayEntry, Issue, Line, OutputEntry, ShiftBoard

logger = logging.getLogger(__name__)

# Another request is posting this board right now: wait this long for its message ts.
CLAIM_WAIT = timedelta(seconds=5)
# A claim older than this without a message was left by a post that died; take it over.
STALE_CLAIM = timedelta(seconds=30)


BoardKey = tuple[int, int, date]  # line id, shift id, production date
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
            for events in batch.values():
                self._refresh(events)
            with self._condition:
                self._busy = False
                self._condition.notify_all()
                backlog = bool(self._pending)
            if backlog:
                # Entries keep coming: refresh at most once per interval and let them gather.
                time.sleep(max(0.0, started + REFRESH_INTERVAL.total_seconds() - time.monotonic()))

    def _refresh(self, events: list[tuple[SavedEntry, datetime]]) -> None:
        try:
            _publish(self._client, self._session_factory, events)
        except (SlackApiError, SlackClientError):
            saved = events[-1][0]
            logger.exception("board of line %s not updated", saved.line_id)
        except Exception:
            # The worker must outlive a bug in one refresh; the entries are safely stored.
            logger.exception("board refresh failed")


@dataclass(frozen=True)
class _BoardPost:
    channel: str
    text: str
    blocks: list[dict[str, object]]
    thread_text: str


def _publish(
    client: WebClient,
    session_factory: sessionmaker[Session],
    events: list[tuple[SavedEntry, datetime]],
) -> None:
    first, at = events[0][0], events[-1][1]
    with session_scope(session_factory) as session:
        line = session.get_one(Line, first.line_id)
        if not line.channel_id:
            return
        post = _render(session, line, [saved for saved, _ in events], at)
    board_id, message_ts = _claim_board(
        session_factory, first.line_id, first.shift_id, first.production_date, post.channel, at
    )
    if message_ts is None:
        message_ts = _post_board(client, session_factory, board_id, post)
    else:
        client.chat_update(channel=post.channel, ts=message_ts, text=post.text, blocks=post.blocks)
    client.chat_postMessage(
        channel=post.channel,
        thread_ts=message_ts,
        text=post.thread_text,
        unfurl_links=False,
    )


def _render(session: Session, line: Line, entries: list[SavedEntry], at: datetime) -> _BoardPost:
    view = board_for(session, saved=entries[-1], at=at)
    lines = [_thread_line(session, saved, view) for saved in entries]
    if len(lines) > MAX_LINES_PER_THREAD_POST:
        hidden = len(lines) - MAX_LINES_PER_THREAD_POST
        lines = [*lines[:MAX_LINES_PER_THREAD_POST], f"…and {hidden} more entries"]
    return _BoardPost(
        channel=line.channel_id or "",
        text=board_text(view),
        blocks=[block.to_dict() for block in build_board_blocks(view)],
        thread_text="\n".join(lines),
    )


def _thread_line(session: Session, saved: SavedEntry, view: ShiftBoardView) -> str:
    match saved.kind:
        case EntryKind.OUTPUT:
            return output_thread_line(session.get_one(OutputEntry, saved.id), view)
        case EntryKind.DELAY:
            return delay_thread_line(session.get_one(DelayEntry, saved.id), view)
        case EntryKind.ISSUE:
            return issue_thread_line(session.get_one(Issue, saved.id))


def _claim_board(
    session_factory: sessionmaker[Session],
    line_id: int,
    shift_id: int,
    production_date: date,
    channel: str,
    at: datetime,
) -> tuple[int, str | None]:
    """The board row of this shift instance and its message ts.

    ``None`` as ts means this caller holds the claim and must post the board. When another
    caller holds a fresh claim, wait for its ts; a stale claim is taken over.
    """
    deadline = time.monotonic() + CLAIM_WAIT.total_seconds()
    while True:
        with session_scope(session_factory) as session:
            board = session.scalars(
                select(ShiftBoard).where(
                    ShiftBoard.line_id == line_id,
                    ShiftBoard.shift_id == shift_id,
                    ShiftBoard.production_date == production_date,
                )
            ).first()
            if board is not None and board.message_ts is not None:
                return board.id, board.message_ts
            if board is not None and (
                at - board.claimed_at > STALE_CLAIM or time.monotonic() > deadline
            ):
                taken = cast(
                    CursorResult[Any],
                    session.execute(
                        update(ShiftBoard)
                        .where(ShiftBoard.id == board.id, ShiftBoard.claimed_at == board.claimed_at)
                        .values(claimed_at=at)
                    ),
                ).rowcount
                if taken:
                    return board.id, None
        if board is None:
            try:
                with session_scope(session_factory) as session:
                    board = ShiftBoard(
                        line_id=line_id,
                        shift_id=shift_id,
                        production_date=production_date,
                        channel_id=channel,
                        claimed_at=at,
                    )
                    session.add(board)
                return board.id, None
            except IntegrityError:
                continue  # another process claimed it first: read its row again
        time.sleep(0.1)


def _post_board(
    client: WebClient, session_factory: sessionmaker[Session], board_id: int, post: _BoardPost
) -> str:
    try:
        response = client.chat_postMessage(channel=post.channel, text=post.text, blocks=post.blocks)
    except (SlackApiError, SlackClientError):
        _release_claim(session_factory, board_id)
        raise
    message_ts = str(response["ts"])
    with session_scope(session_factory) as session:
        session.get_one(ShiftBoard, board_id).message_ts = message_ts
    return message_ts


def _release_claim(session_factory: sessionmaker[Session], board_id: int) -> None:
    """Let the next entry post the board again."""
    with session_scope(session_factory) as session:
        board = session.get_one(ShiftBoard, board_id)
        board.claimed_at = board.claimed_at - STALE_CLAIM * 2
