"""Slash command listeners: parse, call the domain, answer, then update Slack.

Order matters: the entry is committed, then acknowledged (Slack's 3 seconds), and only then
is the line channel's board updated. A slow or failing Slack Web API delays the board, never the
answer, and never loses the entry.
"""

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.messages.forms import FormKind
from bot.messages.handover import handover_not_posted_text, handover_saved_text
from bot.messages.ids import Command
from bot.messages.replies import (
    build_status_blocks,
    delay_saved_text,
    export_started_text,
    help_text,
    issue_saved_text,
    output_saved_text,
    status_text,
    undo_text,
)
from bot.messages.targets import target_set_text
from bot.numbers.production import compute_line_status
from bot.plant.snapshot import PlantCache
from bot.records.handover import post_handover, record_handover
from bot.records.issues import post_issue_message
from bot.records.reporting import (
    LATE_REPORT_WINDOW,
    EntryPlace,
    SavedEntry,
    get_line,
    place_of,
    raise_issue,
    record_delay,
    record_output,
    request_scope,
    void_latest_entry,
)
from bot.records.targets import announce_target_change, set_target
from bot.slack.boards import BoardPublisher
from bot.transfer.export import CsvFile, export_csv_files
from handlers.forms import open_report_form
from handlers.parsing import parse_delay, parse_issue, parse_output, parse_prod
from models import Line
from models.schemas import (
    DelayCommand,
    ExportCommand,
    HandoverCommand,
    HelpCommand,
    IssueCommand,
    OutputCommand,
    ParseContext,
    StatusCommand,
    TargetCommand,
    UndoCommand,
)

EXPORT_DEFAULT_DAYS = 7
C = TypeVar("C", OutputCommand, DelayCommand, IssueCommand)
logger = logging.getLogger(__name__)


def register(app: App) -> None:
    app.command(Command.OUTPUT)(handle_output_command)
    app.command(Command.DELAY)(handle_delay_command)
    app.command(Command.ISSUE)(handle_issue_command)
    app.command(Command.PROD)(handle_prod_command)


def _now() -> datetime:
    return datetime.now(UTC)


def _handle_report(
    ack: Ack,
    command: dict[str, Any],
    client: WebClient,
    db: sessionmaker[Session],
    boards: BoardPublisher,
    plant: PlantCache,
    *,
    kind: FormKind,
    parse: Callable[[str, ParseContext], C],
    record: Callable[..., SavedEntry],
    reply: Callable[[C, EntryPlace, bool], str],
    after_saved: Callable[[SavedEntry], None] | None = None,
) -> None:
    """Every report command: parse, record, commit, acknowledge, then update Slack.

    Typed with no arguments, the command opens its form instead.
    """
    if not command.get("text", "").strip():
        with session_scope(db) as session:
            open_report_form(
                client=client,
                trigger_id=command["trigger_id"],
                kind=kind,
                user_id=command["user_id"],
                channel_id=command.get("channel_id"),
                session=session,
            )
        ack()
        return
    at = _now()
    with session_scope(db) as session:
        scope = request_scope(
            session,
            channel_id=command.get("channel_id"),
            user_id=command["user_id"],
            at=at,
            plant=plant.get(session),
        )
        parsed = parse(command.get("text", ""), scope.parse_context)
        saved = record(
            session,
            scope=scope,
            command=parsed,
            user_id=command["user_id"],
            request_key=command["trigger_id"],
            at=at,
        )
        text = reply(parsed, place_of(scope, saved), saved.duplicate)
    ack(response_type="ephemeral", text=text)
    if not saved.duplicate:
        boards.publish(saved, at)
        if after_saved is not None:
            after_saved(saved)


def handle_output_command(
    ack: Ack,
    command: dict[str, Any],
    client: WebClient,
    db: sessionmaker[Session],
    boards: BoardPublisher,
    plant: PlantCache,
) -> None:
    def reply(parsed: OutputCommand, place: EntryPlace, duplicate: bool) -> str:
        return output_saved_text(parsed.good, parsed.scrap, place, duplicate=duplicate)

    _handle_report(
        ack,
        command,
        client,
        db,
        boards,
        plant,
        kind="output",
        parse=parse_output,
        record=record_output,
        reply=reply,
    )


def handle_delay_command(
    ack: Ack,
    command: dict[str, Any],
    client: WebClient,
    db: sessionmaker[Session],
    boards: BoardPublisher,
    plant: PlantCache,
) -> None:
    def reply(parsed: DelayCommand, place: EntryPlace, duplicate: bool) -> str:
        return delay_saved_text(parsed.minutes, parsed.reason, place, duplicate=duplicate)

    _handle_report(
        ack,
        command,
        client,
        db,
        boards,
        plant,
        kind="delay",
        parse=parse_delay,
        record=record_delay,
        reply=reply,
    )


def handle_issue_command(
    ack: Ack,
    command: dict[str, Any],
    client: WebClient,
    db: sessionmaker[Session],
    boards: BoardPublisher,
    plant: PlantCache,
) -> None:
    def reply(parsed: IssueCommand, place: EntryPlace, duplicate: bool) -> str:
        return issue_saved_text(parsed.severity.value, place.line.code, duplicate=duplicate)

    _handle_report(
        ack,
        command,
        client,
        db,
        boards,
        plant,
        kind="issue",
        parse=parse_issue,
        record=raise_issue,
        reply=reply,
        # The issue's own message, with its Acknowledge and Resolve buttons, and urgent pings.
        after_saved=lambda saved: post_issue_message(
            client=client, session_factory=db, issue_id=saved.id
        ),
    )


def handle_prod_command(
    ack: Ack,
    command: dict[str, Any],
    client: WebClient,
    respond: Respond,
    db: sessionmaker[Session],
    boards: BoardPublisher,
    plant: PlantCache,
) -> None:
    at = _now()
    user_id = command["user_id"]
    with session_scope(db) as session:
        scope = request_scope(
            session,
            channel_id=command.get("channel_id"),
            user_id=user_id,
            at=at,
            plant=plant.get(session),
        )
        parsed = parse_prod(command.get("text", ""), scope.parse_context)
        match parsed:
            case StatusCommand(line=code):
                lines = [get_line(site=scope.site, code_key=code)] if code else scope.site.lines
                statuses = [
                    compute_line_status(
                        session,
                        line=session.get_one(Line, line.id),
                        at=at,
                        late_window=LATE_REPORT_WINDOW,
                    )
                    for line in lines
                ]
                ack(
                    response_type="ephemeral",
                    text=status_text(statuses),
                    blocks=build_status_blocks(statuses),
                )
                return
            case UndoCommand():
                saved = void_latest_entry(
                    session, user_id=user_id, request_key=command["trigger_id"], at=at
                )
                reply = undo_text(
                    saved.kind.value,
                    session.get_one(Line, saved.line_id).code,
                    duplicate=saved.duplicate,
                )
            case ExportCommand(date_from=date_from, date_to=date_to):
                date_to = date_to or scope.parse_context.today
                date_from = date_from or date_to - timedelta(days=EXPORT_DEFAULT_DAYS - 1)
                ack(
                    response_type="ephemeral",
                    text=export_started_text(str(date_from), str(date_to)),
                )
                files = export_csv_files(session, date_from=date_from, date_to=date_to)
                _send_export(client, respond, user_id, files, f"{date_from} to {date_to}")
                return
            case HelpCommand():
                ack(response_type="ephemeral", text=help_text())
                return
            case TargetCommand():
                change = set_target(session, scope=scope, command=parsed, user_id=user_id, at=at)
            case HandoverCommand():
                recorded = record_handover(
                    session,
                    scope=scope,
                    command=parsed,
                    user_id=user_id,
                    request_key=command["trigger_id"],
                    at=at,
                )
    # Committed: answer first, then tell the line channel.
    match parsed:
        case TargetCommand():
            ack(response_type="ephemeral", text=target_set_text(change))
            announce_target_change(client, change)
            return
        case HandoverCommand():
            ack(response_type="ephemeral", text=handover_saved_text(recorded))
            if not recorded.duplicate and not post_handover(client, db, recorded.view.id):
                respond(response_type="ephemeral", text=handover_not_posted_text(recorded.view))
            return
    ack(response_type="ephemeral", text=reply)
    if not saved.duplicate:
        boards.publish(saved, at)


def _send_export(
    client: WebClient, respond: Respond, user_id: str, files: list[CsvFile], period: str
) -> None:
    """DM the CSV files to the caller (files_upload_v2 needs a channel id, hence the DM open)."""
    try:
        dm = client.conversations_open(users=user_id)
        client.files_upload_v2(
            channel=dm["channel"]["id"],
            initial_comment=f"prodbot export, production dates {period}",
            file_uploads=[
                {"content": file.content, "filename": file.name, "title": file.name}
                for file in files
            ],
        )
    except (SlackApiError, SlackClientError) as error:
        logger.exception("export for %s not delivered", user_id)
        respond(
            response_type="ephemeral",
            text=f"⚠️ Slack refused the export files ({error}). Try again, or ask an admin "
            "to run `prodbot export`.",
        )
