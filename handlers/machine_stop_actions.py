"""The reason buttons and "other…" of a machine stop's prompt, and the "other…" modal.

As the other listeners do, each writes first (the stop's reason, its delay entry and the
prompt's redraw owed, in one unit of work) and acknowledges Slack after; the board refresh and
the redraw come last and never raise. Who may answer is checked by ``answer_stop`` (the line's
reporters), on the modal's submission too: it can be sent without a button being pressed.

A button's value and the modal's ``private_metadata`` are read into pydantic models here: what
prodbot did not write is a ``PayloadError`` (its own answer, nothing written); a stop id of no
stop "no longer exists"; a reason the site does not list is refused by ``answer_stop``. A second
answer is told who answered first, and changes nothing.
"""

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError
from slack_bolt import Ack, App, Respond
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.messages.ids import ActionId, BlockId, CallbackId
from bot.messages.machine_stops import (
    already_answered_text,
    answered_text,
    build_stop_modal,
    stop_modal_values,
)
from bot.plant.snapshot import PlantCache
from bot.records.machine_stops import StopAnswer, answer_stop, stop_for_actor
from bot.slack.board_publisher import BoardPublisher
from bot.slack.client import WebClient
from bot.slack.outbox import Outbox
from bot.slack.posts import after_commit
from bot.slack.responses import respond_ephemeral
from bot.slack.views import open_modal
from models.payloads import PayloadError, RecordId, read_record_id
from models.schemas import Note

A_STOP = "a machine stop"
FORGED_BUTTON = PayloadError(
    "This button does not name a machine stop and reason prodbot posted, so nothing was recorded."
)
FORGED_FORM = PayloadError(
    "This form did not come from prodbot as it is, so nothing was recorded. Close it and press "
    "*other…* on the stop's message again."
)
# A delay reason as a stop's row stores it (String(32)); whether the site lists it is checked
# by ``answer_stop``.
ReasonCode = Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=r"^\S+$")]
REASON_BUTTON = re.compile(rf"^{re.escape(ActionId.MACHINE_STOP_REASON)}:\d{{1,3}}$")


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StopReasonValue(_Payload):
    stop_id: RecordId
    reason: ReasonCode


class StopModalMetadata(_Payload):
    stop_id: RecordId


class StopModalInput(_Payload):
    reason: ReasonCode
    note: Note = None


def register(app: App) -> None:
    app.action(REASON_BUTTON)(handle_stop_reason)
    app.action(ActionId.MACHINE_STOP_OTHER)(handle_stop_other)
    app.view(CallbackId.MACHINE_STOP_FORM)(handle_stop_form)


def _now() -> datetime:
    return datetime.now(UTC)


def read_stop_reason(raw: object) -> StopReasonValue:
    try:
        return StopReasonValue.model_validate_json(raw if isinstance(raw, str | bytes) else "")
    except ValidationError:
        raise FORGED_BUTTON from None


def read_stop_form(view: dict[str, Any]) -> tuple[int, StopModalInput]:
    raw = view.get("private_metadata")
    try:
        stop_id = StopModalMetadata.model_validate_json(
            raw if isinstance(raw, str | bytes) else ""
        ).stop_id
    except ValidationError:
        raise FORGED_FORM from None
    reason, note = stop_modal_values(view)
    try:
        return stop_id, StopModalInput.model_validate({"reason": reason, "note": note})
    except ValidationError as error:
        if any(detail["loc"] == ("note",) for detail in error.errors()):
            raise PayloadError(
                "The note cannot be saved: it holds a control character or is too long."
            ) from None
        raise FORGED_FORM from None


def handle_stop_reason(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    db: sessionmaker[Session],
    outbox: Outbox,
    boards: BoardPublisher,
    plant: PlantCache,
) -> None:
    at = _now()
    value = read_stop_reason(action.get("value"))
    with session_scope(db) as session:
        answer = answer_stop(
            session,
            plant=plant.get(session),
            stop_id=value.stop_id,
            reason=value.reason,
            note=None,
            user_id=body["user"]["id"],
            at=at,
        )
    ack()
    _answered(answer, respond=respond, outbox=outbox, boards=boards, at=at)


def handle_stop_other(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    db: sessionmaker[Session],
    plant: PlantCache,
) -> None:
    """Open the "other…" modal (within the 3 seconds the ``trigger_id`` is valid)."""
    stop_id = read_record_id(action.get("value"), what=A_STOP)
    at = _now()
    with session_scope(db) as session:
        view = stop_for_actor(
            session, plant=plant.get(session), stop_id=stop_id, user_id=body["user"]["id"], at=at
        )
    ack()
    if view.reason is not None:
        respond_ephemeral(respond, text=already_answered_text(view))
        return
    open_modal(client, trigger_id=body["trigger_id"], view=build_stop_modal(view))


def handle_stop_form(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    db: sessionmaker[Session],
    outbox: Outbox,
    boards: BoardPublisher,
    plant: PlantCache,
) -> None:
    at = _now()
    stop_id, typed = read_stop_form(view)
    user_id = body["user"]["id"]
    with session_scope(db) as session:
        answer = answer_stop(
            session,
            plant=plant.get(session),
            stop_id=stop_id,
            reason=typed.reason,
            note=typed.note,
            user_id=user_id,
            at=at,
        )
    if not answer.changed:
        ack(response_action="errors", errors={BlockId.STOP_REASON: _first(answer)})
        return
    ack()
    _publish(answer, outbox=outbox, boards=boards, at=at)


def _first(answer: StopAnswer) -> str:
    return already_answered_text(answer.view)[:150]


def _answered(
    answer: StopAnswer, *, respond: Respond, outbox: Outbox, boards: BoardPublisher, at: datetime
) -> None:
    if not answer.changed:
        respond_ephemeral(respond, text=already_answered_text(answer.view))
        return
    respond_ephemeral(respond, text=answered_text(answer.view))
    _publish(answer, outbox=outbox, boards=boards, at=at)


def _publish(answer: StopAnswer, *, outbox: Outbox, boards: BoardPublisher, at: datetime) -> None:
    """The prompt redrawn with the answer, and the line's board with the new delay."""
    saved = answer.saved
    after_commit(
        f"machine stop {answer.view.id}",
        lambda: outbox.deliver(answer.owed) if answer.owed else None,
        lambda: boards.publish(saved, at) if saved is not None else None,
    )
