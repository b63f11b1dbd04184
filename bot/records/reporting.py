"""Recording what team leads report: output, delays and issues, and undoing them.

Keyword-only service functions over a session; the caller owns the unit of work (commits).
A Slack request's ``trigger_id`` is stored as ``request_key`` with a unique constraint, so a
request delivered twice writes once and the second delivery is answered like the first. The
insert itself detects the repeat (no look-up first): repeats are rare, and every reporter's
request saves a round trip.
"""

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.errors import NoPlantLoaded, NotFound, ProdbotError
from bot.numbers.production import ShiftBoardView, compute_shift_board, shift_totals
from bot.plant.shifts import (
    ShiftInstance,
    latest_shift_instance,
    latest_started_instance,
    local_date,
    runs_on,
    shift_instance,
)
from bot.plant.snapshot import LineRef, PlantSnapshot, ShiftRef, SiteRef, load_snapshot
from models import (
    AuditRecord,
    DelayEntry,
    Issue,
    IssueEvent,
    IssueStatus,
    Line,
    OutputEntry,
    Shift,
)
from models.schemas import (
    USAGE,
    DelayCommand,
    IssueCommand,
    OutputCommand,
    ParseContext,
)

Entry = TypeVar("Entry", OutputEntry, DelayEntry)
Row = TypeVar("Row", OutputEntry, DelayEntry, Issue)

# A lead finishing the paperwork after the shift still reports into the shift that just ended.
LATE_REPORT_WINDOW = timedelta(hours=2)
# Issues are raised whenever they happen; they belong to the last shift that ran.
ISSUE_SHIFT_WINDOW = timedelta(days=8)
UNDO_WINDOW = timedelta(minutes=60)
PLAUSIBILITY_MARGIN = 1.25


class EntryKind(StrEnum):
    OUTPUT = "output"
    DELAY = "delay"
    ISSUE = "issue"


@dataclass(frozen=True)
class RequestScope:
    """The site a request is about, and what the parser needs to know of it."""

    site: SiteRef
    zone: ZoneInfo
    parse_context: ParseContext


@dataclass(frozen=True)
class SavedEntry:
    kind: EntryKind
    id: int
    line_id: int
    shift_id: int
    production_date: date
    duplicate: bool = False


class ImplausibleQuantity(ProdbotError):
    """More than the line can physically make so far; the reporter may confirm it."""

    def __init__(self, *, command: OutputCommand, request_key: str, capacity: int, unit: str):
        super().__init__(
            f"{command.good + command.scrap:,} {unit} is more than {command.line.upper()} can "
            f"make in this shift so far (about {capacity:,} at its ideal rate)."
        )
        self.command = command
        self.request_key = request_key
        self.capacity = capacity


def request_scope(
    session: Session,
    *,
    channel_id: str | None,
    user_id: str,
    at: datetime,
    plant: PlantSnapshot | None = None,
) -> RequestScope:
    """The site of the channel's line, else the caller's site, else the first site.

    ``plant`` is the process's cached snapshot; without it the plant is read afresh.
    """
    plant = plant or load_snapshot(session)
    channel_lines = plant.lines_in_channel(channel_id) if channel_id else []
    site_id = channel_lines[0].site_id if channel_lines else plant.user_sites.get(user_id)
    if site_id is None:
        if not plant.sites:
            raise NoPlantLoaded()
        site_id = plant.sites[0].id
    site = plant.site(site_id)
    channel_line = (
        channel_lines[0].code_key
        if len(channel_lines) == 1 and channel_lines[0].site_id == site.id
        else None
    )
    context = ParseContext(
        line_codes=frozenset(line.code_key for line in site.lines),
        channel_line=channel_line,
        delay_reasons=site.delay_reasons,
        today=local_date(at, site.zone),
    )
    return RequestScope(site=site, zone=site.zone, parse_context=context)


def get_line(*, site: SiteRef, code_key: str) -> LineRef:
    line = next((line for line in site.lines if line.code_key == code_key), None)
    if line is None:
        codes = ", ".join(line.code for line in site.lines)
        raise NotFound(f"There is no line '{code_key}' at {site.name} (lines: {codes}).")
    return line


def resolve_shift_instance(
    *,
    scope: RequestScope,
    shift_name: str | None,
    production_date: date | None,
    at: datetime,
    window: timedelta = LATE_REPORT_WINDOW,
    usage: str,
) -> tuple[ShiftRef, ShiftInstance]:
    """The named shift instance, or the one in progress (or just ended) at ``at``."""
    shifts = scope.site.shifts
    if shift_name is None:
        if production_date is not None:
            raise ProdbotError("With `date`, also name the shift, e.g. `shift A`.", usage=usage)
        instance = latest_shift_instance(shifts, scope.zone, at, ended_within=window)
        if instance is None:
            names = ", ".join(shift.name for shift in shifts)
            raise ProdbotError(
                f"No shift is running at {scope.site.name} now. Name the shift ({names}), "
                "e.g. `shift A`.",
                usage=usage,
            )
        return next(s for s in shifts if s.id == instance.shift_id), instance

    shift = next((s for s in shifts if s.name_key == shift_name.lower()), None)
    if shift is None:
        names = ", ".join(s.name for s in shifts)
        raise NotFound(
            f"There is no shift '{shift_name}' at {scope.site.name} (shifts: {names}).", usage=usage
        )
    if production_date is None:
        latest = latest_started_instance(shift, scope.zone, at)
        if latest is None:
            raise NotFound(f"Shift {shift.name} has not run in the last week.", usage=usage)
        return shift, latest
    if not runs_on(shift, production_date):
        raise NotFound(
            f"Shift {shift.name} does not run on {production_date:%a %d %b} "
            f"(it runs {', '.join(shift.weekdays)}).",
            usage=usage,
        )
    instance = shift_instance(shift, production_date, scope.zone)
    if instance.start > at:
        raise ProdbotError(
            f"Shift {shift.name} on {production_date:%a %d %b} has not started yet.", usage=usage
        )
    return shift, instance


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
    ImplausibleQuantity instead of saving.
    """
    line = get_line(site=scope.site, code_key=command.line)
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
    entry = OutputEntry(
        line_id=line.id,
        shift_id=shift.id,
        production_date=instance.production_date,
        good=command.good,
        scrap=command.scrap,
        note=command.note,
        reported_by=user_id,
        reported_at=at,
        request_key=request_key,
    )
    return _insert_once(
        session,
        entry,
        EntryKind.OUTPUT,
        at=at,
        # Saving over the line's capacity is the exception worth a line in the audit trail.
        audit={"good": command.good, "scrap": command.scrap, "confirmed": True}
        if confirmed
        else None,
    )


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
    shift, instance = resolve_shift_instance(
        scope=scope, shift_name=None, production_date=None, at=at, usage=USAGE["delay"]
    )
    entry = DelayEntry(
        line_id=line.id,
        shift_id=shift.id,
        production_date=instance.production_date,
        minutes=command.minutes,
        reason=command.reason,
        note=command.note,
        reported_by=user_id,
        reported_at=at,
        request_key=request_key,
    )
    return _insert_once(
        session,
        entry,
        EntryKind.DELAY,
        at=at,
        audit=None,
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
    line = get_line(site=scope.site, code_key=command.line)
    shift, instance = resolve_shift_instance(
        scope=scope,
        shift_name=None,
        production_date=None,
        at=at,
        window=ISSUE_SHIFT_WINDOW,
        usage=USAGE["issue"],
    )
    issue = Issue(
        line_id=line.id,
        shift_id=shift.id,
        production_date=instance.production_date,
        severity=command.severity,
        category=command.category,
        text=command.text,
        status=IssueStatus.OPEN,
        raised_by=user_id,
        raised_at=at,
        request_key=request_key,
    )
    saved = _insert_once(
        session,
        issue,
        EntryKind.ISSUE,
        at=at,
        audit={"severity": command.severity.value, "category": command.category},
    )
    if not saved.duplicate:
        session.add(IssueEvent(issue_id=issue.id, status=IssueStatus.OPEN, by=user_id, at=at))
    return saved


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
    _audit(session, at=at, actor=user_id, action="void", entity=kind.value, entity_id=latest.id)
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


def _insert_once(
    session: Session,
    row: Row,
    kind: EntryKind,
    *,
    at: datetime,
    audit: dict[str, Any] | None,
) -> SavedEntry:
    """Insert ``row``; if the same request won a race to insert it first, answer with that one.

    An entry row records its own creation (who, when, from which request) and is never changed
    except by a void, which is audited. So a routine report writes no audit row of its own:
    that would double the writes on every reporter's path. ``audit`` details are recorded
    for creations worth one (issues, quantities confirmed over capacity).
    """
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        existing = _by_request_key(session, type(row), row.request_key or "")
        if existing is None:
            raise
        return _saved(kind, existing, duplicate=True)
    if audit is not None:
        actor = row.raised_by if isinstance(row, Issue) else row.reported_by
        _audit(
            session,
            at=at,
            actor=actor,
            action="create",
            entity=kind.value,
            entity_id=row.id,
            details=audit,
        )
    return _saved(kind, row)


def _saved(
    kind: EntryKind, row: OutputEntry | DelayEntry | Issue, *, duplicate: bool = False
) -> SavedEntry:
    return SavedEntry(kind, row.id, row.line_id, row.shift_id, row.production_date, duplicate)


def _audit(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: int,
    details: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditRecord(
            at=at,
            actor=actor,
            action=action,
            entity=entity,
            entity_id=entity_id,
            details=details or {},
        )
    )
