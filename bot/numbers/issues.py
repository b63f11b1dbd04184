"""Issues as the bot shows them, and who is owed a ping about them when.

A read model (``IssueView``) for the issue message and the pings; escalation deadlines as plain
functions of an issue and a clock; and ``due_pings``, the pings owed at an instant. Sending them
is ``bot.slack.issues``' job: each ping is owed once in the outbox, so a ping that is due again
on the next run is not sent twice.
"""

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import BindParameter, ColumnElement, Select, bindparam, select
from sqlalchemy.orm import Session

from bot.numbers.go_live import line_live_by
from bot.plant.file import AlertConfig, alerts_of
from bot.plant.people import people_by_line, site_heads
from models import Issue, IssueCategory, IssueEvent, IssueStatus, Line, Role, Site

ACK_REMINDER_AFTER = timedelta(hours=4)
UNRESOLVED = (IssueStatus.OPEN, IssueStatus.ACKNOWLEDGED)


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
    return _view(issue, line, line.site, _marks(issue.events))


def _view(
    issue: Issue, line: Line, site: Site, marks: Mapping[IssueStatus, StatusMark]
) -> IssueView:
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
        zone=ZoneInfo(site.timezone),
        acknowledged=marks.get(IssueStatus.ACKNOWLEDGED),
        resolved=marks.get(IssueStatus.RESOLVED),
    )


def _marks(events: Iterable[IssueEvent]) -> dict[IssueStatus, StatusMark]:
    """The latest event of each status, of events in the order they happened."""
    return {event.status: StatusMark(event.by, event.at, event.note) for event in events}


def unresolved() -> ColumnElement[bool]:
    """Issues not resolved yet, their statuses written into the SQL as literals.

    An IN rather than ``!= resolved``, and literals rather than parameters: an index partial on
    these statuses serves the query only if the planner sees the values.
    """
    statuses: BindParameter[list[IssueStatus]] = bindparam(
        "unresolved", list(UNRESOLVED), expanding=True, literal_execute=True, unique=True
    )
    return Issue.status.in_(statuses)


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

    An issue raised before its line went live (imported history) is owed no ping. A fixed
    number of queries whatever the number of issues: the unresolved issues with their lines and
    sites, their acknowledgements, the lines' managers, and each site's heads.
    """
    which = [unresolved(), Issue.raised_at <= at]
    if issue_ids is not None:
        which.append(Issue.id.in_(issue_ids))
    if site_ids is not None:
        which.append(Issue.line_id.in_(select(Line.id).where(Line.site_id.in_(site_ids))))
    rows = [
        (issue, line, site)
        for issue, line, site in session.execute(
            select(Issue, Line, Site)
            .join(Line, Line.id == Issue.line_id)
            .join(Site, Site.id == Line.site_id)
            .where(*which)
            .order_by(Issue.id)
        )
        if line_live_by(line, issue.raised_at)
    ]
    if not rows:
        return []
    marks = _marks_by_issue(session, select(Issue.id).where(*which))
    managers = people_by_line(
        session, line_ids=sorted({line.id for _, line, _ in rows}), role=Role.MANAGER
    )
    sites = {site.id: site for _, _, site in rows}
    heads = {site_id: site_heads(session, site_id=site_id) for site_id in sites}
    alerts = {site_id: alerts_of(site) for site_id, site in sites.items()}
    due: list[DuePing] = []
    for issue, line, site in rows:
        view = _view(issue, line, site, marks.get(issue.id, {}))
        people = {Level.MANAGERS: managers.get(line.id, []), Level.HEADS: heads[site.id]}
        due.extend(_due_pings(issue, view, people, alerts[site.id], at))
    return due


def _due_pings(
    issue: Issue,
    view: IssueView,
    people: Mapping[Level, Sequence[str]],
    alerts: AlertConfig,
    at: datetime,
) -> list[DuePing]:
    """Who is owed a ping about ``issue`` at ``at``, of ``people`` by level. The person who
    raised it is never pinged."""
    acknowledged = view.acknowledged
    if acknowledged and reminder_due(status=view.status, acknowledged_at=acknowledged.at, at=at):
        return [DuePing(PingKind.REMINDER, None, acknowledged.by, view)]
    pings: list[DuePing] = []
    for level in escalation_due(issue, alerts, at):
        kind = PingKind.MANAGERS if level is Level.MANAGERS else PingKind.HEADS
        pings.extend(
            DuePing(kind, level, user, view) for user in people[level] if user != issue.raised_by
        )
    return pings


def _marks_by_issue(
    session: Session, issue_ids: Select[int]
) -> dict[int, dict[IssueStatus, StatusMark]]:
    """The status marks of the issues ``issue_ids`` selects, by issue."""
    events = session.scalars(
        select(IssueEvent)
        .where(IssueEvent.issue_id.in_(issue_ids), IssueEvent.status != IssueStatus.OPEN)
        .order_by(IssueEvent.issue_id, IssueEvent.at, IssueEvent.id)
    )
    by_issue: dict[int, list[IssueEvent]] = defaultdict(list)
    for event in events:
        by_issue[event.issue_id].append(event)
    return {issue_id: _marks(events) for issue_id, events in by_issue.items()}
