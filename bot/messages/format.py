"""Small text formatters shared by the Block Kit builders, and the pieces the daily digest and the
weekly review share: their header and their per-line table.

Slack allows 50 blocks per message and 3000 characters per section text. A report's per-line
table is a code block split into sections that fit; when even ``MAX_TABLE_SECTIONS`` of them
cannot hold every line, the worst lines are shown and a note says what is left out.
"""

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import TypeVar
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.numbers.periods import LinePeriod
from bot.plant.shifts import ShiftInstance

BAR_WIDTH = 10
MAX_TABLE_SECTIONS = 8
HEADER_LIMIT = 150  # characters in a header block

LineT = TypeVar("LineT", bound=LinePeriod)


def percent(share: float | None) -> str:
    return "—" if share is None else f"{share:.0%}"


def progress_bar(share: float | None, width: int = BAR_WIDTH) -> str:
    """``▓▓▓▓▓░░░░░`` for 50%; capped at a full bar, empty when there is no target."""
    filled = 0 if share is None else round(min(max(share, 0.0), 1.0) * width)
    return "▓" * filled + "░" * (width - filled)


def quantity(value: int, unit: str) -> str:
    return f"{value:,} {escape(unit)}"


def money(amount: Decimal | None) -> str:
    return "—" if amount is None else f"{amount:,.2f}"


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, ending in "…" when it was cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escape(text: str) -> str:
    """Text the bot did not compose (what people typed, names from the plant file) made literal
    in Slack mrkdwn: ``&``, ``<`` and ``>`` become ``&amp;``, ``&lt;`` and ``&gt;``, Slack's
    escaping. So a typed ``<!channel>`` cannot ping a channel, ``<url|label>`` cannot disguise a
    link and ``<@U…>`` mentions nobody.

    Mrkdwn is every section, field and context text and a message's fallback ``text``; a
    ``plain_text`` object (headers, buttons, labels, options) shows entities as typed, so nothing
    put there is escaped. Cut text *before* escaping it, never through an entity; the mentions,
    channel links and links the bot builds itself are never escaped.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_LONGEST_ENTITY = len("&amp;")


def cut_mrkdwn(text: str, limit: int) -> str:
    """Mrkdwn holding escaped text cut to at most ``limit`` characters (a Slack limit) without
    splitting an entity: escaping makes text longer than the cut-off applied before it."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    start = cut.rfind("&", max(0, limit - _LONGEST_ENTITY + 1))
    return cut[:start] if start != -1 and ";" not in cut[start:] else cut


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
    return f"shift {escape(instance.shift_name)} · {start:%a %d %b} {start:%H:%M}–{end:%H:%M}"


def mention(user_id: str) -> str:
    return f"<@{user_id}>"


SECTION_LIMIT = 3000  # characters in one Block Kit section
FIELD_LIMIT = 2000  # characters in one field of a section
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


def report_header(title: str, subtitle: str) -> list[Block]:
    return [HeaderBlock(text=title[:HEADER_LIMIT]), _context(subtitle)]


def line_table(
    lines: Sequence[LineT],
    *,
    row: Callable[[LineT, int], str],
    worst_first: Callable[[LineT], tuple[bool | float | str, ...]],
    hidden_note: Callable[[Sequence[LineT]], str],
) -> list[Block]:
    """The rows of the lines that planned or made anything, as code-block sections.

    ``row`` formats a line with its code padded to the given width. When the rows need more
    than ``MAX_TABLE_SECTIONS`` sections, the lines are ordered by ``worst_first``, as many as fit
    are shown, and ``hidden_note`` says how the others did. Idle lines are counted in a note.
    """
    shown = [line for line in lines if line.has_production]
    width = max((len(line.code) for line in shown), default=0)
    sections = chunk_rows([row(line, width) for line in shown])
    notes = []
    if len(sections) > MAX_TABLE_SECTIONS:
        worst = sorted(shown, key=worst_first)
        sections = chunk_rows([row(line, width) for line in worst])[:MAX_TABLE_SECTIONS]
        notes.append(hidden_note(worst[sum(len(section) for section in sections) :]))
    if idle := len(lines) - len(shown):
        notes.append(f"{idle} line{'s' if idle != 1 else ''} not planned and idle")
    blocks: list[Block] = [SectionBlock(text=code_block(section)) for section in sections]
    if notes:
        blocks.append(_context(" · ".join(notes)))
    return blocks


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=text)])
