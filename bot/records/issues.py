"""The issue lifecycle after ``/issue``: acknowledge, resolve, and escalate while nobody does.

Three layers, top to bottom: keyword-only service functions over a session (the caller owns
the unit of work), escalation deadlines as plain functions of an issue and a clock, and the Slack
side (the issue message, its in-place updates, the pings), which owns its sessions.

Status changes are compare-and-set updates, so two people pressing the same button at once
record one change; the other is told who was first. Every ping is a ledger post keyed by issue,
person and level, so whoever sends it first (``post_issue_message`` at creation or the
``escalations`` job) sends it once.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum
from typing import Any, cast
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.errors import NotAllowed, NotFound
from bot.messages.board import board_text, build_board_blocks
from bot.messages.issue import (
    PingKind,
    build_issue_blocks,
    build_ping_blocks,
    issue_text,
    ping_text,
)
from bot.numbers.production import compute_shift_board
from bot.plant.file import AlertConfig, alerts_of
from bot.plant.people import line_people, site_heads
from bot.plant.shifts import shift_in_progress
from bot.slack.ledger import DuePost, Message, PostOutcome, post_many
from models import (
    AuditRecord,
    Issue,
    IssueCategory,
    IssueEvent,
    IssueStatus,
    Line,
    Person,
    Role,
    Shift,
    ShiftBoard,
)

logger = logging.getLogger(__name__)

ESCALATIONS_JOB = "escalations"
ACK_REMINDER_AFTER = timedelta(hours=4)


class Level(IntEnum):
    """``Issue.escalation_level`` once that level has been pinged (0: nobody yet)."""

    MANAGERS = 1
    HEADS = 2


# --- what messages show -----------------------------------------------------------------------


@dataclass(frozen=True)
class StatusMark:
    by: str
    at: datetime
    note: str | None = None


@dataclass(frozen=True)
class IssueView:
    """One issue as its message and pings show it; ``message_*`` is None until posted."""

    id: int
    line_code: str
    line_channel: str | None
    message_channel: str | None
    message_ts: str | None
    severity: str
    category: str | None
    text: str
    status: IssueStatus
    raised_by: str
    raised_at: datetime
    zone: ZoneInfo
    acknowledged: StatusMark | None
    resolved: StatusMark | None


@dataclass(frozen=True)
class Ping:
    kind: PingKind
    issue: IssueView
    at: datetime
    link: str | None


@dataclass(frozen=True)
class IssueChange:
    """The outcome of a button: ``changed`` is False when it was already done (nothing written)."""

    changed: bool
    issue: IssueView


# --- service ------------------------------------------------------------------------------------


def issue_view(session: Session, issue: Issue) -> IssueView:
    line = session.get_one(Line, issue.line_id)
    marks = {event.status: StatusMark(event.by, event.at, event.note) for event in issue.events}
    return IssueView(
        id=issue.id,
        line_code=line.code,
        line_channel=line.channel_id,
        message_channel=issue.channel_id,
        message_ts=issue.message_ts,
        severity=issue.severity.value,
        category=issue.category.value if issue.category else None,
        text=issue.text,
        status=issue.status,
        raised_by=issue.raised_by,
        raised_at=issue.raised_at,
        zone=ZoneInfo(line.site.timezone),
        acknowledged=marks.get(IssueStatus.ACKNOWLEDGED),
        resolved=marks.get(IssueStatus.RESOLVED),
    )


def issue_for_actor(session: Session, *, issue_id: int, user_id: str) -> IssueView:
    """The issue, if ``user_id`` is a person of its line's site (anyone there may act on it)."""
    return issue_view(session, _issue_for_actor(session, issue_id=issue_id, user_id=user_id))


def acknowledge_issue(
    session: Session, *, issue_id: int, user_id: str, at: datetime
) -> IssueChange:
    """open → acknowledged; this stops the escalation ladder."""
    return _transition(
        session,
        issue_id=issue_id,
        user_id=user_id,
        at=at,
        to=IssueStatus.ACKNOWLEDGED,
        allowed_from=(IssueStatus.OPEN,),
    )


def resolve_issue(
    session: Session, *, issue_id: int, user_id: str, at: datetime, note: str | None
) -> IssueChange:
    """open or acknowledged → resolved, with an optional resolution note."""
    return _transition(
        session,
        issue_id=issue_id,
        user_id=user_id,
        at=at,
        to=IssueStatus.RESOLVED,
        allowed_from=(IssueStatus.OPEN, IssueStatus.ACKNOWLEDGED),
        note=note,
    )


def _issue_for_actor(session: Session, *, issue_id: int, user_id: str) -> Issue:
    issue = session.get(Issue, issue_id)
    if issue is None:
        raise NotFound("That issue no longer exists.")
    site = session.get_one(Line, issue.line_id).site
    person = session.scalar(
        select(Person.id).where(Person.site_id == site.id, Person.slack_user_id == user_id)
    )
    if person is None:
        raise NotAllowed(f"Only people of {site.name} can acknowledge or resolve its issues.")
    return issue


def _transition(
    session: Session,
    *,
    issue_id: int,
    user_id: str,
    at: datetime,
    to: IssueStatus,
    allowed_from: Sequence[IssueStatus],
    note: str | None = None,
) -> IssueChange:
    issue = _issue_for_actor(session, issue_id=issue_id, user_id=user_id)
    before = issue.status
    changed = cast(
        CursorResult[Any],
        session.execute(
            update(Issue)
            .where(Issue.id == issue_id, Issue.status.in_(allowed_from))
            .values(status=to)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    if changed:
        session.add(IssueEvent(issue_id=issue_id, status=to, by=user_id, at=at, note=note))
        session.add(
            AuditRecord(
                at=at,
                actor=user_id,
                action=to.value,
                entity="issue",
                entity_id=issue_id,
                details={"from": before.value, "to": to.value, "note": note},
            )
        )
        session.flush()
    session.expire(issue)
    return IssueChange(changed=bool(changed), issue=issue_view(session, issue))


# --- escalation deadlines -------------------------------------------------------------------------


def escalation_deadlines(issue: Issue, alerts: AlertConfig) -> dict[Level, timedelta]:
    """How long after it was raised each level is pinged, from the plant's ``[alerts]``.

    A severity without an entry (``low`` by default) never escalates. A safety issue pings the
    managers at once, whatever its severity's first deadline.
    """
    after = alerts.escalation.get(issue.severity, [])
    deadlines = {level: timedelta(minutes=m) for level, m in zip(Level, after, strict=False)}
    if issue.category is IssueCategory.SAFETY:
        deadlines[Level.MANAGERS] = timedelta(0)
    return deadlines


def escalation_due(issue: Issue, alerts: AlertConfig, at: datetime) -> list[Level]:
    """The levels whose deadline has come by ``at``, while nobody has acknowledged the issue."""
    if issue.status is not IssueStatus.OPEN:
        return []
    deadlines = escalation_deadlines(issue, alerts)
    return [level for level, after in deadlines.items() if issue.raised_at + after <= at]


def reminder_due(*, status: IssueStatus, acknowledged_at: datetime | None, at: datetime) -> bool:
    """Acknowledged but not resolved for ``ACK_REMINDER_AFTER``: remind the acknowledger."""
    return (
        status is IssueStatus.ACKNOWLEDGED
        and acknowledged_at is not None
        and acknowledged_at + ACK_REMINDER_AFTER <= at
    )


@dataclass(frozen=True)
class _DuePing:
    kind: PingKind
    level: Level | None
    user: str
    issue: IssueView

    @property
    def scope(self) -> str:
        return f"issue:{self.issue.id}/user:{self.user}"

    @property
    def period(self) -> str:
        return f"level:{self.level.value}" if self.level else self.kind.value


def _due_pings(session: Session, issue: Issue, alerts: AlertConfig, at: datetime) -> list[_DuePing]:
    """Who is owed a ping about ``issue`` at ``at``. The person who raised it is never pinged."""
    view = issue_view(session, issue)
    acknowledged = view.acknowledged
    if acknowledged and reminder_due(status=view.status, acknowledged_at=acknowledged.at, at=at):
        return [_DuePing(PingKind.REMINDER, None, acknowledged.by, view)]
    pings: list[_DuePing] = []
    for level in escalation_due(issue, alerts, at):
        people = (
            line_people(session, line_id=issue.line_id, role=Role.MANAGER)
            if level is Level.MANAGERS
            else site_heads(session, site_id=session.get_one(Line, issue.line_id).site_id)
        )
        kind = PingKind.MANAGERS if level is Level.MANAGERS else PingKind.HEADS
        pings.extend(
            _DuePing(kind, level, user, view) for user in people if user != issue.raised_by
        )
    return pings


# --- Slack --------------------------------------------------------------------------------------


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
        query = select(Issue).where(Issue.status != IssueStatus.RESOLVED, Issue.raised_at <= at)
        if issue_ids is not None:
            query = query.where(Issue.id.in_(issue_ids))
        alerts_by_site: dict[int, AlertConfig] = {}
        due: list[_DuePing] = []
        for issue in session.scalars(query.order_by(Issue.id)):
            site = session.get_one(Line, issue.line_id).site
            if site.id not in alerts_by_site:
                alerts_by_site[site.id] = alerts_of(site)
            due.extend(_due_pings(session, issue, alerts_by_site[site.id], at))
    if not due:
        return []
    workspace_url = str(client.auth_test()["url"])
    posts = [_due_post(ping, at, workspace_url) for ping in due]
    outcomes = post_many(client=client, session_factory=session_factory, posts=posts)
    _record_levels(
        session_factory, {post.key: ping for post, ping in zip(posts, due, strict=True)}, outcomes
    )
    return outcomes


def _due_post(ping: _DuePing, at: datetime, workspace_url: str) -> DuePost:
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


def _record_levels(
    session_factory: sessionmaker[Session],
    pings: dict[tuple[str, str, str], _DuePing],
    outcomes: list[PostOutcome],
) -> None:
    """Raise ``Issue.escalation_level`` to the highest level someone was pinged at."""
    reached: dict[int, int] = {}
    for outcome in outcomes:
        ping = pings[outcome.key]
        if outcome.sent and ping.level is not None:
            reached[ping.issue.id] = max(reached.get(ping.issue.id, 0), ping.level)
    with session_scope(session_factory) as session:
        for issue_id, level in reached.items():
            session.execute(
                update(Issue)
                .where(Issue.id == issue_id, Issue.escalation_level < level)
                .values(escalation_level=level)
            )


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
        _refresh_running_board(client, session_factory, issue.id, at)
    except (SlackApiError, SlackClientError):
        logger.exception("issue %s: message or board not updated", issue.id)


def _refresh_running_board(
    client: WebClient, session_factory: sessionmaker[Session], issue_id: int, at: datetime
) -> None:
    with session_scope(session_factory) as session:
        line = session.get_one(Line, session.get_one(Issue, issue_id).line_id)
        zone = ZoneInfo(line.site.timezone)
        running = shift_in_progress([s for s in line.site.shifts if s.active], zone, at)
        if running is None:
            return
        board = session.scalars(
            select(ShiftBoard).where(
                ShiftBoard.line_id == line.id,
                ShiftBoard.shift_id == running.shift_id,
                ShiftBoard.production_date == running.production_date,
            )
        ).first()
        if board is None or board.message_ts is None:
            return
        view = compute_shift_board(
            session,
            line=line,
            shift=session.get_one(Shift, running.shift_id),
            production_date=running.production_date,
            at=at,
        )
        channel, ts = board.channel_id, board.message_ts
    client.chat_update(
        channel=channel,
        ts=ts,
        text=board_text(view),
        blocks=[block.to_dict() for block in build_board_blocks(view)],
    )
