"""Issues as the bot shows them, and who is owed a ping about them when.

A read model (``IssueView``) for the issue message and the pings; escalation deadlines as plain
functions of an issue and a clock; and ``due_pings``, the pings owed at an instant. Sending them
is ``bot.slack.issues``' job: each ping is owed once in the outbox, so a ping that is due again
on the next run is not sent twice.
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.numbers.go_live import line_live_by
from bot.plant.file import AlertConfig, alerts_of
from bot.plant.people import line_people, site_heads
from models import Issue, IssueCategory, IssueStatus, Line, Role

ACK_REMINDER_AFTER = timedelta(hours=4)


class Level(IntEnum):
    """``Issue.escalation_level`` once that level has been pinged (0: nobody yet)."""

    MANAGERS = 1
    HEADS = 2


class PingKind(StrEnum):
    MANAGERS = "managers"
    HEADS = "heads"
    REMINDER = "reminder"


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
class DuePing:
    """A DM owed to ``user`` about ``issue``; ``level`` is None for the acknowledger's reminder."""

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


def due_pings(
    session: Session,
    *,
    at: datetime,
    issue_ids: Sequence[int] | None = None,
    site_ids: Collection[int] | None = None,
) -> list[DuePing]:
    """Every ping due at ``at`` about ``issue_ids``, or about every issue not yet resolved (of
    the sites ``site_ids``, or of all).

    An issue raised before its line went live (imported history) is owed no ping.
    """
    query = select(Issue).where(Issue.status != IssueStatus.RESOLVED, Issue.raised_at <= at)
    if issue_ids is not None:
        query = query.where(Issue.id.in_(issue_ids))
    if site_ids is not None:
        query = query.where(Issue.line_id.in_(select(Line.id).where(Line.site_id.in_(site_ids))))
    alerts_by_site: dict[int, AlertConfig] = {}
    due: list[DuePing] = []
    for issue in session.scalars(query.order_by(Issue.id)):
        line = session.get_one(Line, issue.line_id)
        if not line_live_by(line, issue.raised_at):
            continue
        site = line.site
        if site.id not in alerts_by_site:
            alerts_by_site[site.id] = alerts_of(site)
        due.extend(_due_pings(session, issue, alerts_by_site[site.id], at))
    return due


def _due_pings(session: Session, issue: Issue, alerts: AlertConfig, at: datetime) -> list[DuePing]:
    """Who is owed a ping about ``issue`` at ``at``. The person who raised it is never pinged."""
    view = issue_view(session, issue)
    acknowledged = view.acknowledged
    if acknowledged and reminder_due(status=view.status, acknowledged_at=acknowledged.at, at=at):
        return [DuePing(PingKind.REMINDER, None, acknowledged.by, view)]
    pings: list[DuePing] = []
    for level in escalation_due(issue, alerts, at):
        people = (
            line_people(session, line_id=issue.line_id, role=Role.MANAGER)
            if level is Level.MANAGERS
            else site_heads(session, site_id=session.get_one(Line, issue.line_id).site_id)
        )
        kind = PingKind.MANAGERS if level is Level.MANAGERS else PingKind.HEADS
        pings.extend(DuePing(kind, level, user, view) for user in people if user != issue.raised_by)
    return pings
