"""The Acknowledge button of a handover message.

The acknowledgement is written before Slack is acknowledged, as the other listeners do, so a
refusal (the author, someone who is not a lead of the line) is answered by the error handler;
the redraw of the message, owed with the acknowledgement, is sent last (``after_commit``). A
button value that is not a handover id prodbot wrote gets its own answer (``models.payloads``),
an id of no handover "no longer exists".
"""

from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App, Respond
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.messages.handover import already_acknowledged_text
from bot.messages.ids import ActionId
from bot.records.handover import acknowledge_handover
from bot.slack.outbox import Outbox
from bot.slack.posts import deliver_after_commit
from bot.slack.responses import respond_ephemeral
from models.payloads import read_record_id


def register(app: App) -> None:
    app.action(ActionId.ACKNOWLEDGE_HANDOVER)(handle_acknowledge_handover)


def handle_acknowledge_handover(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    db: sessionmaker[Session],
    outbox: Outbox,
) -> None:
    handover_id = read_record_id(action.get("value"), what="a handover")
    with session_scope(db) as session:
        result = acknowledge_handover(
            session,
            handover_id=handover_id,
            user_id=body["user"]["id"],
            at=datetime.now(UTC),
        )
    ack()
    if not result.changed:
        respond_ephemeral(respond, text=already_acknowledged_text(result.view))
        return
    deliver_after_commit(outbox, result.owed, what=f"handover {handover_id}")
