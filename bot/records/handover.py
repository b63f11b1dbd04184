"""``/prod handover``: the outgoing lead's note for the next shift, and its acknowledgement.

Which line: the channel's line; in a channel that is no line's, the one line the caller leads.
Who: the line's leads and managers write handovers; any lead of the line except the author
acknowledges (the incoming shift's lead, as the plant file does not tie leads to shifts).

Which shift: the one in progress, or the one just ended (``resolve_shift_instance``), with one
correction: in the first ``HANDOVER_AFTER_START`` of a shift, a handover is the outgoing lead's
note for the shift that ran just before (nobody hands over a shift they have just begun). The
handover is addressed to the next shift instance the line is planned on (has a target for),
which is also the shift whose summary reports it when it was not acknowledged.

Keyword-only service functions over a session (the caller owns the unit of work) and a read
model (``HandoverView``) for the builders. The handover's message is owed in the same unit of
work (``bot.records.outbox``), and owed again to be redrawn once acknowledged; the ``handover``
kind of ``bot.slack.outbox_kinds`` renders it from the database when it is sent.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.errors import NotAllowed, NotFound, ProdbotError
from bot.numbers.production import open_issues, target_for
from bot.plant.people import lines_of_user, roles_on_line
from bot.plant.shifts import ShiftInstance, instances_between, latest_shift_instance
from bot.plant.snapshot import LineRef, ShiftRef
from bot.records.audit import audit
from bot.records.outbox import Owed, owe
from bot.records.scope import RequestScope, get_line, resolve_shift_instance
from models import Issue, Line, Role, Shift
from models.handover import Handover
from models.schemas import USAGE, HandoverCommand

HANDOVER_AFTER_START = timedelta(minutes=60)
# How far ahead the next planned shift is looked for: a weekly pattern always has one.
NEXT_SHIFT_SEARCH = timedelta(days=8)
# A handover's message (and its redraw) is worth sending for a day: by then it is history.
HANDOVER_MESSAGE_KEEP = timedelta(hours=24)


@dataclass(frozen=True)
class HandoverIssue:
    severity: str
    text: str
    status: str


@dataclass(frozen=True)
class HandoverView:
    """One handover as its message shows it; ``message_ts`` is None until posted."""

    id: int
    line_code: str
    channel_id: str | None
    message_ts: str | None
    zone: ZoneInfo
    from_label: str  # "shift A Wed 18 Nov"
    to_label: str
    note: str | None
    issues: list[HandoverIssue]
    written_by: str
    written_at: datetime
    acknowledged_by: str | None
    acknowledged_at: datetime | None


@dataclass(frozen=True)
class RecordedHandover:
    """``duplicate``: the same Slack request was delivered again; it was saved (and posted) once."""

    view: HandoverView
    duplicate: bool
    owed: tuple[int, ...] = ()  # its message's outbox row, to send after commit


@dataclass(frozen=True)
class HandoverAck:
    """The outcome of the button: ``changed`` is False when someone had acknowledged it already."""

    changed: bool
    view: HandoverView
    owed: tuple[int, ...] = ()  # the redraw of its message, to send after commit


# --- service ------------------------------------------------------------------------------------


def record_handover(
    session: Session,
    *,
    scope: RequestScope,
    command: HandoverCommand,
    user_id: str,
    request_key: str,
    at: datetime,
) -> RecordedHandover:
    """Save the handover with the line's open issues and owe its message in the line channel
    (sent after the caller is answered). Raises NotAllowed, NotFound or ProdbotError (no line,
    no shift)."""
    usage = USAGE["handover"]
    line = _handover_line(session, scope=scope, user_id=user_id, usage=usage)
    roles = roles_on_line(session, site_id=scope.site.id, line_id=line.id, user_id=user_id)
    if not roles & {Role.LEAD, Role.MANAGER}:
        raise NotAllowed(f"Only {line.code}'s leads and managers can hand over its shift.")
    if not line.channel_id:
        raise NotFound(f"{line.code} has no Slack channel in the plant file to post a handover in.")
    shift, instance = _outgoing_instance(scope=scope, at=at, usage=usage)
    next_shift, next_instance = _next_planned_instance(
        session, scope=scope, line=line, after=instance, usage=usage
    )
    handover = Handover(
        line_id=line.id,
        shift_id=shift.id,
        production_date=instance.production_date,
        next_shift_id=next_shift.id,
        next_production_date=next_instance.production_date,
        note=command.note,
        issue_ids=[issue.id for issue in open_issues(session, line_id=line.id)],
        written_by=user_id,
        written_at=at,
        request_key=request_key,
        channel_id=line.channel_id,
    )
    session.add(handover)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        existing = session.scalars(
            select(Handover).where(Handover.request_key == request_key)
        ).first()
        if existing is None:
            raise
        return RecordedHandover(handover_view(session, existing), duplicate=True)
    audit(
        session,
        at,
        user_id,
        "create",
        ("handover", handover.id),
        {
            "line": line.code,
            "shift": shift.name,
            "production_date": instance.production_date.isoformat(),
            "next_shift": next_shift.name,
            "next_production_date": next_instance.production_date.isoformat(),
            "issue_ids": handover.issue_ids,
        },
    )
    owed = _owe_message(session, handover, key=handover_message_key(handover.id), at=at)
    return RecordedHandover(handover_view(session, handover), duplicate=False, owed=owed)


def acknowledge_handover(
    session: Session, *, handover_id: int, user_id: str, at: datetime
) -> HandoverAck:
    """Record who acknowledged and when; once only (compare-and-set), so of two presses at
    once one wins and the other is told who was first."""
    handover = session.get(Handover, handover_id)
    if handover is None:
        raise NotFound("That handover no longer exists.")
    if handover.acknowledged_at is not None:
        return HandoverAck(changed=False, view=handover_view(session, handover))
    line = session.get_one(Line, handover.line_id)
    if user_id == handover.written_by:
        raise NotAllowed("You wrote this handover: the incoming shift's lead acknowledges it.")
    if Role.LEAD not in roles_on_line(
        session, site_id=line.site_id, line_id=line.id, user_id=user_id
    ):
        raise NotAllowed(f"Only {line.code}'s leads can acknowledge its handover.")
    changed = cast(
        CursorResult[Any],
        session.execute(
            update(Handover)
            .where(Handover.id == handover_id, Handover.acknowledged_at.is_(None))
            .values(acknowledged_by=user_id, acknowledged_at=at)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    owed: tuple[int, ...] = ()
    if changed:
        audit(
            session,
            at,
            user_id,
            "acknowledge",
            ("handover", handover_id),
            {},
        )
        # Redrawn with who acknowledged it and no button (acknowledged once, so one key).
        owed = _owe_message(session, handover, key=f"handover:{handover_id}:ack", at=at)
        session.flush()
    session.expire(handover)
    view = handover_view(session, handover)
    return HandoverAck(changed=bool(changed), view=view, owed=owed)


def handover_message_key(handover_id: int) -> str:
    """The outbox key of the handover's first post (later rows of it redraw that post)."""
    return f"handover:{handover_id}"


def _owe_message(
    session: Session, handover: Handover, *, key: str, at: datetime
) -> tuple[int, ...]:
    owed = Owed(
        key=key,
        kind="handover",
        keep_for=HANDOVER_MESSAGE_KEEP,
        channel=handover.channel_id,
        ref=f"handover:{handover.id}",
    )
    item_id = owe(session, owed, at=at)
    return () if item_id is None else (item_id,)


def pending_handover(
    session: Session, *, line_id: int, shift_id: int, production_date: date
) -> HandoverView | None:
    """For the summary of a line's shift instance: the handover it was given and nobody
    acknowledged (the latest, if several); None when there is none."""
    pending = pending_handovers(
        session, line_ids=[line_id], shift_id=shift_id, production_date=production_date
    )
    return pending.get(line_id)


def pending_handovers(
    session: Session, *, line_ids: Sequence[int], shift_id: int, production_date: date
) -> dict[int, HandoverView]:
    """``pending_handover`` of many lines in one shift instance, by line: two queries however
    many lines."""
    latest: dict[int, Handover] = {}
    for handover in session.scalars(
        select(Handover)
        .where(
            Handover.line_id.in_(line_ids),
            Handover.next_shift_id == shift_id,
            Handover.next_production_date == production_date,
            Handover.acknowledged_at.is_(None),
        )
        .order_by(Handover.written_at.desc(), Handover.id.desc())
    ):
        latest.setdefault(handover.line_id, handover)
    if not latest:
        return {}
    issues = _issues(session, [i for handover in latest.values() for i in handover.issue_ids])
    return {line_id: _view(session, handover, issues) for line_id, handover in latest.items()}


def handover_view(session: Session, handover: Handover) -> HandoverView:
    return _view(session, handover, _issues(session, handover.issue_ids))


def _issues(session: Session, issue_ids: Sequence[int]) -> dict[int, Issue]:
    return {
        issue.id: issue for issue in session.scalars(select(Issue).where(Issue.id.in_(issue_ids)))
    }


def _view(session: Session, handover: Handover, issues: Mapping[int, Issue]) -> HandoverView:
    """The view of a handover whose listed issues are among ``issues``."""
    line = session.get_one(Line, handover.line_id)
    return HandoverView(
        id=handover.id,
        line_code=line.code,
        channel_id=handover.channel_id,
        message_ts=handover.message_ts,
        zone=ZoneInfo(line.site.timezone),
        from_label=_label(session.get_one(Shift, handover.shift_id), handover.production_date),
        to_label=_label(
            session.get_one(Shift, handover.next_shift_id), handover.next_production_date
        ),
        note=handover.note,
        issues=[
            HandoverIssue(issue.severity.value, issue.text, issue.status.value)
            for issue_id in handover.issue_ids
            if (issue := issues.get(issue_id)) is not None
        ],
        written_by=handover.written_by,
        written_at=handover.written_at,
        acknowledged_by=handover.acknowledged_by,
        acknowledged_at=handover.acknowledged_at,
    )


def _label(shift: Shift, production_date: date) -> str:
    return f"shift {shift.name} {production_date:%a %d %b}"


def _handover_line(session: Session, *, scope: RequestScope, user_id: str, usage: str) -> LineRef:
    """The channel's line, else the one line the caller leads, else a clear refusal."""
    channel_line = scope.parse_context.channel_line
    if channel_line is not None:
        return get_line(site=scope.site, code_key=channel_line)
    led = lines_of_user(session, site_id=scope.site.id, user_id=user_id, roles=(Role.LEAD,))
    lines = [line for line in scope.site.lines if line.id in led]
    if len(lines) == 1:
        return lines[0]
    if lines:
        codes = " and ".join(line.code for line in lines)
        raise ProdbotError(
            f"You lead {codes}: type `/prod handover` in that line's channel.", usage=usage
        )
    raise ProdbotError(
        "This channel is not a line's: type `/prod handover` in your line's channel.", usage=usage
    )


def _outgoing_instance(
    *, scope: RequestScope, at: datetime, usage: str
) -> tuple[ShiftRef, ShiftInstance]:
    """The shift being handed over (see the module docstring for the early-shift correction)."""
    shift, instance = resolve_shift_instance(
        scope=scope, shift_name=None, production_date=None, at=at, usage=usage
    )
    if instance.contains(at) and at - instance.start < HANDOVER_AFTER_START:
        before = latest_shift_instance(
            scope.site.shifts,
            scope.zone,
            instance.start - timedelta(microseconds=1),
            ended_within=timedelta(0),
        )
        if before is not None:
            return next(s for s in scope.site.shifts if s.id == before.shift_id), before
    return shift, instance


def _next_planned_instance(
    session: Session, *, scope: RequestScope, line: LineRef, after: ShiftInstance, usage: str
) -> tuple[ShiftRef, ShiftInstance]:
    """The first shift instance starting after ``after`` started that the line has a target
    for; when none in the next week has one, simply the next one that runs."""
    upcoming = instances_between(
        scope.site.shifts,
        scope.zone,
        after.start + timedelta(microseconds=1),
        after.start + NEXT_SHIFT_SEARCH,
    )
    if not upcoming:
        raise ProdbotError(f"No shift runs at {scope.site.name} after this one.", usage=usage)
    shifts = {shift.id: shift for shift in scope.site.shifts}
    planned = next(
        (
            instance
            for instance in upcoming
            if target_for(
                session,
                line=line,
                shift=shifts[instance.shift_id],
                production_date=instance.production_date,
            )
        ),
        upcoming[0],
    )
    return shifts[planned.shift_id], planned
