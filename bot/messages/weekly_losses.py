"""The weekly review's loss-model sections: OEE per line with its trend, the six-big-losses
Pareto, and MTBF/MTTR per line; and ``phone_row``, which keeps a code-block row readable on a
phone.

Every row inside a code block is at most ``PHONE_WIDTH`` characters as shown (before escaping):
a name that does not fit its column goes on a row of its own, the figures indented below it. A
table that needs more than ``TABLE_SECTIONS`` sections shows its worst lines and counts the rest.
"""

from collections.abc import Callable, Sequence

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.messages.format import (
    SECTION_LIMIT,
    code_block,
    cut_plain,
    escape,
    minutes,
    percent,
    plural,
    rate,
)
from bot.numbers.weekly_losses import LineOee, WeeklyOee

PHONE_WIDTH = 60
INDENT = "  "
TABLE_SECTIONS = 2
OEE_HEADING = "*OEE by line* · availability × performance × quality, change against last week"
PARETO_HEADING = "*Six big losses* · the site's lost time, share and cumulative share"
MTBF_HEADING = "*MTBF / MTTR* · breakdowns, run time between them, time to repair"
# Characters of the figures after the name: the name column is what is left of PHONE_WIDTH.
OEE_FIGURES = 43
MTBF_FIGURES = 39


def phone_row(name: str, column: int, figures: str) -> str:
    """``name`` padded to ``column`` then ``figures``, when that fits ``PHONE_WIDTH``; else the
    name on a row of its own and the figures indented on the next (both cut to fit)."""
    row = f"{name:<{column}} {figures}".rstrip()
    if len(name) <= column and len(row) <= PHONE_WIDTH:
        return row
    return cut_plain(name, PHONE_WIDTH) + "\n" + cut_plain(INDENT + figures, PHONE_WIDTH).rstrip()


def name_column(names: Sequence[str], figures: int) -> int:
    """The width of a name column: the longest name, at most what ``figures`` leave."""
    return min(max((len(name) for name in names), default=0), PHONE_WIDTH - 1 - figures)


def build_oee_blocks(oee: WeeklyOee) -> list[Block]:
    """The three loss-model sections of the weekly review."""
    if not oee.lines:
        return [SectionBlock(text="*OEE by line*\nno shift reported this week")]
    return [
        *_line_table(OEE_HEADING, oee.lines, OEE_FIGURES, _oee_figures),
        SectionBlock(text=_pareto(oee)),
        *_line_table(MTBF_HEADING, oee.lines, MTBF_FIGURES, _mtbf_figures),
    ]


def oee_change(line: LineOee) -> str:
    """``▲ +3.1 pt``, ``▼ −2.0 pt``, ``±0.0 pt``; ``new`` without an OEE last week."""
    if line.is_new:
        return "new"
    if line.oee_change is None:
        return "—"
    points = round(line.oee_change * 100, 1)
    if points > 0:
        return f"▲ +{points:.1f} pt"
    if points < 0:
        return f"▼ −{-points:.1f} pt"
    return "±0.0 pt"


def _oee_figures(line: LineOee) -> str:
    week = line.current
    a, q = percent(week.availability), percent(week.quality)
    if not line.has_ideal_rate:  # no performance, so no OEE: availability and quality only
        return f"{'no ideal rate':<21}  A {a:>4} {'':<6} Q {q:>4}"
    return (
        f"OEE {rate(line.oee):>6} {oee_change(line):<10}  "
        f"A {a:>4} P {percent(week.performance):>4} Q {q:>4}"
    )


def _mtbf_figures(line: LineOee) -> str:
    week = line.current
    mtbf, mttr = week.mtbf_minutes, week.mttr_minutes
    return f"{week.breakdowns:>2}×  MTBF {_duration(mtbf):>12}  MTTR {_duration(mttr):>10}"


def _duration(value: float | None) -> str:
    return "—" if value is None else minutes(round(value))


def _worst_first(line: LineOee) -> tuple[float, str]:
    """Lowest OEE first; a line without one by its availability."""
    share = line.oee if line.oee is not None else line.current.availability
    return (share or 0.0, line.code)


def _line_table(
    heading: str, lines: Sequence[LineOee], figures: int, row: Callable[[LineOee], str]
) -> list[Block]:
    """The lines' rows in code blocks under ``heading``; when more than ``TABLE_SECTIONS`` would
    be needed, the worst lines that fit and a note counting the others."""
    column = name_column([line.code for line in lines], figures)
    sections, hidden = _sections(heading, [phone_row(ln.code, column, row(ln)) for ln in lines])
    if not hidden:
        return sections
    worst = sorted(lines, key=_worst_first)
    sections, hidden = _sections(heading, [phone_row(ln.code, column, row(ln)) for ln in worst])
    note = f"…and {plural(hidden, 'more line')} with a higher OEE"
    return [*sections, ContextBlock(elements=[MarkdownTextObject(text=note)])]


def _sections(heading: str, rows: Sequence[str]) -> tuple[list[Block], int]:
    """``rows`` in at most ``TABLE_SECTIONS`` code-block sections, ``heading`` above the first;
    and how many rows did not fit."""
    chunks: list[list[str]] = [[]]
    budget = SECTION_LIMIT - len(heading) - 1 - len(code_block([]))
    size = 0
    for row in rows:
        if size + len(row) + 1 > budget:
            if len(chunks) == TABLE_SECTIONS:
                break
            chunks.append([])
            budget, size = SECTION_LIMIT - len(code_block([])), 0
        chunks[-1].append(row)
        size += len(row) + 1
    blocks: list[Block] = [
        SectionBlock(text=(heading + "\n" if n == 0 else "") + code_block(chunk))
        for n, chunk in enumerate(chunks)
    ]
    return blocks, len(rows) - sum(len(chunk) for chunk in chunks)


def _pareto(oee: WeeklyOee) -> str:
    """The site's big losses, largest first, in hours and minutes with share and cumulative
    share of the time lost."""
    unpriced = (
        f"\n_{plural(oee.unpriced_lines, 'line')} without an ideal rate: stops only, "
        "no speed or scrap loss in minutes_"
        if oee.unpriced_lines
        else ""
    )
    total = oee.lost_minutes
    if not total:
        return f"{PARETO_HEADING}\nno time lost this week{unpriced}"
    rows = [f"{'':<19} {'lost':>12} {'share':>5} {'cum.':>5}"]
    cumulative = 0.0
    for loss, lost in oee.big_losses.items():
        cumulative += lost
        rows.append(  # padded first, then escaped ("Setup & adjustments"): columns line up
            escape(
                f"{loss.value:<19} {minutes(round(lost)):>12} "
                f"{percent(lost / total):>5} {percent(cumulative / total):>5}"
            )
        )
    return f"{PARETO_HEADING}\n{code_block(rows)}{unpriced}"
