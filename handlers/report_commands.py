"""``/output``, ``/delay`` and ``/issue``: parse, record, answer, then update Slack.

Order matters: the entry is committed (with the messages it owes, such as an issue's message),
then acknowledged (Slack's 3 seconds), and only then is Slack told: the line channel's board,
the owed messages. A slow or failing Slack Web API delays those, never the answer, and never
loses the entry; a failure after the commit is logged (``after_commit``), never answered as
"not saved". Typed with no text, each command opens its form instead.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from slack_bolt import Ack, App
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.messages.forms import FormKind
from bot.messages.ids import Command
from bot.messages.replies import report_saved_text
from bot.plant.snapshot import PlantCache
from bot.records.reporting import (
    SavedEntry,
    place_of,
    raise_issue,
    record_delay,
    record_output,
    site_scrap_reasons,
)
from bot.records.scope import RequestScope
from bot.slack.board_publisher import BoardPublisher
from bot.slack.client import WebClient
from bot.slack.outbox import Outbox
from bot.slack.posts import after_commit
from handlers.command_scope import caller_team, command_scope
from handlers.forms import AfterSaved, nothing_more, open_report_form, post_new_issue
from handlers.parsing import parse_delay, parse_issue, parse_output
from models.schemas import DelayCommand, IssueCommand, OutputCommand, ParseContext

C = TypeVar("C", OutputCommand, DelayCommand, IssueCommand)


def scoped_context(session: Session, scope: RequestScope, text: str) -> ParseContext:
    """What the parser knows: the request scope's context."""
    return scope.parse_context


def output_context(session: Session, scope: RequestScope, text: str) -> ParseContext:
    """``/output`` also knows the site's scrap reasons, read only when the text gives scrap."""
    if "scrap" not in text.lower():
        return scope.parse_context
    reasons = site_scrap_reasons(session, site=scope.site)
    return replace(scope.parse_context, scrap_reasons=reasons)


@dataclass(frozen=True)
class ReportCommand(Generic[C]):
    """What differs between the report commands: the form, the parser, the write, what follows,
    and what the parser needs to know beyond the request scope."""

    kind: FormKind
    parse: Callable[[str, ParseContext], C]
    record: Callable[..., SavedEntry]
    after_saved: AfterSaved = nothing_more
    context: Callable[[Session, RequestScope, str], ParseContext] = scoped_context


OUTPUT = ReportCommand[OutputCommand]("output", parse_output, record_output, context=output_context)
DELAY = ReportCommand[DelayCommand]("delay", parse_delay, record_delay)
ISSUE = ReportCommand[IssueCommand]("issue", parse_issue, raise_issue, post_new_issue)


def _command_listener(report: ReportCommand[C]) -> Callable[..., None]:
    """A slash-command listener for one report command; Bolt passes its arguments by name."""

    def handle_command(
        ack: Ack,
        command: dict[str, Any],
        client: WebClient,
        db: sessionmaker[Session],
        boards: BoardPublisher,
        outbox: Outbox,
        plant: PlantCache,
    ) -> None:
        """Every report command: parse, record, commit, acknowledge, then update Slack."""
        if not command.get("text", "").strip():
            with session_scope(db) as session:
                open_report_form(
                    client=client,
                    trigger_id=command["trigger_id"],
                    kind=report.kind,
                    user_id=command["user_id"],
                    team_id=caller_team(command),
                    channel_id=command.get("channel_id"),
                    session=session,
                )
            ack()
            return
        at = datetime.now(UTC)
        with session_scope(db) as session:
            scope = command_scope(session, plant, command, at)
            typed = command.get("text", "")
            parsed = report.parse(typed, report.context(session, scope, typed))
            saved = report.record(
                session,
                scope=scope,
                command=parsed,
                user_id=command["user_id"],
                request_key=command["trigger_id"],
                at=at,
            )
            text = report_saved_text(parsed, place_of(scope, saved), duplicate=saved.duplicate)
        ack(response_type="ephemeral", text=text)
        if not saved.duplicate:
            after_commit(
                f"{report.kind} {saved.id}",
                lambda: boards.publish(saved, at),
                lambda: report.after_saved(client, outbox, saved, at),
            )

    return handle_command


handle_output_command = _command_listener(OUTPUT)
handle_delay_command = _command_listener(DELAY)
handle_issue_command = _command_listener(ISSUE)


def register(app: App) -> None:
    app.command(Command.OUTPUT)(handle_output_command)
    app.command(Command.DELAY)(handle_delay_command)
    app.command(Command.ISSUE)(handle_issue_command)
