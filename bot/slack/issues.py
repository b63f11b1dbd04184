"""Issues in Slack: the message with its buttons, its in-place updates, and the escalation pings.

Every ping is owed once in the outbox (kind ``ping``), keyed by issue, person and level, so
whoever owes it first (``post_issue_message`` at creation or the ``escalations`` job) owes it
once. The outbox drops a ping whose issue no longer needs it, and a sent ping raises the
issue's escalation level (``bot.slack.outbox_kinds.EscalationPing``).
"""

import logging
from collections.abc import Collection, Sequence
from datetime import UTC, datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.messages.issue import Ping, build_ping_blocks, ping_text
from bot.numbers.issues import DuePing, IssueView, due_pings
from bot.plant.shifts import shift_in_progress
from bot.records.outbox import Owed, owe_all, owed_keys
from bot.slack.boards import redraw_posted_board
from bot.slack.outbox import Outbox, PostOutcome
from bot.slack.owed_posts import outbox_key
from bot.slack.posts import after_commit
from models import Issue, Line

logger = logging.getLogger(__name__)

ESCALATIONS_JOB = "escalations"
PING_KIND = "ping"
# How long the pings owed when an issue is raised are worth sending (the job has its own).
RAISED_PINGS_KEEP_FOR = timedelta(hours=24)


def message_link(workspace_url: str, channel: str, ts: str) -> str:
    """A permalink built the way ``chat.getPermalink`` builds it for a workspace.

    Built rather than asked for: one ``auth.test`` per run gives the workspace URL for every
    ping, instead of one ``chat.getPermalink`` call per ping.
    """
    return f"{workspace_url.rstrip('/')}/archives/{channel}/p{ts.replace('.', '')}"


def send_due_pings(
    *,
    client: WebClient,
    outbox: Outbox,
    at: datetime,
    keep_for: timedelta,
    issue_ids: Sequence[int] | None = None,
    site_ids: Collection[int] | None = None,
) -> list[PostOutcome]:
    """Owe every ping due at ``at`` (of ``issue_ids``, or of all issues not yet resolved, of the
    sites ``site_ids`` or all) that was not owed before, and send those now; each is worth
    sending for ``keep_for``."""
    with session_scope(outbox.session_factory) as session:
        due = due_pings(session, at=at, issue_ids=issue_ids, site_ids=site_ids)
        known = owed_keys(session, [_ping_key(ping) for ping in due])
    due = [ping for ping in due if _ping_key(ping) not in known]
    if not due:
        return []  # no Slack call at all: the workspace URL is asked only for new pings
    workspace_url = str(client.auth_test()["url"])
    with session_scope(outbox.session_factory) as session:
        ids = owe_all(
            session,
            [_owed_ping(ping, at, workspace_url, keep_for) for ping in due],
            at=datetime.now(UTC),
        )
    return outbox.deliver(list(ids.values()))


def _ping_key(ping: DuePing) -> str:
    return outbox_key(ESCALATIONS_JOB, ping.scope, ping.period)


def _owed_ping(ping: DuePing, at: datetime, workspace_url: str, keep_for: timedelta) -> Owed:
    issue = ping.issue
    link = (
        message_link(workspace_url, issue.message_channel, issue.message_ts)
        if issue.message_channel and issue.message_ts
        else None
    )
    rendered = Ping(ping.kind, issue, at, link)
    blocks = [block.to_dict() for block in build_ping_blocks(rendered)]
    return Owed(
        key=_ping_key(ping),
        kind=PING_KIND,
        keep_for=keep_for,
        channel=ping.user,
        ref=f"issue:{issue.id}",
        payload={
            "text": ping_text(rendered),
            "blocks": blocks,
            "level": ping.level.value if ping.level is not None else None,
        },
    )


def post_issue_message(
    *, client: WebClient, outbox: Outbox, issue_id: int, owed: Sequence[int], raised_at: datetime
) -> None:
    """Send the new issue's message (``owed`` with it), then owe and send the pings due at once.

    Called after the reporter was answered; never raises (``after_commit``): what is not sent
    now stays owed for the ``deliveries`` job, and pings for the ``escalations`` job. The message
    goes first so the pings link to it. Pings due the moment the issue was raised (critical and
    safety issues, with the default deadlines) go out now.
    """
    after_commit(
        f"issue {issue_id}",
        lambda: outbox.deliver(owed),
        lambda: send_due_pings(
            client=client,
            outbox=outbox,
            at=raised_at,
            keep_for=RAISED_PINGS_KEEP_FOR,
            issue_ids=[issue_id],
        ),
    )


def publish_issue_change(
    *, client: WebClient, outbox: Outbox, issue: IssueView, owed: Sequence[int], at: datetime
) -> None:
    """Show a status change: the issue message redrawn (``owed`` with the change), and the
    line's running board.

    Only a board that is already posted is redrawn (a status change posts nothing new), and only
    the shift in progress: an ended shift's board carries its final numbers. Never raises
    (``after_commit``): a redraw not sent now stays owed for the ``deliveries`` job.
    """
    after_commit(
        f"issue {issue.id}",
        lambda: outbox.deliver(owed),
        lambda: _redraw_running_board(client, outbox.session_factory, issue, at),
    )


def _redraw_running_board(
    client: WebClient, session_factory: sessionmaker[Session], issue: IssueView, at: datetime
) -> None:
    with session_scope(session_factory) as session:
        line = session.get_one(Line, session.get_one(Issue, issue.id).line_id)
        running = shift_in_progress([s for s in line.site.shifts if s.active], issue.zone, at)
        line_id = line.id
    if running is not None:
        key = (line_id, running.shift_id, running.production_date)
        redraw_posted_board(client, session_factory, key, at=at)
