"""Report forms: opening them, and saving a submission exactly as the slash command would.

A submission is validated with the command's pydantic model (``validate_command``) and recorded
by the same domain function as the text form. Its ``request_key`` is ``view:<view id>``: the
view id stays the same for the life of a modal (also across error answers and updates), so
the same submission delivered twice writes once, and a modal once saved cannot save again.

Problems are shown under the field they concern (``response_action="errors"``); an implausible
quantity turns the form into "Did you mean that?" with a *Save anyway* tick box. The saved entry
is confirmed by an ephemeral message in the channel the form was opened from, or by a DM when it
was opened from App Home (or the ephemeral is refused, e.g. the bot is not in the channel).
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from slack_bolt import Ack, App
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.errors import ProdbotError
from bot.messages.forms import (
    CONFIRMED,
    FORM_CALLBACKS,
    OPEN_FORM_ACTIONS,
    FormChoices,
    FormKind,
    FormMetadata,
    build_report_form,
    read_form_values,
)
from bot.messages.ids import BlockId
from bot.messages.replies import report_saved_text
from bot.plant.people import lines_for_user
from bot.plant.snapshot import PlantCache
from bot.records.reporting import (
    ImplausibleQuantity,
    SavedEntry,
    place_of,
    raise_issue,
    record_delay,
    record_output,
)
from bot.records.scope import RequestScope, get_line, request_scope
from bot.slack.board_publisher import BoardPublisher
from bot.slack.client import WebClient
from bot.slack.posts import tell_user
from bot.slack.views import View, open_modal
from handlers.parsing import parse_duration
from models.schemas import DelayCommand, IssueCommand, OutputCommand, UsageError, validate_command

M = TypeVar("M", bound=BaseModel)
_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+")
_KIND_BY_ACTION = {action: kind for kind, action in OPEN_FORM_ACTIONS.items()}


def open_report_form(
    *,
    client: WebClient,
    trigger_id: str,
    kind: FormKind,
    user_id: str,
    channel_id: str | None,
    session: Session,
) -> None:
    """Open the ``kind`` form; the user's lines come first, the channel's line is preselected."""
    scope = request_scope(session, channel_id=channel_id, user_id=user_id, at=datetime.now(UTC))
    metadata = FormMetadata(kind=kind, channel_id=channel_id)
    open_modal(
        client,
        trigger_id=trigger_id,
        view=build_report_form(metadata, form_choices(session, scope, user_id)),
    )


def form_choices(session: Session, scope: RequestScope, user_id: str) -> FormChoices:
    """The selects' options; the line is preselected when the channel or the user's roles
    make it unambiguous."""
    lines = lines_for_user(session, site=scope.site, user_id=user_id)
    own_line = lines.own[0].code_key if len(lines.own) == 1 else None
    return FormChoices(
        lines=[(line.code_key, f"{line.code} · {line.name}") for line in lines.ordered],
        initial_line=scope.parse_context.channel_line or own_line,
        shifts=[shift.name for shift in scope.site.shifts],
        reasons=list(scope.parse_context.delay_reasons),
    )


def handle_open_form_button(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    db: sessionmaker[Session],
) -> None:
    ack()
    with session_scope(db) as session:
        open_report_form(
            client=client,
            trigger_id=body["trigger_id"],
            kind=_KIND_BY_ACTION[action["action_id"]],
            user_id=body["user"]["id"],
            channel_id=None,
            session=session,
        )


class FormProblem(Exception):
    """A submitted value that cannot be saved; shown under the input ``block_id``."""

    def __init__(self, block_id: BlockId, message: str) -> None:
        super().__init__(message)
        self.block_id = block_id
        self.message = message


class _ConfirmQuantity(Exception):
    def __init__(self, view: View) -> None:
        super().__init__("implausible quantity")
        self.view = view


Save = Callable[[Session, RequestScope, dict[str, str], str, str, datetime], tuple[SavedEntry, str]]


def _validate(
    model: type[M],
    values: Mapping[str, object],
    fields: Mapping[str, BlockId],
    *,
    command: str,
    today: date,
    fallback: BlockId,
) -> M:
    """``validate_command`` on the filled-in fields; a problem goes under its field's block.

    ``UsageError`` says what is wrong but not where, so the failing field is taken from
    pydantic's own error; problems of the whole model (good and scrap both 0) go to
    ``fallback``.
    """
    data = {field: values[block] for field, block in fields.items() if block in values}
    try:
        return validate_command(model, data, command=command, today=today)
    except UsageError as error:
        block = fallback
        try:
            model.model_validate(data, context={"today": today})
        except ValidationError as details:
            location = details.errors()[0]["loc"]
            block = fields.get(str(location[0]), fallback) if location else fallback
        raise FormProblem(block, error.problem) from None


def _thousands(value: str | None) -> str | None:
    """``1,200`` → ``1200``, as the text form reads it; anything else is left to validation."""
    if value is not None and _GROUPED.fullmatch(value.strip()):
        return value.replace(",", "")
    return value


Report = OutputCommand | DelayCommand | IssueCommand


@dataclass(frozen=True)
class _FormSpec:
    """How one form's fields become its command and how the command is recorded."""

    command: FormKind
    model: type[Report]
    fields: Mapping[str, BlockId]  # the command's field → the input block it is typed in
    fallback: BlockId  # where a problem of the whole command is shown
    record: Callable[..., SavedEntry]
    # What the form adds to the record call beyond the command (output: the tick box).
    options: Callable[[dict[str, str]], dict[str, object]] = lambda values: {}


def _confirmation(values: dict[str, str]) -> dict[str, object]:
    """Output over the line's capacity is saved only with the form's "Save anyway" ticked."""
    return {"confirmed": values.get(BlockId.CONFIRM) == CONFIRMED}


OUTPUT_FORM = _FormSpec(
    "output",
    OutputCommand,
    {
        "line": BlockId.LINE,
        "good": BlockId.GOOD,
        "scrap": BlockId.SCRAP,
        "shift": BlockId.SHIFT,
        "production_date": BlockId.DATE,
        "note": BlockId.NOTE,
    },
    BlockId.GOOD,
    record_output,
    _confirmation,
)
DELAY_FORM = _FormSpec(
    "delay",
    DelayCommand,
    {
        "line": BlockId.LINE,
        "minutes": BlockId.DURATION,
        "reason": BlockId.REASON,
        "note": BlockId.NOTE,
    },
    BlockId.DURATION,
    record_delay,
)
ISSUE_FORM = _FormSpec(
    "issue",
    IssueCommand,
    {
        "line": BlockId.LINE,
        "severity": BlockId.SEVERITY,
        "category": BlockId.CATEGORY,
        "text": BlockId.TEXT,
    },
    BlockId.TEXT,
    raise_issue,
)


def _typed_values(values: dict[str, str]) -> dict[str, object]:
    """The form's values as the text command reads them: ``1,200`` for quantities, ``1h30``
    for a duration."""
    typed: dict[str, object] = dict(values)
    for block in (BlockId.GOOD, BlockId.SCRAP):
        if block in values:
            typed[block] = _thousands(values[block])
    if BlockId.DURATION in values:
        try:
            typed[BlockId.DURATION] = parse_duration(values[BlockId.DURATION])
        except ValueError as error:
            raise FormProblem(BlockId.DURATION, str(error)) from None
    return typed


def _saver(form: _FormSpec) -> Save:
    """Validate a submission of ``form`` and record it, as the slash command would."""

    def save(
        session: Session,
        scope: RequestScope,
        values: dict[str, str],
        user_id: str,
        request_key: str,
        at: datetime,
    ) -> tuple[SavedEntry, str]:
        command = _validate(
            form.model,
            _typed_values(values),
            form.fields,
            command=form.command,
            today=scope.parse_context.today,
            fallback=form.fallback,
        )
        saved = form.record(
            session,
            scope=scope,
            command=command,
            user_id=user_id,
            request_key=request_key,
            at=at,
            **form.options(values),
        )
        text = report_saved_text(command, place_of(scope, saved), duplicate=saved.duplicate)
        return saved, text

    return save


def _form_listener(save: Save, *, when_block: BlockId) -> Callable[..., None]:
    """A view-submission listener for one form; Bolt passes its arguments by name."""

    def handle_form(
        ack: Ack,
        body: dict[str, Any],
        view: dict[str, Any],
        client: WebClient,
        db: sessionmaker[Session],
        boards: BoardPublisher,
        plant: PlantCache,
    ) -> None:
        """Every form: validate and record in one unit of work, answer the modal, then confirm and
        refresh the board. ``when_block`` shows problems about the shift (none running…)."""
        at = datetime.now(UTC)
        user_id = body["user"]["id"]
        metadata = FormMetadata.model_validate_json(view["private_metadata"])
        values = read_form_values(view["state"]["values"])
        try:
            with session_scope(db) as session:
                scope = request_scope(
                    session,
                    channel_id=metadata.channel_id,
                    user_id=user_id,
                    at=at,
                    plant=plant.get(session),
                )
                try:
                    if BlockId.LINE in values:
                        get_line(site=scope.site, code_key=values[BlockId.LINE].lower())
                except ProdbotError as error:
                    raise FormProblem(BlockId.LINE, error.message) from None
                try:
                    saved, text = save(session, scope, values, user_id, f"view:{view['id']}", at)
                except ImplausibleQuantity as error:
                    choices = form_choices(session, scope, user_id)
                    raise _ConfirmQuantity(
                        build_report_form(metadata, choices, implausible=error.message)
                    ) from None
                except ProdbotError as error:
                    raise FormProblem(when_block, error.message) from None
        except FormProblem as problem:
            ack(response_action="errors", errors={problem.block_id: problem.message})
            return
        except _ConfirmQuantity as confirm:
            ack(response_action="update", view=confirm.view)
            return
        ack()
        if not saved.duplicate:
            boards.publish(saved, at)
            tell_user(client, channel_id=metadata.channel_id, user_id=user_id, text=text)

    return handle_form


handle_output_form = _form_listener(_saver(OUTPUT_FORM), when_block=BlockId.SHIFT)
handle_delay_form = _form_listener(_saver(DELAY_FORM), when_block=BlockId.LINE)
handle_issue_form = _form_listener(_saver(ISSUE_FORM), when_block=BlockId.LINE)


def register(app: App) -> None:
    app.view(FORM_CALLBACKS["output"])(handle_output_form)
    app.view(FORM_CALLBACKS["delay"])(handle_delay_form)
    app.view(FORM_CALLBACKS["issue"])(handle_issue_form)
    for action in OPEN_FORM_ACTIONS.values():
        app.action(action)(handle_open_form_button)
