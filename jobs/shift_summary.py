"""``shift-summary``: after each shift end + report grace, the shift's numbers to each line channel.

It also redraws the shift's live board one last time, with the shift's final numbers.
"""

import logging
from datetime import date, datetime, timedelta

from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import session_scope
from bot.messages.board import board_text, build_board_blocks
from bot.messages.summary import build_shift_summary_blocks, shift_summary_text
from bot.numbers.production import compute_shift_board
from bot.plant.file import alerts_of
from bot.records.handover import pending_handover_note
from bot.slack.ledger import DuePost, Message, PostOutcome, post_many
from jobs.base import JobDeps, shifts_due
from models import Line, Shift, ShiftBoard, Site

logger = logging.getLogger(__name__)

name = "shift-summary"
description = "Each line's shift numbers to its channel, after the shift ends + report grace."


def run(at: datetime, deps: JobDeps) -> list[PostOutcome]:
    with session_scope(deps.session_factory) as session:
        due = _due_summaries(session, at)
    outcomes = post_many(
        client=deps.client,
        session_factory=deps.session_factory,
        posts=[post for post, _ in due.values()],
    )
    for outcome in outcomes:
        if outcome.sent:
            _finalise_board(deps, *due[outcome.key][1], at=at)
    return outcomes


def _due_summaries(
    session: Session, at: datetime
) -> dict[tuple[str, str, str], tuple[DuePost, tuple[int, int, date]]]:
    """Ledger key → (the summary post, the board it closes: line id, shift id, date)."""
    due = {}
    for site in session.scalars(select(Site).order_by(Site.id)):
        grace = timedelta(minutes=alerts_of(site).report_grace_minutes)
        for instance in shifts_due(site, at=at, after_end=grace):
            shift = session.get_one(Shift, instance.shift_id)
            for line in site.lines:
                if not (line.active and line.channel_id):
                    continue
                view = compute_shift_board(
                    session, line=line, shift=shift, production_date=instance.production_date, at=at
                )
                if view.target is None and not view.totals.output_entries:
                    continue  # not planned on this line (or a planned stop) and nothing reported
                blocks = build_shift_summary_blocks(
                    view,
                    reported=view.totals.output_entries > 0,
                    pending_handover=pending_handover_note(
                        session,
                        line_id=line.id,
                        shift_id=shift.id,
                        production_date=instance.production_date,
                    ),
                )
                post = DuePost(
                    job=name,
                    scope=f"line:{line.id}",
                    period=f"{instance.production_date}/{shift.name}",
                    message=Message(
                        channel=line.channel_id,
                        text=shift_summary_text(view),
                        blocks=[block.to_dict() for block in blocks],
                    ),
                )
                due[post.key] = (post, (line.id, shift.id, instance.production_date))
    return due


def _finalise_board(
    deps: JobDeps, line_id: int, shift_id: int, production_date: date, *, at: datetime
) -> None:
    with session_scope(deps.session_factory) as session:
        board = session.scalars(
            select(ShiftBoard).where(
                ShiftBoard.line_id == line_id,
                ShiftBoard.shift_id == shift_id,
                ShiftBoard.production_date == production_date,
            )
        ).first()
        if board is None or board.message_ts is None:
            return
        view = compute_shift_board(
            session,
            line=session.get_one(Line, line_id),
            shift=session.get_one(Shift, shift_id),
            production_date=production_date,
            at=at,
        )
        channel, message_ts = board.channel_id, board.message_ts
    try:
        deps.client.chat_update(
            channel=channel,
            ts=message_ts,
            text=board_text(view),
            blocks=[block.to_dict() for block in build_board_blocks(view, final=True)],
        )
    except (SlackApiError, SlackClientError):
        logger.exception("final board of line %s not updated", line_id)
