"""The Acknowledge and Resolve buttons of an issue message, and the resolve modal.

Each listener writes first (the status change and the redraw of the issue's message it owes, in
one unit of work) and acknowledges Slack after, as the commands do; Slack calls come last and
never raise (``publish_issue_change``), so a failure after the commit is not answered as one.
Working before ``ack()`` also matters for refusals: Bolt's threaded runner forgets an ``ack()``
when the listener raises after it, and then answers Slack with a 404 after 3 seconds.
The modal's acknowledgement closes it, or turns it into an "already resolved" notice when someone
else was quicker. The permission check runs on every step, the submission included, because a
submission can be sent without the button ever being pressed.

The button's value and the modal's ``private_metadata`` are read by ``models.payloads``: an
issue id prodbot did not write gets its own answer (``PayloadError``), an id of no issue
"no longer exists", an issue of another site a refusal, and the resolution note is refused
when it holds a control character (a NUL would crash PostgreSQL).
"""

from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App, Respond
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.messages.ids import ActionId, CallbackId
from bot.messages.issue import (
    already_done_text,
    build_already_done_modal,
    build_resolve_modal,
    resolution_note,
)
from bot.records.issues import acknowledge_issue, issue_for_actor, resolve_issue
from bot.slack.client import WebClient
from bot.slack.issues import publish_issue_change
from bot.slack.outbox import Outbox
from bot.slack.responses import respond_ephemeral
from bot.slack.views import open_modal
from models import IssueStatus
from models.payloads import read_record_id, read_resolution_note, read_resolve_metadata

AN_ISSUE = "an issue"


def register(app: App) -> None:
    app.action(ActionId.ACKNOWLEDGE_ISSUE)(handle_acknowledge_issue)
    app.action(ActionId.RESOLVE_ISSUE)(handle_resolve_issue)
    app.view(CallbackId.RESOLVE_ISSUE)(handle_resolve_submission)


def _now() -> datetime:
    return datetime.now(UTC)


def handle_acknowledge_issue(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    db: sessionmaker[Session],
    outbox: Outbox,
) -> None:
    at = _now()
    issue_id = read_record_id(action.get("value"), what=AN_ISSUE)
    with session_scope(db) as session:
        change = acknowledge_issue(session, issue_id=issue_id, user_id=body["user"]["id"], at=at)
    ack()
    if not change.changed:
        respond_ephemeral(respond, text=already_done_text(change.issue, wanted="acknowledge it"))
        return
    publish_issue_change(client=client, outbox=outbox, issue=change.issue, owed=change.owed, at=at)


def handle_resolve_issue(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    db: sessionmaker[Session],
) -> None:
    """Open the resolve modal (within the 3 seconds the ``trigger_id`` is valid)."""
    issue_id = read_record_id(action.get("value"), what=AN_ISSUE)
    with session_scope(db) as session:
        issue = issue_for_actor(session, issue_id=issue_id, user_id=body["user"]["id"])
    ack()
    if issue.status is IssueStatus.RESOLVED:
        respond_ephemeral(respond, text=already_done_text(issue, wanted="resolve it"))
        return
    open_modal(client, trigger_id=body["trigger_id"], view=build_resolve_modal(issue))


def handle_resolve_submission(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    client: WebClient,
    db: sessionmaker[Session],
    outbox: Outbox,
) -> None:
    at = _now()
    issue_id = read_resolve_metadata(view.get("private_metadata"))
    note = read_resolution_note(resolution_note(view))
    with session_scope(db) as session:
        change = resolve_issue(
            session, issue_id=issue_id, user_id=body["user"]["id"], at=at, note=note
        )
    if not change.changed:
        ack(response_action="update", view=build_already_done_modal(change.issue))
        return
    ack()
    publish_issue_change(client=client, outbox=outbox, issue=change.issue, owed=change.owed, at=at)
