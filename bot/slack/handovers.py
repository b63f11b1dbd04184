"""Handovers in the line channel: posted once with their Acknowledge button, redrawn after."""

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.messages.handover import build_handover_blocks, handover_text
from bot.records.handover import HandoverView, handover_view
from bot.slack.posts import post_now, update_now
from models.handover import Handover


def post_handover(
    client: WebClient, session_factory: sessionmaker[Session], handover_id: int
) -> bool:
    """Post the handover to its line channel and keep the message's ts for in-place updates.

    Called after the author was answered; the handover is committed, so a Slack refusal loses
    the post only. Returns False then, so the caller can tell the author.
    """
    with session_scope(session_factory) as session:
        view = handover_view(session, session.get_one(Handover, handover_id))
    if view.channel_id is None:  # record_handover refuses lines without a channel
        return False
    message_ts = post_now(
        client,
        channel=view.channel_id,
        text=handover_text(view),
        blocks=build_handover_blocks(view),
        what=f"handover {handover_id}",
    )
    if message_ts is None:
        return False
    with session_scope(session_factory) as session:
        session.get_one(Handover, handover_id).message_ts = message_ts
    return True


def update_handover_message(client: WebClient, view: HandoverView) -> None:
    """Redraw the posted handover (after the acknowledgement): who pressed it, no button."""
    if view.channel_id is None or view.message_ts is None:
        return
    update_now(
        client,
        channel=view.channel_id,
        ts=view.message_ts,
        text=handover_text(view),
        blocks=build_handover_blocks(view),
        what=f"handover {view.id} message",
    )
