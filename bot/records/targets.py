"""``/prod target``: dated target overrides, set by a line's managers and the heads of production.

Semantics (what a production manager expects, spelled out in every reply):

- QTY is units **per shift**. With ``shift S`` only that shift changes; without it every shift
  the line is planned on (has a plant-file target for) changes, each to QTY. The reply shows the
  resulting day target, so someone who meant a day total sees it at once.
- Dates: ``from`` defaults to today (the site's local date), ``to`` defaults to ``from``. So no
  dates means today only, ``from D`` means that one day, ``to D`` means today through D. An
  override is always bounded: the standing plan is the reviewed plant file, and a forgotten
  open-ended override would silently shadow every later plant-file change.
- ``from`` may reach ``MAX_DAYS_BACK`` days back (correcting a plan after the fact); ``to`` at
  most ``MAX_DAYS_AHEAD`` days ahead.
- An override is a ``Target`` row with ``valid_from``/``valid_to`` and ``set_by``; ``target_for``
  lets the latest covering override win, so nothing is ever updated or deleted.
- Setting exactly the override that is already the latest for a shift writes nothing: a
  redelivered Slack request (``Target`` has no request key) is answered as a repeat.
- A change is announced in the line channel: the announcement is owed in the same unit of work
  (``bot.records.outbox``), its facts in the row's payload (the shifts left unchanged and the
  targets they had before are in no other row), rendered when it is sent.
"""

from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import NotAllowed, NotFound, ProdbotError
from bot.numbers.production import target_for
from bot.plant.people import is_site_head, line_people, roles_on_line
from bot.plant.shifts import runs_on
from bot.plant.snapshot import LineRef, ShiftRef
from bot.records.audit import audit
from bot.records.outbox import Owed, owe
from bot.records.scope import RequestScope, get_line
from models import Role, Target
from models.schemas import USAGE, TargetCommand

MAX_DAYS_BACK = 7
MAX_DAYS_AHEAD = 366
# An announcement is worth posting for a day; after that the plan has moved on.
ANNOUNCEMENT_KEEP = timedelta(hours=24)


@dataclass(frozen=True)
class ShiftTargetChange:
    """One shift's new target; ``was`` is its target on the first day it runs in the range."""

    shift_name: str
    units: int
    was: int | None
    changed: bool


@dataclass(frozen=True)
class TargetChange:
    """What ``/prod target`` did, for the reply and the line channel announcement."""

    line_code: str
    line_channel: str | None
    unit: str
    set_by: str
    units: int
    valid_from: date
    valid_to: date
    shifts: tuple[ShiftTargetChange, ...]
    whole_line: bool
    owed: tuple[int, ...] = ()  # the announcement's outbox row, to send after commit

    @property
    def changed(self) -> bool:
        """False when every shift already had exactly this override (a repeated request)."""
        return any(shift.changed for shift in self.shifts)

    def facts(self) -> dict[str, Any]:
        """What the announcement says, as JSON (an outbox row's payload)."""
        facts = asdict(self)
        del facts["owed"]
        facts["valid_from"], facts["valid_to"] = str(self.valid_from), str(self.valid_to)
        return facts

    @classmethod
    def from_facts(cls, facts: dict[str, Any]) -> "TargetChange":
        return cls(
            **{
                **facts,
                "valid_from": date.fromisoformat(facts["valid_from"]),
                "valid_to": date.fromisoformat(facts["valid_to"]),
                "shifts": tuple(ShiftTargetChange(**shift) for shift in facts["shifts"]),
            }
        )


def may_set_target(session: Session, *, site_id: int, line_id: int, user_id: str) -> bool:
    """A manager of the line, or a head of production of its site (plant file roles)."""
    roles = roles_on_line(session, site_id=site_id, line_id=line_id, user_id=user_id)
    return Role.MANAGER in roles or is_site_head(session, site_id=site_id, user_id=user_id)


def set_target(
    session: Session, *, scope: RequestScope, command: TargetCommand, user_id: str, at: datetime
) -> TargetChange:
    """Record a dated override per shift (see the module docstring), each in the audit trail.

    Raises NotAllowed for anyone but the line's managers and the site's heads, NotFound for an
    unknown shift, and ProdbotError for dates out of range or shifts that do not run then.
    """
    usage = USAGE["target"]
    line = get_line(site=scope.site, code_key=command.line)
    if not may_set_target(session, site_id=scope.site.id, line_id=line.id, user_id=user_id):
        managers = ", ".join(
            f"<@{m}>" for m in line_people(session, line_id=line.id, role=Role.MANAGER)
        )
        who = f"{line.code}'s managers ({managers}) and the heads" if managers else "the heads"
        raise NotAllowed(f"Only {who} of production can set {line.code}'s target.")
    today = scope.parse_context.today
    valid_from = command.valid_from or today
    valid_to = command.valid_to or valid_from
    _check_range(valid_from, valid_to, today=today, usage=usage)
    shifts = _shifts_to_set(session, scope=scope, line=line, shift_name=command.shift, usage=usage)
    running = [
        (shift, first_day)
        for shift in shifts
        if (first_day := _first_day_run(shift, valid_from, valid_to)) is not None
    ]
    if not running:
        names = ", ".join(shift.name for shift in shifts)
        raise ProdbotError(
            f"No shift of {line.code} runs {period_text(valid_from, valid_to)} (shift {names}).",
            usage=usage,
        )
    changes = []
    first_target: int | None = None
    for shift, first_day in running:
        was = target_for(session, line=line, shift=shift, production_date=first_day)
        changed = not _is_latest_override(
            session, line=line, shift=shift, units=command.units, start=valid_from, end=valid_to
        )
        if changed:
            target = Target(
                line_id=line.id,
                shift_id=shift.id,
                units=command.units,
                valid_from=valid_from,
                valid_to=valid_to,
                set_by=user_id,
                created_at=at,
            )
            session.add(target)
            session.flush()
            first_target = first_target or target.id
            audit(
                session,
                at,
                user_id,
                "set-target",
                ("target", target.id),
                {
                    "line": line.code,
                    "shift": shift.name,
                    "units": command.units,
                    "was": was,
                    "valid_from": valid_from.isoformat(),
                    "valid_to": valid_to.isoformat(),
                },
            )
        changes.append(ShiftTargetChange(shift.name, command.units, was, changed))
    change = TargetChange(
        line_code=line.code,
        line_channel=line.channel_id,
        unit=line.unit,
        set_by=user_id,
        units=command.units,
        valid_from=valid_from,
        valid_to=valid_to,
        shifts=tuple(changes),
        whole_line=command.shift is None,
    )
    if first_target is None or not line.channel_id:
        return change
    owed = Owed(
        key=f"target:{first_target}:announcement",
        kind="target_announcement",
        keep_for=ANNOUNCEMENT_KEEP,
        channel=line.channel_id,
        ref=f"target:{first_target}",
        payload=change.facts(),
    )
    item_id = owe(session, owed, at=at)
    return replace(change, owed=() if item_id is None else (item_id,))


def period_text(start: date, end: date) -> str:
    """``on Thu 19 Nov`` or ``from Thu 19 Nov to Fri 20 Nov``."""
    return f"on {start:%a %d %b}" if start == end else f"from {start:%a %d %b} to {end:%a %d %b}"


def _check_range(start: date, end: date, *, today: date, usage: str) -> None:
    if end < start:
        raise ProdbotError(f"the end date {end} is before the start date {start}", usage=usage)
    if start < today - timedelta(days=MAX_DAYS_BACK):
        raise ProdbotError(
            f"{start} is more than {MAX_DAYS_BACK} days back — the earliest start is "
            f"{today - timedelta(days=MAX_DAYS_BACK)}",
            usage=usage,
        )
    if end > today + timedelta(days=MAX_DAYS_AHEAD):
        raise ProdbotError(
            f"{end} is more than a year ahead — for a lasting change, update the plant file",
            usage=usage,
        )


def _shifts_to_set(
    session: Session, *, scope: RequestScope, line: LineRef, shift_name: str | None, usage: str
) -> list[ShiftRef]:
    """The named shift, or every shift the line has a plant-file (undated) target for."""
    shifts = scope.site.shifts
    if shift_name is not None:
        shift = next((s for s in shifts if s.name_key == shift_name.lower()), None)
        if shift is None:
            names = ", ".join(s.name for s in shifts)
            raise NotFound(
                f"There is no shift '{shift_name}' at {scope.site.name} (shifts: {names}).",
                usage=usage,
            )
        return [shift]
    planned = set(
        session.scalars(
            select(Target.shift_id).where(Target.line_id == line.id, Target.valid_from.is_(None))
        )
    )
    found = [shift for shift in shifts if shift.id in planned]
    if not found:
        raise ProdbotError(
            f"{line.code} has no planned shifts in the plant file — name one, e.g. "
            f"`/prod target {line.code} 800 shift {shifts[0].name if shifts else 'A'}`.",
            usage=usage,
        )
    return found


def _first_day_run(shift: ShiftRef, start: date, end: date) -> date | None:
    day = start
    while day <= end:
        if runs_on(shift, day):
            return day
        day += timedelta(days=1)
    return None


def _is_latest_override(
    session: Session, *, line: LineRef, shift: ShiftRef, units: int, start: date, end: date
) -> bool:
    """True when the newest override of (line, shift) is exactly this one: re-adding it would
    change no day's target, because the newest covering override already wins everywhere."""
    latest = session.scalars(
        select(Target)
        .where(
            Target.line_id == line.id,
            Target.shift_id == shift.id,
            Target.valid_from.is_not(None),
        )
        .order_by(Target.id.desc())
        .limit(1)
    ).first()
    return latest is not None and (latest.units, latest.valid_from, latest.valid_to) == (
        units,
        start,
        end,
    )
