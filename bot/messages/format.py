"""Small text formatters shared by the Block Kit builders."""

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.plant.shifts import ShiftInstance

BAR_WIDTH = 10


def percent(share: float | None) -> str:
    return "—" if share is None else f"{share:.0%}"


def progress_bar(share: float | None, width: int = BAR_WIDTH) -> str:
    """``▓▓▓▓▓░░░░░`` for 50%; capped at a full bar, empty when there is no target."""
    filled = 0 if share is None else round(min(max(share, 0.0), 1.0) * width)
    return "▓" * filled + "░" * (width - filled)


def quantity(value: int, unit: str) -> str:
    return f"{value:,} {unit}"


def minutes(total: int) -> str:
    hours, rest = divmod(total, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest:02d} min" if rest else f"{hours} h"


def local_clock(at: datetime, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%H:%M")


def shift_label(instance: ShiftInstance, zone: ZoneInfo) -> str:
    """``shift A · Fri 20 Nov 06:00–14:00`` in the site's local time."""
    start = instance.start.astimezone(zone)
    end = instance.end.astimezone(zone)
    return f"shift {instance.shift_name} · {start:%a %d %b} {start:%H:%M}–{end:%H:%M}"


def mention(user_id: str) -> str:
    return f"<@{user_id}>"


SECTION_LIMIT = 3000  # characters in one Block Kit section
FENCE = "```"


def amount_vs_target(actual: int, target: int) -> str:
    """``4,588 / 5,120 (90%)``, or ``4,588 (no target)``."""
    if not target:
        return f"{actual:,} (no target)"
    return f"{actual:,} / {target:,} ({percent(actual / target)})"


def code_block(rows: list[str]) -> str:
    return FENCE + "\n" + "\n".join(rows) + "\n" + FENCE


def chunk_rows(rows: list[str]) -> list[list[str]]:
    """Table rows grouped so that each group's code block fits one section."""
    budget = SECTION_LIMIT - len(code_block([]))
    chunks: list[list[str]] = []
    size = 0
    for row in rows:
        if not chunks or size + len(row) + 1 > budget:
            chunks.append([])
            size = 0
        chunks[-1].append(row)
        size += len(row) + 1
    return chunks
