"""The "Save anyway" and "Cancel" buttons under an implausible output quantity.

The button's value is the validated command and the first request's key, as JSON; it is read
back by ``models.payloads.read_confirm_output``, so a value prodbot did not write is answered
(``PayloadError``) and saves nothing. As in the other listeners, the work comes before ``ack()``
so a refusal is answered by the error handler.
"""

from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App, Respond
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.messages.ids import ActionId
from bot.messages.replies import output_saved_text
from bot.records.reporting import place_of, record_output
from bot.records.scope import request_scope
from bot.slack.board_publisher import BoardPublisher
from bot.slack.responses import delete_original, respond_ephemeral
from handlers.command_scope import caller_team
from models.payloads import read_confirm_output


def register(app: App) -> None:
    app.action(ActionId.CONFIRM_OUTPUT)(handle_confirm_output)
    app.action(ActionId.DISCARD_OUTPUT)(handle_discard_output)


def handle_confirm_output(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    db: sessionmaker[Session],
    boards: BoardPublisher,
) -> None:
    """ "Save anyway" on an implausible quantity: the same command, saved without the check.

    The original request's key rides along, so pressing twice still saves once.
    """
    at = datetime.now(UTC)
    user_id = body["user"]["id"]
    with session_scope(db) as session:
        scope = request_scope(
            session,
            channel_id=(body.get("channel") or {}).get("id"),
            user_id=user_id,
            team_id=caller_team(body),
            at=at,
        )
        command, request_key = read_confirm_output(
            action.get("value"), today=scope.parse_context.today
        )
        saved = record_output(
            session,
            scope=scope,
            command=command,
            user_id=user_id,
            request_key=request_key,
            at=at,
            confirmed=True,
        )
        reply = output_saved_text(
            command.good,
            command.scrap,
            place_of(scope, saved),
            duplicate=saved.duplicate,
            scrap_reason=command.scrap_reason,
        )
    ack()
    respond_ephemeral(respond, text=reply, replace_original=True)
    if not saved.duplicate:
        boards.publish(saved, at)


def handle_discard_output(ack: Ack, respond: Respond) -> None:
    ack()
    delete_original(respond)
