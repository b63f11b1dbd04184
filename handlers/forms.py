"""Report forms: opening them, and saving a submission exactly as the slash command would.

A submission is read by ``handlers.parsing_forms`` (the text commands' number parsing, then the
command's pydantic model) and recorded by the same domain function as the text form; its
``private_metadata`` is read back by ``models.payloads`` and refused when prodbot did not write
it. Its ``request_key`` is ``view:<view id>``: the
view id stays the same for the life of a modal (also across error answers and updates), so
the same submission delivered twice writes once, and a modal once saved cannot save again.

Problems are shown under the field they concern (``response_action="errors"``); an implausible
quantity turns the form into "Did you mean that?" with a *Save anyway* tick box. The saved entry
is confirmed by an ephemeral message in the channel the form was opened from, or by a DM when it
was opened from App Home (or the ephemeral is refused, e.g. the bot is not in the channel). What
follows is the slash command's: the board, and for an issue its owed message with the buttons
and the pings due at once, none of which can turn into a "not saved" answer (``after_commit``).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.errors import NotAllowed, ProdbotError
from bot.messages.forms import (
    CONFIRMED,
    FORM_CALLBACKS,
    OPEN_FORM_ACTIONS,
    FormChoices,
    FormKind,
    build_report_form,
    read_form_values,
)
from bot.messages.ids import BlockId
from bot.messages.replies import mrkdwn_problem, report_saved_text
from bot.plant.people import lines_for_user
from bot.plant.snapshot import PlantCache
from bot.records.plausibility import ImplausibleQuantity
from bot.records.reporting import (
    SavedEntry,
    UnknownScrapReason,
    place_of,
    raise_issue,
    record_delay,
    record_output,
    site_scrap_reasons,
)
from bot.records.scope import RequestScope, get_line, request_scope
from bot.slack.board_publisher import BoardPublisher
from bot.slack.client import WebClient
from bot.slack.issues import post_issue_message
from bot.slack.outbox import Outbox
from bot.slack.posts import after_commit, tell_user
from bot.slack.views import View, open_modal
from handlers.command_scope import caller_team
from handlers.parsing_forms import (
    DELAY_FIELDS,
    ISSUE_FIELDS,
    OUTPUT_FIELDS,
    FormFields,
    FormProblem,
    read_report_form,
)
from models.payloads import FormMetadata, PayloadError, read_form_metadata

_KIND_BY_ACTION = {action: kind for kind, action in OPEN_FORM_ACTIONS.items()}

# What follows a saved entry beyond its board and confirmation (the same for its slash
# command): Bolt's client, the outbox, the entry, and the clock it was saved at.
AfterSaved = Callable[[WebClient, Outbox, SavedEntry, datetime], None]


def nothing_more(client: WebClient, outbox: Outbox, saved: SavedEntry, at: datetime) -> None:
    """Output and delays: the board says it all."""


def post_new_issue(client: WebClient, outbox: Outbox, saved: SavedEntry, at: datetime) -> None:
    """The issue's own message, with its Acknowledge and Resolve buttons, and urgent pings."""
    post_issue_message(
        client=client, outbox=outbox, issue_id=saved.id, owed=saved.owed, raised_at=at
    )


def open_report_form(
    *,
    client: WebClient,
    trigger_id: str,
    kind: FormKind,
    user_id: str,
    team_id: str | None,
    channel_id: str | None,
    session: Session,
) -> None:
    """Open the ``kind`` form; the user's lines come first, the channel's line is preselected."""
    scope = request_scope(
        session, channel_id=channel_id, user_id=user_id, team_id=team_id, at=datetime.now(UTC)
    )
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
        scrap_reasons=list(site_scrap_reasons(session, site=scope.site)),
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
            team_id=caller_team(body),
            channel_id=None,
            session=session,
        )


class _ConfirmQuantity(Exception):
    def __init__(self, view: View) -> None:
        super().__init__("implausible quantity")
        self.view = view


@dataclass(frozen=True)
class _FormSpec:
    """How one form's inputs become its command, and how the command is recorded."""

    fields: FormFields
    record: Callable[..., SavedEntry]
    when_block: BlockId  # where problems about the shift (none running…) are shown
    # What the form adds to the record call beyond the command (output: the tick box).
    options: Callable[[dict[str, str]], dict[str, object]] = lambda values: {}
    after_saved: AfterSaved = nothing_more


def _confirmation(values: dict[str, str]) -> dict[str, object]:
    """Output over the line's capacity is saved only with the form's "Save anyway" ticked."""
    return {"confirmed": values.get(BlockId.CONFIRM) == CONFIRMED}


OUTPUT_FORM = _FormSpec(OUTPUT_FIELDS, record_output, BlockId.SHIFT, _confirmation)
DELAY_FORM = _FormSpec(DELAY_FIELDS, record_delay, BlockId.LINE)
ISSUE_FORM = _FormSpec(ISSUE_FIELDS, raise_issue, BlockId.LINE, after_saved=post_new_issue)


def _save(
    form: _FormSpec,
    session: Session,
    scope: RequestScope,
    values: dict[str, str],
    *,
    user_id: str,
    request_key: str,
    at: datetime,
) -> tuple[SavedEntry, str]:
    """Read a submission of ``form`` and record it, as the slash command would."""
    if BlockId.LINE in values:
        try:
            get_line(site=scope.site, code_key=values[BlockId.LINE].lower())
        except ProdbotError as error:
            raise FormProblem(BlockId.LINE, error.message) from None
    command = read_report_form(form.fields, values, today=scope.parse_context.today)
    try:
        saved = form.record(
            session,
            scope=scope,
            command=command,
            user_id=user_id,
            request_key=request_key,
            at=at,
            **form.options(values),
        )
    except NotAllowed as error:
        raise FormProblem(BlockId.LINE, error.message) from None
    except UnknownScrapReason as error:
        raise FormProblem(BlockId.REASON, error.message) from None
    text = report_saved_text(command, place_of(scope, saved), duplicate=saved.duplicate)
    return saved, text


def _form_listener(form: _FormSpec) -> Callable[..., None]:
    """A view-submission listener for one form; Bolt passes its arguments by name."""

    def handle_form(
        ack: Ack,
        body: dict[str, Any],
        view: dict[str, Any],
        client: WebClient,
        db: sessionmaker[Session],
        boards: BoardPublisher,
        outbox: Outbox,
        plant: PlantCache,
    ) -> None:
        """Every form: validate and record in one unit of work, answer the modal, then confirm,
        refresh the board and send what the entry owes. Metadata prodbot did not write is
        refused under the line."""
        at = datetime.now(UTC)
        user_id = body["user"]["id"]
        values = read_form_values((view.get("state") or {}).get("values") or {})
        try:
            try:
                metadata = read_form_metadata(view.get("private_metadata"), kind=form.fields.kind)
            except PayloadError as error:
                raise FormProblem(BlockId.LINE, error.problem) from None
            with session_scope(db) as session:
                scope = request_scope(
                    session,
                    channel_id=metadata.channel_id,
                    user_id=user_id,
                    team_id=caller_team(body),
                    at=at,
                    plant=plant.get(session),
                )
                try:
                    saved, text = _save(
                        form,
                        session,
                        scope,
                        values,
                        user_id=user_id,
                        request_key=f"view:{view['id']}",
                        at=at,
                    )
                except ImplausibleQuantity as error:
                    choices = form_choices(session, scope, user_id)
                    question = mrkdwn_problem(error.message)
                    raise _ConfirmQuantity(
                        build_report_form(metadata, choices, implausible=question)
                    ) from None
                except ProdbotError as error:
                    raise FormProblem(form.when_block, error.message) from None
        except FormProblem as problem:
            ack(response_action="errors", errors={problem.block_id: problem.message})
            return
        except _ConfirmQuantity as confirm:
            ack(response_action="update", view=confirm.view)
            return
        ack()
        if not saved.duplicate:
            channel_id = metadata.channel_id
            after_commit(
                f"{form.fields.kind} {saved.id}",
                lambda: boards.publish(saved, at),
                lambda: tell_user(client, channel_id=channel_id, user_id=user_id, text=text),
                lambda: form.after_saved(client, outbox, saved, at),
            )

    return handle_form


handle_output_form = _form_listener(OUTPUT_FORM)
handle_delay_form = _form_listener(DELAY_FORM)
handle_issue_form = _form_listener(ISSUE_FORM)


def register(app: App) -> None:
    app.view(FORM_CALLBACKS["output"])(handle_output_form)
    app.view(FORM_CALLBACKS["delay"])(handle_delay_form)
    app.view(FORM_CALLBACKS["issue"])(handle_issue_form)
    for action in OPEN_FORM_ACTIONS.values():
        app.action(action)(handle_open_form_button)
