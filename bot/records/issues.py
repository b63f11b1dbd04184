"""The issue lifecycle after ``/issue``: acknowledge and resolve, and the escalation level reached.

Keyword-only service functions over a session; the caller owns the unit of work. Status changes
are compare-and-set updates, so two people pressing the same button at once record one change;
the other is told who was first. The issue's message in Slack is owed in the same unit of work
(``bot.records.outbox``): when it is raised, and its redraw after every status change; sending
them is ``bot.slack``'s job.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from bot.errors import NotAllowed, NotFound
from bot.numbers.issues import IssueView, issue_view
from bot.records.audit import audit
from bot.records.outbox import Owed, owe
from models import Issue, IssueEvent, IssueStatus, Line, Person

# An issue's message (and its redraws) is worth sending for a week: an issue lives that long.
ISSUE_MESSAGE_KEEP = timedelta(days=7)


@dataclass(frozen=True)
class IssueChange:
    """The outcome of a button: ``changed`` is False when it was already done (nothing written)."""

    changed: bool
    issue: IssueView
    owed: tuple[int, ...] = ()  # the outbox row redrawing its message, to send after commit


def issue_message_key(issue_id: int) -> str:
    """The outbox key of the issue's own message (posted once, with its buttons)."""
    return f"issue:{issue_id}:message"


def owe_issue_message(
    session: Session, *, issue_id: int, channel: str | None, at: datetime
) -> tuple[int, ...]:
    """Owe the new issue's message in its line channel (none for a line without one)."""
    if not channel:
        return ()
    owed = Owed(
        key=issue_message_key(issue_id),
        kind="issue_message",
        keep_for=ISSUE_MESSAGE_KEEP,
        channel=channel,
        ref=f"issue:{issue_id}",
    )
    item_id = owe(session, owed, at=at)
    return () if item_id is None else (item_id,)


def issue_for_actor(session: Session, *, issue_id: int, user_id: str) -> IssueView:
    """The issue, if ``user_id`` is a person of its line's site (anyone there may act on it)."""
    return issue_view(session, _issue_for_actor(session, issue_id=issue_id, user_id=user_id))


def acknowledge_issue(
    session: Session, *, issue_id: int, user_id: str, at: datetime
) -> IssueChange:
    """open → acknowledged; this stops the escalation ladder."""
    change = _Move(to=IssueStatus.ACKNOWLEDGED, allowed_from=(IssueStatus.OPEN,))
    return _transition(session, issue_id=issue_id, user_id=user_id, at=at, move=change)


def resolve_issue(
    session: Session, *, issue_id: int, user_id: str, at: datetime, note: str | None
) -> IssueChange:
    """open or acknowledged → resolved, with an optional resolution note."""
    change = _Move(
        to=IssueStatus.RESOLVED,
        allowed_from=(IssueStatus.OPEN, IssueStatus.ACKNOWLEDGED),
        note=note,
    )
    return _transition(session, issue_id=issue_id, user_id=user_id, at=at, move=change)


@dataclass(frozen=True)
class _Move:
    """A status change: the status it leads to, from which statuses, with which note."""

    to: IssueStatus
    allowed_from: Sequence[IssueStatus]
    note: str | None = None


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
    move: _Move,
) -> IssueChange:
    issue = _issue_for_actor(session, issue_id=issue_id, user_id=user_id)
    before, to, note = issue.status, move.to, move.note
    changed = cast(
        CursorResult[Any],
        session.execute(
            update(Issue)
            .where(Issue.id == issue_id, Issue.status.in_(move.allowed_from))
            .values(status=to)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    owed: tuple[int, ...] = ()
    if changed:
        event = IssueEvent(issue_id=issue_id, status=to, by=user_id, at=at, note=note)
        session.add(event)
        session.flush()
        owed = _owe_issue_update(session, issue, event_id=event.id, at=at)
        audit(
            session,
            at,
            user_id,
            to.value,
            ("issue", issue_id),
            {"from": before.value, "to": to.value, "note": note},
        )
        session.flush()
    session.expire(issue)
    return IssueChange(changed=bool(changed), issue=issue_view(session, issue), owed=owed)


def _owe_issue_update(
    session: Session, issue: Issue, *, event_id: int, at: datetime
) -> tuple[int, ...]:
    """Owe the redraw of the issue's message after the status change ``event_id``."""
    channel = issue.channel_id or session.get_one(Line, issue.line_id).channel_id
    owed = Owed(
        key=f"issue:{issue.id}:update:{event_id}",
        kind="issue_update",
        keep_for=ISSUE_MESSAGE_KEEP,
        channel=channel,
        ref=f"issue:{issue.id}",
    )
    item_id = owe(session, owed, at=at)
    return () if item_id is None else (item_id,)


def record_escalation_levels(session: Session, *, reached: Mapping[int, int]) -> None:
    """Raise ``Issue.escalation_level`` to the highest level pinged (issue id → level)."""
    for issue_id, level in reached.items():
        session.execute(
            update(Issue)
            .where(Issue.id == issue_id, Issue.escalation_level < level)
            .values(escalation_level=level)
        )
