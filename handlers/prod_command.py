"""``/prod SUBCOMMAND``: status, undo, export, target, handover and help, one function each.

The command is parsed once; each subcommand writes (if it does) in its own unit of work, with
the messages it owes the line channel (a handover, a target announcement), is answered, and
only then sends them, as the report commands do (``after_commit``: a failure there is logged,
never answered as "not saved"; what stays owed is sent by the ``deliveries`` job).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_bolt import Ack, App, Respond
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.messages.handover import handover_saved_text
from bot.messages.ids import Command
from bot.messages.replies import (
    build_status_blocks,
    export_busy_text,
    export_refused_text,
    export_started_text,
    help_text,
    status_text,
    undo_text,
)
from bot.messages.targets import target_set_text
from bot.numbers.production import compute_site_status
from bot.plant.people import exportable_line_ids, heads_of_users_sites
from bot.plant.snapshot import PlantCache
from bot.records.handover import record_handover
from bot.records.reporting import void_latest_entry
from bot.records.scope import LATE_REPORT_WINDOW, RequestScope, get_line
from bot.records.targets import set_target
from bot.slack.board_publisher import BoardPublisher
from bot.slack.client import WebClient
from bot.slack.exports import ExportJob, ExportSender
from bot.slack.outbox import Outbox
from bot.slack.posts import after_commit, deliver_after_commit
from bot.transfer.export_range import check_export_range
from handlers.command_scope import command_scope
from handlers.parsing import parse_prod
from models import Line
from models.schemas import (
    ExportCommand,
    HandoverCommand,
    HelpCommand,
    StatusCommand,
    TargetCommand,
    UndoCommand,
)

EXPORT_DEFAULT_DAYS = 7


def register(app: App) -> None:
    app.command(Command.PROD)(handle_prod_command)


@dataclass(frozen=True)
class ProdRequest:
    """One ``/prod`` request: who typed it where, and what its subcommand may use."""

    ack: Ack
    respond: Respond
    client: WebClient
    db: sessionmaker[Session]
    boards: BoardPublisher
    exports: ExportSender
    outbox: Outbox
    scope: RequestScope
    user_id: str
    trigger_id: str
    at: datetime


def handle_prod_command(
    ack: Ack,
    command: dict[str, Any],
    client: WebClient,
    respond: Respond,
    db: sessionmaker[Session],
    boards: BoardPublisher,
    exports: ExportSender,
    outbox: Outbox,
    plant: PlantCache,
) -> None:
    at = datetime.now(UTC)
    with session_scope(db) as session:
        scope = command_scope(session, plant, command, at)
    parsed = parse_prod(command.get("text", ""), scope.parse_context)
    request = ProdRequest(
        ack,
        respond,
        client,
        db,
        boards,
        exports,
        outbox,
        scope,
        command["user_id"],
        command["trigger_id"],
        at,
    )
    match parsed:
        case StatusCommand():
            prod_status(request, parsed)
        case UndoCommand():
            prod_undo(request)
        case ExportCommand():
            prod_export(request, parsed)
        case TargetCommand():
            prod_target(request, parsed)
        case HandoverCommand():
            prod_handover(request, parsed)
        case HelpCommand():
            request.ack(response_type="ephemeral", text=help_text())


def prod_status(request: ProdRequest, parsed: StatusCommand) -> None:
    """Every line of the site, or the one named: actual against target, pace, delays, issues."""
    site = request.scope.site
    lines = [get_line(site=site, code_key=parsed.line)] if parsed.line else site.lines
    with session_scope(request.db) as session:
        statuses = compute_site_status(
            session,
            site_id=site.id,
            line_ids=[line.id for line in lines],
            at=request.at,
            late_window=LATE_REPORT_WINDOW,
        )
    request.ack(
        response_type="ephemeral", text=status_text(statuses), blocks=build_status_blocks(statuses)
    )


def prod_undo(request: ProdRequest) -> None:
    """Void the caller's latest entry (within the undo window) and redraw its board."""
    with session_scope(request.db) as session:
        saved = void_latest_entry(
            session, user_id=request.user_id, request_key=request.trigger_id, at=request.at
        )
        line_code = session.get_one(Line, saved.line_id).code
    request.ack(
        response_type="ephemeral",
        text=undo_text(saved.kind.value, line_code, duplicate=saved.duplicate),
    )
    if not saved.duplicate:
        after_commit(f"undo {saved.id}", lambda: request.boards.publish(saved, request.at))


def prod_export(request: ProdRequest, parsed: ExportCommand) -> None:
    """The CSV files of a date range (the last week by default) of the caller's own lines,
    sent by DM off the request path: the answer says they are coming."""
    date_to = parsed.date_to or request.scope.parse_context.today
    date_from = parsed.date_from or date_to - timedelta(days=EXPORT_DEFAULT_DAYS - 1)
    with session_scope(request.db) as session:
        line_ids = exportable_line_ids(session, user_id=request.user_id)
        heads = [] if line_ids else heads_of_users_sites(session, user_id=request.user_id)
    if not line_ids:
        request.ack(response_type="ephemeral", text=export_refused_text(heads))
        return
    check_export_range(date_from, date_to)
    job = ExportJob(request.user_id, date_from, date_to, line_ids, request.respond)
    if not request.exports.submit(job):
        request.ack(response_type="ephemeral", text=export_busy_text())
        return
    request.ack(response_type="ephemeral", text=export_started_text(str(date_from), str(date_to)))


def prod_target(request: ProdRequest, parsed: TargetCommand) -> None:
    """A dated target override; the line channel's announcement (owed with it) is sent after
    the caller is told."""
    with session_scope(request.db) as session:
        change = set_target(
            session, scope=request.scope, command=parsed, user_id=request.user_id, at=request.at
        )
    request.ack(response_type="ephemeral", text=target_set_text(change))
    deliver_after_commit(request.outbox, change.owed, what=f"target change on {change.line_code}")


def prod_handover(request: ProdRequest, parsed: HandoverCommand) -> None:
    """The outgoing lead's note, posted (owed with it) to the line channel with its Acknowledge
    button."""
    with session_scope(request.db) as session:
        recorded = record_handover(
            session,
            scope=request.scope,
            command=parsed,
            user_id=request.user_id,
            request_key=request.trigger_id,
            at=request.at,
        )
    request.ack(response_type="ephemeral", text=handover_saved_text(recorded))
    deliver_after_commit(request.outbox, recorded.owed, what=f"handover {recorded.view.id}")
