"""Small text formatters shared by the Block Kit builders, and the pieces the daily digest and the
weekly review share: their header and their per-line table.

Slack allows 50 blocks per message and 3000 characters per section text. A report's per-line
table is a code block split into sections that fit; when even ``MAX_TABLE_SECTIONS`` of them
cannot hold every line, the worst lines are shown and a note says what is left out.

Keeping within Slack's limits: text someone typed or a plant-file name is cut with an ellipsis,
``cut_plain`` before it is escaped (a number of typed characters) or ``fit_mrkdwn`` after (a
number of mrkdwn characters, never through an entity or a mention); a list that can grow is
joined by ``join_within``, which shows what fits and counts the rest ("…and 3 more").
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
# Codes, reasons, shift names and units are at most 32 characters in the plant file; a table
# column of them is cut to this width, so a row's length is known.
NAME_WIDTH = 32

LineT = TypeVar("LineT", bound=LinePeriod)


def percent(share: float | None) -> str:
    """A share as a whole percentage (attainment, pace): ``90%``; "—" without one."""
    return "—" if share is None else f"{share:.0%}"


def rate(share: float | None) -> str:
    """A rate to one decimal (scrap rate): ``0.4%``; "—" without one."""
    return "—" if share is None else f"{share:.1%}"


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 issue``, ``2 issues``, ``0 issues``; ``many`` for a plural that is not word + s."""
    return f"{count:,} {word if count == 1 else (many or word + 's')}"


def progress_bar(share: float | None, width: int = BAR_WIDTH) -> str:
    """``▓▓▓▓▓░░░░░`` for 50%; capped at a full bar, empty when there is no target."""
    filled = 0 if share is None else round(min(max(share, 0.0), 1.0) * width)
    return "▓" * filled + "░" * (width - filled)


def quantity(value: int, unit: str) -> str:
    return f"{value:,} {escape(unit)}"


# Symbols of common ISO 4217 codes: ``True`` when the symbol precedes the amount (``€3,003``),
# ``False`` when it follows (``3,003 zł``). Any other code is shown after the amount.
CURRENCY_SYMBOLS: dict[str, tuple[str, bool]] = {
    "EUR": ("€", True),
    "USD": ("$", True),
    "GBP": ("£", True),
    "JPY": ("¥", True),
    "CNY": ("¥", True),
    "INR": ("₹", True),
    "KRW": ("₩", True),
    "BRL": ("R$", True),
    "CAD": ("CA$", True),
    "AUD": ("A$", True),
    "MXN": ("MX$", True),
    "CHF": ("CHF", False),
    "PLN": ("zł", False),
    "SEK": ("kr", False),
    "NOK": ("kr", False),
    "CZK": ("Kč", False),
    "HUF": ("Ft", False),
}


def money(amount: Decimal | None, currency: str | None = None) -> str:
    """``€3,003``, ``3,003 DKK``, ``€42.50``: whole units from 100 up, cents below; without a
    currency, the bare amount to the cent (``3,003.00``); "—" without an amount."""
    if amount is None:
        return "—"
    if currency is None:
        return f"{amount:,.2f}"
    number = f"{amount:,.0f}" if abs(amount) >= 100 else f"{amount:,.2f}"
    symbol, before = CURRENCY_SYMBOLS.get(currency, (currency, False))
    if not before:
        return f"{number} {symbol}"
    return f"-{symbol}{number[1:]}" if number.startswith("-") else f"{symbol}{number}"


ELLIPSIS = "…"


def cut_plain(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending in "…" when it was cut: for
    ``plain_text`` (headers, buttons, options, labels, titles) and for typed text before it is
    escaped."""
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


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
    splitting an entity (escaping makes text longer than the cut-off applied before it) or a
    mention or link the bot built (``<@U…>``, ``<#C…>``, ``<url|label>``)."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    start = cut.rfind("&", max(0, limit - _LONGEST_ENTITY + 1))
    if start != -1 and ";" not in cut[start:]:
        cut = cut[:start]
    opened = cut.rfind("<")  # escaped text has no "<": this one opens the bot's own markup
    return cut[:opened] if opened > cut.rfind(">") else cut


def fit_mrkdwn(text: str, limit: int) -> str:
    """Mrkdwn in at most ``limit`` characters: cut as ``cut_mrkdwn`` cuts, ending in "…"."""
    return text if len(text) <= limit else cut_mrkdwn(text, limit - 1) + ELLIPSIS


def and_more(hidden: int) -> str:
    return f"…and {hidden} more"


def join_within(
    rows: Sequence[str],
    limit: int,
    *,
    sep: str = "\n",
    left_out: int = 0,
    more: Callable[[int], str] = and_more,
) -> str:
    """``rows`` joined by ``sep`` in at most ``limit`` characters: the first rows that fit, then
    ``more(n)`` counting the rows left out, with ``left_out`` more left out before (a list
    already capped by count). A first row too long to fit alone is cut with ``fit_mrkdwn``."""
    whole = [*rows, more(left_out)] if left_out else list(rows)
    if len(sep.join(whole)) <= limit:
        return sep.join(whole)
    total = len(rows) + left_out
    budget = limit - len(sep) - len(more(total))
    shown: list[str] = []
    size = -len(sep)
    for row in rows:
        if size + len(sep) + len(row) > budget:
            break
        shown.append(row)
        size += len(sep) + len(row)
    if not shown and rows and budget > 0:
        shown = [fit_mrkdwn(rows[0], budget)]
    return sep.join([*shown, more(total - len(shown))])


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
TEXT_LIMIT = 4000  # a message's own text: Slack truncates at 40,000 and advises 4,000 at most
FENCE = "```"


def shared_unit(lines: Sequence[LinePeriod]) -> str | None:
    """The unit every line counts in, or None when they differ (or there is no line)."""
    units = {line.unit for line in lines}
    return units.pop() if len(units) == 1 else None


def plant_vs_target(actual: int, target: int, unit: str | None) -> str:
    """A total over lines: ``4,588 / 5,120 cases (90%)`` when every line counts in ``unit``,
    else only the attainment, ``90% of target``: units of different lines never add up."""
    if unit is not None:
        return amount_vs_target(actual, target, unit)
    return f"{percent(actual / target)} of target" if target else "no target"


def amount_vs_target(actual: int, target: int, unit: str | None = None) -> str:
    """``4,588 / 5,120 (90%)``, or ``4,588 (no target)``."""
    units = f" {escape(unit)}" if unit else ""
    if not target:
        return f"{actual:,}{units} (no target)"
    return f"{actual:,} / {target:,}{units} ({percent(actual / target)})"


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
    return [HeaderBlock(text=cut_plain(title, HEADER_LIMIT)), _context(subtitle)]


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
        notes.append(f"{plural(idle, 'line')} not planned and idle")
    blocks: list[Block] = [SectionBlock(text=code_block(section)) for section in sections]
    if notes:
        blocks.append(_context(" · ".join(notes)))
    return blocks


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=text)])
