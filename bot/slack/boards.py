"""The live board message of each shift instance in its line channel: posting it once, and
redrawing it in place.

``ShiftBoard`` rows pair a (line, shift, production date) with its message. The first entry of a
shift claims the row and posts the board; concurrent entries wait for that message's ts instead
of posting a second board. ``redraw_posted_board`` is the one redraw every caller uses: the
board publisher after entries, issue buttons while the shift runs, and the shift summary with
the final numbers.
"""

import logging
import time
from datetime import date, datetime, timedelta
from typing import Any, cast

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.messages.board import board_text, build_board_blocks
from bot.numbers.production import ShiftBoardView, compute_shift_board
from models import Line, Shift, ShiftBoard

logger = logging.getLogger(__name__)

# Another request is posting this board right now: wait this long for its message ts.
CLAIM_WAIT = timedelta(seconds=5)
# A claim older than this without a message was left by a post that died; take it over.
STALE_CLAIM = timedelta(seconds=30)

BoardKey = tuple[int, int, date]  # line id, shift id, production date


def redraw_posted_board(
    client: WebClient,
    session_factory: sessionmaker[Session],
    key: BoardKey,
    *,
    at: datetime,
    final: bool = False,
) -> bool:
    """Redraw the board of ``key`` with its numbers at ``at``, if it was posted; False if not.

    ``final`` once the shift has ended and its summary is out. Slack errors are raised.
    """
    line_id, shift_id, production_date = key
    with session_scope(session_factory) as session:
        board = _board_row(session, key)
        if board is None or board.message_ts is None:
            return False
        view = compute_shift_board(
            session,
            line=session.get_one(Line, line_id),
            shift=session.get_one(Shift, shift_id),
            production_date=production_date,
            at=at,
        )
        channel, message_ts = board.channel_id, board.message_ts
    draw_board(client, channel=channel, ts=message_ts, view=view, final=final)
    return True


def finalise_board(
    client: WebClient, session_factory: sessionmaker[Session], key: BoardKey, *, at: datetime
) -> None:
    """The shift is over and its summary out: the board's last redraw, with its final numbers.

    A Slack failure is logged: the summary carries the same numbers.
    """
    try:
        redraw_posted_board(client, session_factory, key, at=at, final=True)
    except (SlackApiError, SlackClientError):
        logger.exception("final board of line %s not updated", key[0])


def draw_board(
    client: WebClient, *, channel: str, ts: str | None, view: ShiftBoardView, final: bool = False
) -> str:
    """Post the board (``ts`` None) or update it in place; the message ts."""
    text = board_text(view)
    blocks = [block.to_dict() for block in build_board_blocks(view, final=final)]
    if ts is None:
        return str(client.chat_postMessage(channel=channel, text=text, blocks=blocks)["ts"])
    client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
    return ts


def post_or_update_board(
    client: WebClient,
    session_factory: sessionmaker[Session],
    key: BoardKey,
    *,
    channel: str,
    view: ShiftBoardView,
    at: datetime,
) -> str:
    """Show ``view`` as the board of ``key``: post it the first time, update it after. The ts."""
    board_id, message_ts = _claim_board(session_factory, key, channel, at)
    if message_ts is not None:
        return draw_board(client, channel=channel, ts=message_ts, view=view)
    try:
        message_ts = draw_board(client, channel=channel, ts=None, view=view)
    except (SlackApiError, SlackClientError):
        _release_claim(session_factory, board_id)
        raise
    with session_scope(session_factory) as session:
        session.get_one(ShiftBoard, board_id).message_ts = message_ts
    return message_ts


def _board_row(session: Session, key: BoardKey) -> ShiftBoard | None:
    line_id, shift_id, production_date = key
    return session.scalars(
        select(ShiftBoard).where(
            ShiftBoard.line_id == line_id,
            ShiftBoard.shift_id == shift_id,
            ShiftBoard.production_date == production_date,
        )
    ).first()


def _claim_board(
    session_factory: sessionmaker[Session], key: BoardKey, channel: str, at: datetime
) -> tuple[int, str | None]:
    """The board row of this shift instance and its message ts.

    ``None`` as ts means this caller holds the claim and must post the board. When another
    caller holds a fresh claim, wait for its ts; a stale claim is taken over.
    """
    line_id, shift_id, production_date = key
    deadline = time.monotonic() + CLAIM_WAIT.total_seconds()
    while True:
        with session_scope(session_factory) as session:
            board = _board_row(session, key)
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


def _release_claim(session_factory: sessionmaker[Session], board_id: int) -> None:
    """Let the next entry post the board again."""
    with session_scope(session_factory) as session:
        board = session.get_one(ShiftBoard, board_id)
        board.claimed_at = board.claimed_at - STALE_CLAIM * 2
