"""What ``/prod target`` says: the reply to the person who set it and the line channel notice."""

from __future__ import annotations

from bot.messages.format import escape, mention, quantity
from bot.records.targets import ShiftTargetChange, TargetChange, period_text

SEMANTICS_HINT = (
    "QTY is per shift; no `shift` sets every planned shift of the line. No dates = today only, "
    "`from D` = that day, `to D` = today through D. For a lasting change, update the plant file."
)


def _was(shift: ShiftTargetChange) -> str:
    return f"was {shift.was:,}" if shift.was is not None else "no target before"


def _what(change: TargetChange) -> str:
    """``L1 shift A target to 900 bottles on Thu 19 Nov (was 800)``, or for the whole
    line every shift with its previous target and the resulting day target."""
    new = quantity(change.units, change.unit)
    period = period_text(change.valid_from, change.valid_to)
    if not change.whole_line:
        [shift] = change.shifts
        was = _was(shift)
        name = escape(shift.shift_name)
        return f"{change.line_code} shift {name} target to {new} {period} ({was})"
    shifts = ", ".join(f"shift {escape(s.shift_name)} ({_was(s)})" for s in change.shifts)
    day = quantity(change.units * len(change.shifts), change.unit)
    return f"{change.line_code} target to {new} per shift {period}: {shifts} — {day} a day"


def target_announcement_text(change: TargetChange) -> str:
    """The line channel's notice, e.g. ``🎯 <@U…> set L1 shift A target to 900 bottles …``."""
    return f"🎯 {mention(change.set_by)} set {_what(change)}."


def target_set_text(change: TargetChange) -> str:
    """The ephemeral reply: what was set, where it was announced, and how the command reads."""
    if not change.changed:
        return f"✅ Already set: {_what(change)}. Nothing changed.\n_{SEMANTICS_HINT}_"
    where = f" Announced in <#{change.line_channel}>." if change.line_channel else ""
    return f"🎯 Set {_what(change)}.{where}\n_{SEMANTICS_HINT}_"
