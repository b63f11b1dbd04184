"""The weekly review for the digest channel and each head, and the repeat-problem callout.

Slack allows 50 blocks per message and 3000 characters per section text. The per-line table is
a code block split into sections that fit; when ``MAX_TABLE_SECTIONS`` cannot hold every line,
the lines furthest below target are shown and the message says how many more there are. Losses
and repeat problems are capped the same way, and say so.
"""

from collections.abc import Callable, Sequence

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.messages.format import (
    amount_vs_target,
    chunk_rows,
    code_block,
    minutes,
    percent,
    progress_bar,
)
from bot.numbers.repeats import RepeatProblem
from bot.numbers.weekly import Discipline, LineWeek, Trend, WeeklyReview

MAX_TABLE_SECTIONS = 8
LOSSES_SHOWN = 5
# Codes and reasons are at most 32 characters, so 15 rows of about 150 fit one section.
REPEATS_SHOWN = 15


def weekly_text(review: WeeklyReview) -> str:
    """The notification and screen-reader text."""
    return (
        f"{review.site_name} week {review.period} ({review.first:%d %b}–{review.last:%d %b}): "
        f"plant {amount_vs_target(review.total_planned_good, review.total_target)} · "
        f"downtime {minutes(review.downtime.current)} {_trend(review.downtime, minutes)} · "
        f"reported on time {_discipline(review.discipline)}"
    )


def build_weekly_blocks(review: WeeklyReview) -> list[Block]:
    blocks: list[Block] = [
        HeaderBlock(text=f"Weekly review · {review.site_name}"[:150]),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"Week {review.period} · {review.first:%a %d %b}–{review.last:%a %d %b %Y}"
                )
            ]
        ),
        SectionBlock(text=_plant(review)),
        *_line_table(review.lines),
        DividerBlock(),
        SectionBlock(text=_losses(review)),
    ]
    return blocks + (
        build_repeat_problem_blocks(review.repeats)
        or [SectionBlock(text="*Repeat problems*\nnone this week")]
    )


def build_repeat_problem_blocks(problems: Sequence[RepeatProblem]) -> list[Block]:
    """The repeat problems as one section, or no block at all when there are none."""
    if not problems:
        return []
    rows = [
        f"• *{p.line_code}* · {p.reason} · {p.occurrences}× in 7 days, {minutes(p.minutes)} "
        f"({p.first_seen:%d %b}–{p.last_seen:%d %b})" + (" · *new*" if p.is_new else "")
        for p in problems[:REPEATS_SHOWN]
    ]
    if len(problems) > REPEATS_SHOWN:
        rows.append(f"…and {len(problems) - REPEATS_SHOWN} more")
    text = "*Repeat problems* · same delay on the same line 3 times in 7 days\n" + "\n".join(rows)
    return [SectionBlock(text=text)]


def _plant(review: WeeklyReview) -> str:
    discipline = review.discipline
    return (
        f"*Plant* {amount_vs_target(review.total_planned_good, review.total_target)}  "
        f"`{progress_bar(review.attainment)}`\n"
        f"Scrap {review.scrap.current:,} {_trend(review.scrap, _units)} · "
        f"downtime {minutes(review.downtime.current)} {_trend(review.downtime, minutes)}\n"
        f"Reported on time {_discipline(discipline)}"
        + (f" · {discipline.late} late" if discipline.late else "")
        + (f" · {discipline.missing} missing" if discipline.missing else "")
    )


def _line_table(lines: Sequence[LineWeek]) -> list[Block]:
    """Per-line rows as code-block sections: every line if they fit, else the furthest behind."""
    shown = [line for line in lines if line.target is not None or line.good or line.scrap]
    width = max((len(line.code) for line in shown), default=0)
    sections = chunk_rows([_row(line, width) for line in shown])
    notes = []
    if len(sections) > MAX_TABLE_SECTIONS:
        worst = sorted(shown, key=lambda line: (line.attainment or 0.0, line.code))
        sections = chunk_rows([_row(line, width) for line in worst])[:MAX_TABLE_SECTIONS]
        hidden = len(worst) - sum(len(section) for section in sections)
        notes.append(f"…and {hidden} more lines closer to target")
    if idle := len(lines) - len(shown):
        notes.append(f"{idle} line{'s' if idle != 1 else ''} not planned and idle")
    blocks: list[Block] = [SectionBlock(text=code_block(section)) for section in sections]
    if notes:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=" · ".join(notes))]))
    return blocks


def _row(line: LineWeek, width: int) -> str:
    target = f"{line.target:,}" if line.target is not None else "—"
    shifts = line.discipline
    return (
        f"{line.code:<{width}} {line.planned_good:>10,} / {target:>10} "
        f"{percent(line.attainment):>5} {progress_bar(line.attainment)} "
        f"scrap {percent(line.scrap_rate):>4} down {line.delay_minutes:>5}m "
        f"on time {shifts.on_time:>2}/{shifts.shifts:<2} {percent(shifts.share):>4}"
    )


def _losses(review: WeeklyReview) -> str:
    if not review.losses:
        return "*Top losses*\nno downtime logged" + (
            f" (last week {minutes(review.downtime.previous)})" if review.downtime.previous else ""
        )
    shown = review.losses[:LOSSES_SHOWN]
    width = max(len(trend.name) for trend in shown)
    rows = [
        f"{trend.name:<{width}} {minutes(trend.current):>12}  last week "
        f"{minutes(trend.previous):>12}  {_trend(trend, minutes)}"
        for trend in shown
    ]
    if rest := review.losses[LOSSES_SHOWN:]:
        rows.append(
            f"…and {len(rest)} more reasons, {minutes(sum(trend.current for trend in rest))}"
        )
    return "*Top losses* · downtime by reason against last week\n" + code_block(rows)


def _trend(trend: Trend, unit: Callable[[int], str]) -> str:
    """``▲ +1 h 05 min`` when the loss grew, ``▼ −20 min`` when it shrank, ``= `` when equal."""
    if trend.delta > 0:
        return f"▲ +{unit(trend.delta)}"
    if trend.delta < 0:
        return f"▼ −{unit(-trend.delta)}"
    return "= last week"


def _units(value: int) -> str:
    return f"{value:,}"


def _discipline(discipline: Discipline) -> str:
    if not discipline.shifts:
        return "— (no planned shift)"
    return f"{discipline.on_time}/{discipline.shifts} shifts ({percent(discipline.share)})"
