"""Issues in Slack: the message with its buttons, its in-place updates, and the escalation pings.

Every ping is a ledger post keyed by issue, person and level, so whoever sends it first
(``post_issue_message`` at creation or the ``escalations`` job) sends it once.
"""

import logging
from collections.abc import Sequence
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.messages.issue import Ping, build_issue_blocks, build_ping_blocks, issue_text, ping_text
from bot.numbers.issues import DuePing, IssueView, due_pings, issue_view
from bot.plant.shifts import shift_in_progress
from bot.records.issues import record_escalation_levels
from bot.slack.boards import redraw_posted_board
from bot.slack.ledger import DuePost, Message, PostOutcome, post_many
from models import Issue, Line

logger = logging.getLogger(__name__)

ESCALATIONS_JOB = "escalations"


def message_link(workspace_url: str, channel: str, ts: str) -> str:
    """A permalink built the way ``chat.getPermalink`` builds it for a workspace.

    Built rather than asked for: one ``auth.test`` per run gives the workspace URL for every
    ping, instead of one ``chat.getPermalink`` call per ping.
    """
    return f"{workspace_url.rstrip('/')}/archives/{channel}/p{ts.replace('.', '')}"


def send_due_pings(
    *,
    client: WebClient,
    session_factory: sessionmaker[Session],
    at: datetime,
    issue_ids: Sequence[int] | None = None,
) -> list[PostOutcome]:
    """Every ping due at ``at`` (of ``issue_ids``, or of all issues not yet resolved)."""
    with session_scope(session_factory) as session:
        due = due_pings(session, at=at, issue_ids=issue_ids)
    if not due:
        return []
    workspace_url = str(client.auth_test()["url"])
    posts = [_due_post(ping, at, workspace_url) for ping in due]
    outcomes = post_many(client=client, session_factory=session_factory, posts=posts)
    pings = {post.key: ping for post, ping in zip(posts, due, strict=True)}
    reached: dict[int, int] = {}
    for outcome in outcomes:
        ping = pings[outcome.key]
        if outcome.sent and ping.level is not None:
            reached[ping.issue.id] = max(reached.get(ping.issue.id, 0), ping.level)
    with session_scope(session_factory) as session:
        record_escalation_levels(session, reached=reached)
    return outcomes


def _due_post(ping: DuePing, at: datetime, workspace_url: str) -> DuePost:
    issue = ping.issue
    link = (
        message_link(workspace_url, issue.message_channel, issue.message_ts)
        if issue.message_channel and issue.message_ts
        else None
    )
    rendered = Ping(ping.kind, issue, at, link)
    blocks = [block.to_dict() for block in build_ping_blocks(rendered)]
    message = Message(channel=ping.user, text=ping_text(rendered), blocks=blocks)
    return DuePost(job=ESCALATIONS_JOB, scope=ping.scope, period=ping.period, message=message)


def post_issue_message(
    *, client: WebClient, session_factory: sessionmaker[Session], issue_id: int
) -> None:
    """Post the issue with its buttons to the line channel, then send the pings due at once.

    Called after the reporter was answered: the issue is saved, so a Slack failure is logged,
    never raised. Pings due at the moment the issue was raised (critical and safety issues, with
    the default deadlines) go out now; anything refused is retried by the ``escalations`` job.
    """
    with session_scope(session_factory) as session:
        issue = session.get_one(Issue, issue_id)
        view = issue_view(session, issue)
        raised_at = issue.raised_at
    try:
        if view.message_ts is None and view.line_channel:
            response = client.chat_postMessage(
                channel=view.line_channel,
                text=issue_text(view),
                blocks=[block.to_dict() for block in build_issue_blocks(view)],
                unfurl_links=False,
            )
            with session_scope(session_factory) as session:
                issue = session.get_one(Issue, issue_id)
                issue.channel_id, issue.message_ts = view.line_channel, str(response["ts"])
        send_due_pings(
            client=client, session_factory=session_factory, at=raised_at, issue_ids=[issue_id]
        )
    except (SlackApiError, SlackClientError):
        logger.exception("issue %s: message or pings not posted", issue_id)


def publish_issue_change(
    *, client: WebClient, session_factory: sessionmaker[Session], issue: IssueView, at: datetime
) -> None:
    """Show a status change: the issue message in place, and the line's running board.

    Only a board that is already posted is redrawn (a status change posts nothing new), and only
    the shift in progress: an ended shift's board carries its final numbers.
    """
    try:
        if issue.message_channel and issue.message_ts:
            client.chat_update(
                channel=issue.message_channel,
                ts=issue.message_ts,
                text=issue_text(issue),
                blocks=[block.to_dict() for block in build_issue_blocks(issue)],
            )
        with session_scope(session_factory) as session:
            line = session.get_one(Line, session.get_one(Issue, issue.id).line_id)
            running = shift_in_progress([s for s in line.site.shifts if s.active], issue.zone, at)
            line_id = line.id
        if running is not None:
            key = (line_id, running.shift_id, running.production_date)
            redraw_posted_board(client, session_factory, key, at=at)
    except (SlackApiError, SlackClientError):
        logger.exception("issue %s: message or board not updated", issue.id)
