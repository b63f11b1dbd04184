"""Machine stops: what a line's state topic says (``record_state``), and the answer to "why?".

A stop opens on ``stopped`` or ``idle`` and closes on ``running``; the MQTT client calls
``record_state`` for every state message, repeats included (QoS 1 redelivers), and a repeat
changes nothing. The line's row is locked first (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite
writes one transaction at a time), so two messages of one line at once open one stop.

A stop's delay entry (``request_key`` ``machine-stop:<id>``, unique, so a stop has at most one)
is written when its reason is known, from the machine or from the person who answered the
prompt, with the minutes measured so far, and updated to the whole stop when the machine runs
again. The minutes never push a shift's delays beyond its planned time (the rule ``/delay``
enforces): they are clipped, and the clip is audited.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from bot.errors import NotFound
from bot.numbers.instances import InstanceKey
from bot.numbers.machine_stops import StopView, stop_minutes, stop_view
from bot.plant.shifts import ShiftInstance, local_date, shift_in_progress, shift_instance
from bot.plant.snapshot import LineRef, PlantSnapshot
from bot.records.access import require_line_reporter
from bot.records.audit import audit
from bot.records.outbox import Owed, owe
from bot.records.reporting import EntryKind, SavedEntry
from bot.records.scope import RequestScope
from models import DelayEntry, Line, Shift
from models.machines import MachineStop
from models.schemas import ParseContext, quote

# What a machine's own entries are reported by.
MACHINE = "machine"
STOPPED_STATES = frozenset({"stopped", "idle"})
RUNNING = "running"
# The prompt and its updates are owed under these keys (jobs/machine_stops.py owes the prompt).
JOB = "machine-stops"
PROMPT_KIND = "machine_stop"
UPDATE_KIND = "machine_stop_update"
# An answer's redraw of the prompt is worth sending for this long.
UPDATE_KEEP_FOR = timedelta(hours=24)


def prompt_key(stop_id: int) -> str:
    return f"{JOB}|stop:{stop_id}|prompt"


def delay_request_key(stop_id: int) -> str:
    return f"machine-stop:{stop_id}"


def record_state(
    session: Session, *, line_id: int, state: str, reason: str | None, at: datetime
) -> InstanceKey | None:
    """Apply one state message of the line's machine at ``at`` (aware UTC).

    ``stopped``/``idle`` opens a stop unless one is open; ``running`` closes the open one and
    brings its delay entry to the measured minutes. A ``reason`` that is one of the site's delay
    reasons explains the stop at once (no prompt); another is kept as ``machine_reason``.
    The shift instance whose board shows the change (the stop's delay entry written or brought
    up to date, or the stop ended), None when there is none.
    """
    if _repeat(_open_stop_of(session, line_id), state, reason):
        return None  # read only: a machine repeating its state (or QoS 1 redelivery)
    # Lock the line (a row lock on PostgreSQL, the write lock on SQLite) and look again: of two
    # messages at once, the second sees what the first did.
    _lock_line(session, line_id)
    line = session.get_one(Line, line_id)
    stop = _open_stop_of(session, line_id)
    if state in STOPPED_STATES:
        if stop is None:
            stop = _open_stop(session, line, reason=reason, at=at)
            if stop.delay_entry_id is None:
                return None  # nothing the board shows yet
        elif stop.reason is None and reason is not None:
            _explain(session, stop, line, reason=reason, at=at)
    elif stop is None or at < stop.started_at:
        return None
    else:
        stop.ended_at = at
        if stop.delay_entry_id is not None:
            _fit_minutes(session, stop, actor=MACHINE, at=at)
        if stop.prompted_at is not None:
            # The prompt (or its answer) is redrawn with the stop's end.
            _owe_update(session, stop, line.channel_id, "ended", at=at)
    if stop.shift_id is None or stop.production_date is None:
        return None
    return (stop.line_id, stop.shift_id, stop.production_date)


def _owe_update(
    session: Session, stop: MachineStop, channel: str | None, why: str, *, at: datetime
) -> tuple[int, ...]:
    """Owe the redraw of the stop's prompt (once per ``why``: answered, ended)."""
    owed = owe(
        session,
        Owed(
            key=f"{JOB}|stop:{stop.id}|{why}",
            kind=UPDATE_KIND,
            keep_for=UPDATE_KEEP_FOR,
            channel=channel,
            ref=f"machine_stop:{stop.id}",
        ),
        at=at,
    )
    return (owed,) if owed is not None else ()


def _lock_line(session: Session, line_id: int) -> None:
    """Hold the line's row (PostgreSQL) or the write lock (SQLite) until the commit."""
    session.execute(
        update(Line)
        .where(Line.id == line_id)
        .values(stop_prompt_minutes=Line.stop_prompt_minutes)
        .execution_options(synchronize_session=False)
    )


def _claim_reason(session: Session, stop: MachineStop, *, reason: str, user_id: str) -> bool:
    """Set the stop's reason unless it has one; whether this call set it."""
    changed = cast(
        CursorResult[Any],
        session.execute(
            update(MachineStop)
            .where(MachineStop.id == stop.id, MachineStop.reason.is_(None))
            .values(reason=reason, answered_by=user_id)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    session.refresh(stop)
    return bool(changed)


def _open_stop_of(session: Session, line_id: int) -> MachineStop | None:
    return session.scalars(
        select(MachineStop)
        .where(MachineStop.line_id == line_id, MachineStop.ended_at.is_(None))
        .order_by(MachineStop.started_at.desc())
        .limit(1)
        .execution_options(populate_existing=True)
    ).first()


def _repeat(open_stop: MachineStop | None, state: str, reason: str | None) -> bool:
    """Whether the message changes nothing: stopped again (with no new reason), running again."""
    if state in STOPPED_STATES:
        return open_stop is not None and (reason is None or open_stop.reason is not None)
    return open_stop is None or state != RUNNING


def _open_stop(session: Session, line: Line, *, reason: str | None, at: datetime) -> MachineStop:
    site = line.site
    zone = ZoneInfo(site.timezone)
    instance = shift_in_progress([s for s in site.shifts if s.active], zone, at)
    stop = MachineStop(
        line_id=line.id,
        shift_id=instance.shift_id if instance else None,
        production_date=instance.production_date if instance else None,
        started_at=at,
        machine_reason=reason,
    )
    session.add(stop)
    session.flush()
    if reason is not None:
        _explain(session, stop, line, reason=reason, at=at)
    return stop


def _explain(session: Session, stop: MachineStop, line: Line, *, reason: str, at: datetime) -> None:
    """The machine's reason: the stop's reason and delay entry when the site knows it, else
    kept as ``machine_reason`` only (people are still asked)."""
    stop.machine_reason = reason
    if reason not in line.site.delay_reasons:
        return
    session.flush()
    # Compare-and-set, as a person's answer is: whoever explains the stop first wins.
    if not _claim_reason(session, stop, reason=reason, user_id=MACHINE):
        return
    if stop.shift_id is not None:
        _write_delay(session, stop, user_id=MACHINE, note=None, at=at)
    if stop.prompted_at is not None:
        _owe_update(session, stop, line.channel_id, "answered", at=at)


def stop_note(
    started_at: datetime, ended_at: datetime | None, zone: ZoneInfo, extra: str | None = None
) -> str:
    """``machine stop 10:42–10:51`` (site time), or ``machine stop from 10:42`` while open."""
    started = f"{started_at.astimezone(zone):%H:%M}"
    text = (
        f"machine stop {started}–{ended_at.astimezone(zone):%H:%M}"
        if ended_at is not None
        else f"machine stop from {started}"
    )
    return f"{text}: {extra}" if extra else text


def _instance(session: Session, stop: MachineStop) -> tuple[ShiftInstance, ZoneInfo]:
    line = session.get_one(Line, stop.line_id)
    zone = ZoneInfo(line.site.timezone)
    shift = session.get_one(Shift, stop.shift_id)
    assert stop.production_date is not None
    return shift_instance(shift, stop.production_date, zone), zone


def _room(session: Session, stop: MachineStop, instance: ShiftInstance) -> int:
    """Minutes of delay the stop's shift instance can still take beside its other delays."""
    others = session.scalar(
        select(func.coalesce(func.sum(DelayEntry.minutes), 0)).where(
            DelayEntry.line_id == stop.line_id,
            DelayEntry.shift_id == stop.shift_id,
            DelayEntry.production_date == stop.production_date,
            DelayEntry.voided_at.is_(None),
            DelayEntry.id != (stop.delay_entry_id or 0),
        )
    )
    return instance.planned_minutes - int(others or 0)


def _clipped(session: Session, stop: MachineStop, *, actor: str, at: datetime, room: int) -> int:
    """The stop's measured minutes (to its end, or to ``at`` while open), at most ``room``."""
    measured = stop_minutes(stop.started_at, stop.ended_at, at)
    minutes = min(measured, room)
    if minutes < measured:
        audit(
            session,
            at,
            actor,
            "clip",
            ("machine_stop", stop.id),
            {"measured_minutes": measured, "recorded_minutes": max(minutes, 0)},
        )
    return minutes


def _write_delay(
    session: Session, stop: MachineStop, *, user_id: str, note: str | None, at: datetime
) -> DelayEntry | None:
    """The stop's delay entry with the minutes so far; None when the shift has no room left."""
    instance, zone = _instance(session, stop)
    room = _room(session, stop, instance)
    minutes = _clipped(session, stop, actor=user_id, at=at, room=room)
    if minutes < 1:
        return None
    entry = DelayEntry(
        line_id=stop.line_id,
        shift_id=stop.shift_id,
        production_date=stop.production_date,
        minutes=minutes,
        reason=stop.reason,
        note=stop_note(stop.started_at, stop.ended_at, zone, note),
        reported_by=user_id,
        reported_at=at,
        request_key=delay_request_key(stop.id),
    )
    session.add(entry)
    session.flush()
    stop.delay_entry_id = entry.id
    audit(session, at, user_id, "create", ("delay", entry.id), {"machine_stop": stop.id})
    return entry


def _fit_minutes(session: Session, stop: MachineStop, *, actor: str, at: datetime) -> None:
    """Bring the stop's delay entry to the measured minutes, and its note to the stop's end."""
    entry = session.get(DelayEntry, stop.delay_entry_id)
    if entry is None or entry.voided_at is not None:
        return
    instance, zone = _instance(session, stop)
    room = _room(session, stop, instance)
    minutes = max(1, _clipped(session, stop, actor=actor, at=at, room=room))
    if minutes != entry.minutes:
        audit(
            session,
            at,
            actor,
            "update",
            ("delay", entry.id),
            {"minutes": [entry.minutes, minutes], "machine_stop": stop.id},
        )
        entry.minutes = minutes
    old = stop_note(stop.started_at, None, zone)
    if entry.note and entry.note.startswith(old):
        entry.note = stop_note(stop.started_at, stop.ended_at, zone) + entry.note[len(old) :]


@dataclass(frozen=True)
class StopAnswer:
    """The outcome of an answer: ``changed`` False when someone (or the machine) was first;
    ``saved`` the delay entry written, for the board."""

    changed: bool
    view: StopView
    saved: SavedEntry | None = None
    owed: tuple[int, ...] = ()


def _stop_line(plant: PlantSnapshot, session: Session, stop_id: int) -> tuple[MachineStop, LineRef]:
    """The stop and its line in the plant snapshot; NotFound when there is no such stop."""
    stop = session.get(MachineStop, stop_id)
    line = None
    if stop is not None:
        line = next(
            (ln for site in plant.sites for ln in site.lines if ln.id == stop.line_id), None
        )
    if stop is None or line is None:
        raise NotFound("That machine stop no longer exists, so nothing was recorded.")
    return stop, line


def _require_reporter(plant: PlantSnapshot, line: LineRef, *, user_id: str, at: datetime) -> None:
    site = plant.site(line.site_id)
    scope = RequestScope(
        site=site,
        zone=site.zone,
        parse_context=ParseContext(
            line_codes=frozenset(ln.code_key for ln in site.lines),
            channel_line=None,
            delay_reasons=site.delay_reasons,
            today=local_date(at, site.zone),
        ),
        plant=plant,
        channel_id=None,
    )
    require_line_reporter(scope, line, user_id=user_id, what="why a machine stopped")


def stop_for_actor(
    session: Session, *, plant: PlantSnapshot, stop_id: int, user_id: str, at: datetime
) -> StopView:
    """The stop as its prompt shows it, for someone who may answer it (else NotAllowed)."""
    stop, line = _stop_line(plant, session, stop_id)
    _require_reporter(plant, line, user_id=user_id, at=at)
    return stop_view(session, stop, at=at)


def answer_stop(
    session: Session,
    *,
    plant: PlantSnapshot,
    stop_id: int,
    reason: str,
    note: str | None,
    user_id: str,
    at: datetime,
) -> StopAnswer:
    """Record ``reason`` (one of the site's delay reasons, else NotFound) as the stop's
    answer: a delay entry linked to it, and the prompt's redraw owed.

    Only the line's reporters may answer (``require_line_reporter``). Of two answers at once
    one wins (compare-and-set on ``reason IS NULL``); the other is told who was first.
    """
    stop, line = _stop_line(plant, session, stop_id)
    _require_reporter(plant, line, user_id=user_id, at=at)
    if reason not in plant.site(line.site_id).delay_reasons:
        site = plant.site(line.site_id)
        raise NotFound(
            f"{quote(reason)} is not a delay reason at {site.name} "
            f"({', '.join(site.delay_reasons)}), so nothing was recorded."
        )
    # Serialised with the machine's messages: a stop ending meanwhile is measured to its end.
    _lock_line(session, line.id)
    if not _claim_reason(session, stop, reason=reason, user_id=user_id):
        return StopAnswer(False, stop_view(session, stop, at=at))
    saved = None
    if stop.shift_id is not None and stop.delay_entry_id is None:
        entry = _write_delay(session, stop, user_id=user_id, note=note, at=at)
        if entry is not None:
            saved = SavedEntry(
                EntryKind.DELAY, entry.id, entry.line_id, entry.shift_id, entry.production_date
            )
    audit(session, at, user_id, "answer", ("machine_stop", stop.id), {"reason": reason})
    owed = _owe_update(session, stop, line.channel_id, "answered", at=at)
    return StopAnswer(True, stop_view(session, stop, at=at), saved, owed)


def mark_prompted(session: Session, *, stop_ids: Sequence[int], at: datetime) -> None:
    """Record that the stops' prompts are owed (the job asks each stop once)."""
    _mark_once(session, MachineStop.prompted_at, stop_ids, at)


def mark_reminded(session: Session, *, stop_ids: Sequence[int], at: datetime) -> None:
    """Record that the stops' reminders are owed (each stop is reminded once)."""
    _mark_once(session, MachineStop.reminded_at, stop_ids, at)


def _mark_once(session: Session, column: Any, stop_ids: Sequence[int], at: datetime) -> None:
    if stop_ids:
        session.execute(
            update(MachineStop)
            .where(MachineStop.id.in_(stop_ids), column.is_(None))
            .values({column: at})
            .execution_options(synchronize_session=False)
        )
