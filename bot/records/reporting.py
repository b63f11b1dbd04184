"""Recording what team leads report: output, delays and issues, and undoing them.

Keyword-only service functions over a session; the caller owns the unit of work (commits).
A Slack request's ``trigger_id`` is stored as ``request_key`` with a unique constraint, so a
request delivered twice writes once and the second delivery is answered like the first. The
insert itself detects the repeat (no look-up first): repeats are rare, and every reporter's
request saves a round trip.
"""

import functools
import math
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Insert, Table, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.errors import NotFound
from bot.numbers.production import ShiftBoardView, compute_shift_board, shift_totals
from bot.plant.shifts import ShiftInstance, shift_instance
from bot.plant.snapshot import LineRef, ShiftRef, SiteRef
from bot.records.access import require_issue_raiser, require_line_reporter
from bot.records.audit import audit
from bot.records.issues import owe_issue_message
from bot.records.machine_counts import operator_output_counted
from bot.records.plausibility import PLAUSIBILITY_MARGIN, ImplausibleDelay, ImplausibleQuantity
from bot.records.scope import RequestScope, get_line, resolve_shift_instance
from models import (
    DelayEntry,
    Issue,
    IssueEvent,
    IssueStatus,
    Line,
    OutputEntry,
    Shift,
    Site,
)
from models.schemas import (
    USAGE,
    DelayCommand,
    IssueCommand,
    OutputCommand,
    quote,
)

Entry = TypeVar("Entry", OutputEntry, DelayEntry)
Row = TypeVar("Row", OutputEntry, DelayEntry, Issue)

# Issues are raised whenever they happen; they belong to the last shift that ran.
ISSUE_SHIFT_WINDOW = timedelta(days=8)
UNDO_WINDOW = timedelta(minutes=60)


class EntryKind(StrEnum):
    OUTPUT = "output"
    DELAY = "delay"
    ISSUE = "issue"


@dataclass(frozen=True)
class SavedEntry:
    kind: EntryKind
    id: int
    line_id: int
    shift_id: int
    production_date: date
    duplicate: bool = False
    owed: tuple[int, ...] = ()  # outbox rows owed with it, for the caller to send after commit


class UnknownScrapReason(NotFound):
    """A scrap reason the site does not list (a forged form or button value, an old list)."""


def site_scrap_reasons(session: Session, *, site: SiteRef) -> tuple[str, ...]:
    """The site's scrap reasons, as its plant file lists them (not in the cached snapshot:
    only output with scrap needs them). Read once per unit of work: the session keeps it."""
    return tuple(session.get_one(Site, site.id).scrap_reasons)


def check_scrap_reason(session: Session, *, site: SiteRef, reason: str) -> None:
    """Raise UnknownScrapReason unless ``reason`` is one of the site's scrap reasons."""
    reasons = site_scrap_reasons(session, site=site)
    if reason not in reasons:
        raise UnknownScrapReason(
            f"{quote(reason)} is not a scrap reason at {site.name} "
            f"(scrap reasons: {', '.join(reasons)}).",
            usage=USAGE["output"],
        )


def record_output(
    session: Session,
    *,
    scope: RequestScope,
    command: OutputCommand,
    user_id: str,
    request_key: str,
    at: datetime,
    confirmed: bool = False,
) -> SavedEntry:
    """Add good and scrap units to a shift instance.

    Unless ``confirmed``, a quantity beyond what the line can make in the elapsed time (at
    ``ideal_rate`` with a 25% margin, counting what the shift already reported) raises
    ImplausibleQuantity instead of saving. A scrap reason the site does not list raises
    UnknownScrapReason (the text command only takes the site's; a form or button may be forged).
    """
    line = get_line(site=scope.site, code_key=command.line)
    require_line_reporter(scope, line, user_id=user_id, what="output")
    counted = operator_output_counted(line, good=command.good)
    if command.scrap_reason is not None:
        check_scrap_reason(session, site=scope.site, reason=command.scrap_reason)
    shift, instance = resolve_shift_instance(
        scope=scope,
        shift_name=command.shift,
        production_date=command.production_date,
        at=at,
        usage=USAGE["output"],
    )
    if not confirmed and line.ideal_rate:
        capacity = (
            line.ideal_rate * instance.elapsed(at).total_seconds() / 3600 * PLAUSIBILITY_MARGIN
        )
        so_far = shift_totals(
            session, line_id=line.id, shift_id=shift.id, production_date=instance.production_date
        )
        if so_far.good + so_far.scrap + command.good + command.scrap > capacity:
            if (existing := _by_request_key(session, OutputEntry, request_key)) is not None:
                return _saved(EntryKind.OUTPUT, existing, duplicate=True)  # counted in so_far
            raise ImplausibleQuantity(
                # Pinned to the shift it was typed in: "Save anyway" may come after shift change.
                command=command.model_copy(
                    update={"shift": shift.name, "production_date": instance.production_date}
                ),
                request_key=request_key,
                capacity=max(0, math.floor(capacity) - so_far.good - so_far.scrap),
                unit=line.unit,
            )
    values = {
        **_placed(line, shift, instance),
        **_reported(user_id, at, request_key),
        "good": command.good,
        "scrap": command.scrap,
        "scrap_reason": command.scrap_reason,
        "note": command.note,
        "counted": counted,
    }
    # Saving over the line's capacity is the exception worth a line in the audit trail.
    details = {
        "good": command.good,
        "scrap": command.scrap,
        "scrap_reason": command.scrap_reason,
        "confirmed": True,
    }
    audited = details if confirmed else None
    return _insert_once(session, OutputEntry, values, EntryKind.OUTPUT, at=at, audited=audited)


def record_delay(
    session: Session,
    *,
    scope: RequestScope,
    command: DelayCommand,
    user_id: str,
    request_key: str,
    at: datetime,
) -> SavedEntry:
    line = get_line(site=scope.site, code_key=command.line)
    require_line_reporter(scope, line, user_id=user_id, what="delays")
    shift, instance = resolve_shift_instance(
        scope=scope, shift_name=None, production_date=None, at=at, usage=USAGE["delay"]
    )
    logged = _delay_minutes(session, line_id=line.id, shift_id=shift.id, instance=instance)
    if logged + command.minutes > instance.planned_minutes:
        if (existing := _by_request_key(session, DelayEntry, request_key)) is not None:
            return _saved(EntryKind.DELAY, existing, duplicate=True)  # counted in ``logged``
        raise ImplausibleDelay(line=line, instance=instance, logged=logged, asked=command.minutes)
    values = {
        **_placed(line, shift, instance),
        **_reported(user_id, at, request_key),
        "minutes": command.minutes,
        "reason": command.reason,
        "note": command.note,
    }
    return _insert_once(session, DelayEntry, values, EntryKind.DELAY, at=at, audited=None)


def _delay_minutes(
    session: Session, *, line_id: int, shift_id: int, instance: ShiftInstance
) -> int:
    return int(
        session.scalar(
            select(func.coalesce(func.sum(DelayEntry.minutes), 0)).where(
                DelayEntry.line_id == line_id,
                DelayEntry.shift_id == shift_id,
                DelayEntry.production_date == instance.production_date,
                DelayEntry.voided_at.is_(None),
            )
        )
        or 0
    )


def raise_issue(
    session: Session,
    *,
    scope: RequestScope,
    command: IssueCommand,
    user_id: str,
    request_key: str,
    at: datetime,
) -> SavedEntry:
    require_issue_raiser(scope, user_id=user_id)
    line = get_line(site=scope.site, code_key=command.line)
    shift, instance = resolve_shift_instance(
        scope=scope,
        shift_name=None,
        production_date=None,
        at=at,
        window=ISSUE_SHIFT_WINDOW,
        usage=USAGE["issue"],
    )
    values = {
        **_placed(line, shift, instance),
        "severity": command.severity,
        "category": command.category,
        "text": command.text,
        "status": IssueStatus.OPEN,
        "raised_by": user_id,
        "raised_at": at,
        "request_key": request_key,
    }
    saved = _insert_once(
        session,
        Issue,
        values,
        EntryKind.ISSUE,
        at=at,
        audited={"severity": command.severity.value, "category": command.category},
    )
    if saved.duplicate:
        return saved
    session.add(IssueEvent(issue_id=saved.id, status=IssueStatus.OPEN, by=user_id, at=at))
    # Its message with the buttons is owed with it: saved and owed commit together.
    owed = owe_issue_message(session, issue_id=saved.id, channel=line.channel_id, at=at)
    return replace(saved, owed=owed)


def void_latest_entry(
    session: Session, *, user_id: str, request_key: str, at: datetime
) -> SavedEntry:
    """Void (never delete) the caller's latest output or delay entry, if under 60 minutes old.

    The undo request's key is kept on the voided entry, so an undo delivered twice voids once.
    """
    for kind, done in (
        (EntryKind.OUTPUT, _voided_by_request(session, OutputEntry, request_key)),
        (EntryKind.DELAY, _voided_by_request(session, DelayEntry, request_key)),
    ):
        if done is not None:
            return _saved(kind, done, duplicate=True)
    candidates = [
        entry
        for entry in (
            _latest_unvoided(session, OutputEntry, user_id),
            _latest_unvoided(session, DelayEntry, user_id),
        )
        if entry is not None
    ]
    if not candidates:
        raise NotFound("You have no entries to undo.", usage=USAGE["undo"])
    latest = max(candidates, key=lambda entry: entry.reported_at)
    if at - latest.reported_at > UNDO_WINDOW:
        line = session.get_one(Line, latest.line_id)
        reported = latest.reported_at.astimezone(ZoneInfo(line.site.timezone))
        raise NotFound(
            f"Your last entry (at {reported:%H:%M}) is more than 60 minutes old, so "
            "`/prod undo` can no longer void it. Ask your line manager to correct it.",
            usage=USAGE["undo"],
        )
    latest.voided_at = at
    latest.voided_by = user_id
    latest.void_reason = "undone with /prod undo"
    latest.void_request_key = request_key
    kind = EntryKind.OUTPUT if isinstance(latest, OutputEntry) else EntryKind.DELAY
    audit(session, at, user_id, "void", (kind.value, latest.id))
    return _saved(kind, latest)


@dataclass(frozen=True)
class EntryPlace:
    """Where an entry went: its line and shift instance, in the site's zone."""

    line: LineRef
    instance: ShiftInstance
    zone: ZoneInfo


def place_of(scope: RequestScope, saved: SavedEntry) -> EntryPlace:
    line = next(line for line in scope.site.lines if line.id == saved.line_id)
    shift = next(shift for shift in scope.site.shifts if shift.id == saved.shift_id)
    return EntryPlace(line, shift_instance(shift, saved.production_date, scope.zone), scope.zone)


def board_for(session: Session, *, saved: SavedEntry, at: datetime) -> ShiftBoardView:
    """The board of the shift instance ``saved`` belongs to, as it stands now."""
    return compute_shift_board(
        session,
        line=session.get_one(Line, saved.line_id),
        shift=session.get_one(Shift, saved.shift_id),
        production_date=saved.production_date,
        at=at,
    )


def _voided_by_request(session: Session, model: type[Entry], request_key: str) -> Entry | None:
    return session.scalars(select(model).where(model.void_request_key == request_key)).first()


def _latest_unvoided(session: Session, model: type[Entry], user_id: str) -> Entry | None:
    return session.scalars(
        select(model)
        .where(model.reported_by == user_id, model.voided_at.is_(None))
        .order_by(model.reported_at.desc(), model.id.desc())
        .limit(1)
    ).first()


def _by_request_key(session: Session, model: type[Row], request_key: str) -> Row | None:
    return session.scalars(select(model).where(model.request_key == request_key)).first()


def _placed(line: LineRef, shift: ShiftRef, instance: ShiftInstance) -> dict[str, Any]:
    """The columns that place an entry on a line's shift instance."""
    return {
        "line_id": line.id,
        "shift_id": shift.id,
        "production_date": instance.production_date,
    }


def _reported(user_id: str, at: datetime, request_key: str) -> dict[str, Any]:
    """The columns that say who reported an entry, when, and in which Slack request."""
    return {"reported_by": user_id, "reported_at": at, "request_key": request_key}


def _insert_once(
    session: Session,
    model: type[Row],
    values: dict[str, Any],
    kind: EntryKind,
    *,
    at: datetime,
    audited: dict[str, Any] | None,
) -> SavedEntry:
    """Insert a ``model`` row of ``values``; if the same request won a race to insert it
    first, answer with that one.

    A Core ``INSERT … RETURNING id``: every reporter's request takes this path, and the ORM's
    unit of work would cost more than the insert itself for a row nothing reads back.

    An entry row records its own creation (who, when, from which request) and is never changed
    except by a void, which is audited. So a routine report writes no audit row of its own:
    that would double the writes on every reporter's path. ``audited`` details are recorded
    for creations worth one (issues, quantities confirmed over capacity).
    """
    try:
        row_id = session.execute(_insert_returning_id(model), values).scalar_one()
    except IntegrityError:
        session.rollback()
        existing = _by_request_key(session, model, values["request_key"])
        if existing is None:
            raise
        return _saved(kind, existing, duplicate=True)
    if audited is not None:
        actor = values.get("raised_by") or values["reported_by"]
        audit(session, at, actor, "create", (kind.value, row_id), audited)
    return SavedEntry(
        kind, row_id, values["line_id"], values["shift_id"], values["production_date"]
    )


@functools.cache
def _insert_returning_id(model: type[Row]) -> Insert:
    """One statement per table, its values passed as parameters: built and compiled once."""
    table = cast(Table, model.__table__)
    return insert(table).returning(table.c.id)


def _saved(
    kind: EntryKind, row: OutputEntry | DelayEntry | Issue, *, duplicate: bool = False
) -> SavedEntry:
    return SavedEntry(kind, row.id, row.line_id, row.shift_id, row.production_date, duplicate)
