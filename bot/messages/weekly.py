"""The weekly review for the digest channel and each head, and the repeat-problem callout.

It keeps within Slack's limits of 50 blocks per message and 3000 characters per section text:
the per-line table is shared with the daily digest (``bot.messages.format.line_table``) and
shows the lines furthest below target when not all fit. Losses and repeat problems are capped
too; whatever is left out is counted in the message. The loss model's sections (OEE, the big
losses, MTBF/MTTR) are ``bot.messages.weekly_losses``'.

Every code-block row fits a phone: at most ``PHONE_WIDTH`` (60) characters as shown; a code or
reason too long for its column goes on a row of its own with the figures below it.
"""

from collections.abc import Callable, Sequence

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.messages.format import (
    NAME_WIDTH,
    SECTION_LIMIT,
    TEXT_LIMIT,
    code_block,
    cut_plain,
    escape,
    fit_mrkdwn,
    join_within,
    line_table,
    minutes,
    percent,
    plant_vs_target,
    plural,
    progress_bar,
    rate,
    report_header,
    shared_unit,
)
from bot.messages.weekly_losses import PHONE_WIDTH, build_oee_blocks, name_column, phone_row
from bot.numbers.discipline import Discipline
from bot.numbers.repeats import RepeatProblem
from bot.numbers.weekly import LineWeek, Trend, WeeklyReview

LOSSES_SHOWN = 5
# Characters of a line's figures in the per-line table and of a reason's in the top losses.
LINE_FIGURES = 45
LOSS_FIGURES = 31
LINE_LEGEND = (
    "Per line: made / target · attainment · scrap rate · downtime · shifts reported on time"
)
# Codes and reasons are at most 32 characters, so 15 rows of about 150 fit one section; longer
# rows (escaped text) are counted in "…and N more" when they do not.
REPEATS_SHOWN = 15


def weekly_text(review: WeeklyReview) -> str:
    """The notification and screen-reader text, within ``TEXT_LIMIT``."""
    text = (
        f"{escape(review.site_name)} week {review.period} "
        f"({review.first:%d %b}–{review.last:%d %b}): "
        f"plant {_plant_vs_target(review)} · "
        f"downtime {minutes(review.downtime.current)} {_trend(review.downtime, minutes)} · "
        f"reported on time {_discipline(review.discipline)}"
    )
    return fit_mrkdwn(text, TEXT_LIMIT)


def build_weekly_blocks(review: WeeklyReview) -> list[Block]:
    blocks: list[Block] = [
        *report_header(
            f"Weekly review · {review.site_name}",
            f"Week {review.period} · {review.first:%a %d %b}–{review.last:%a %d %b %Y}",
        ),
        SectionBlock(text=_plant(review)),
        ContextBlock(elements=[MarkdownTextObject(text=LINE_LEGEND)]),
        *line_table(review.lines, row=_row, worst_first=_behind_first, hidden_note=_hidden_note),
        DividerBlock(),
        SectionBlock(text=_losses(review)),
        DividerBlock(),
        *build_oee_blocks(review.oee),
        DividerBlock(),
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
        f"• *{p.line_code}* · {escape(cut_plain(p.reason, NAME_WIDTH))} · {p.occurrences}× in "
        f"7 days, {minutes(p.minutes)} ({p.first_seen:%d %b}–{p.last_seen:%d %b})"
        + (" · *new*" if p.is_new else "")
        for p in problems[:REPEATS_SHOWN]
    ]
    head = "*Repeat problems* · same delay on the same line 3 times in 7 days\n"
    hidden = max(0, len(problems) - REPEATS_SHOWN)
    return [SectionBlock(text=head + join_within(rows, SECTION_LIMIT - len(head), left_out=hidden))]


def _plant_vs_target(review: WeeklyReview) -> str:
    """In the lines' unit when they share one, else as attainment only."""
    return plant_vs_target(
        review.total_planned_good, review.total_target, shared_unit(review.lines)
    )


def _plant(review: WeeklyReview) -> str:
    discipline = review.discipline
    unit = shared_unit(review.lines)
    scrap = (  # scrap of different units does not add up: each line's rate is in the table
        f"Scrap {review.scrap.current:,} {escape(unit)} {_trend(review.scrap, _units)} · "
        if unit is not None
        else ""
    )
    return (
        f"*Plant* {_plant_vs_target(review)}  "
        f"`{progress_bar(review.attainment)}`\n"
        f"{scrap}{'downtime' if scrap else 'Downtime'} {minutes(review.downtime.current)} "
        f"{_trend(review.downtime, minutes)}\n"
        f"Reported on time {_discipline(discipline)}"
        + (f" · {discipline.late} late" if discipline.late else "")
        + (f" · {discipline.missing} missing" if discipline.missing else "")
    )


def _row(line: LineWeek, width: int) -> str:
    """``L1   1,400/11,000   13% scrap  1.4%    75m  1/15``: at most ``PHONE_WIDTH``."""
    target = f"{line.target:,}" if line.target is not None else "—"
    shifts = line.discipline
    figures = (
        f"{line.planned_good:>7,}/{target:<7} {percent(line.attainment):>4} "
        f"scrap {rate(line.scrap_rate):>5} {line.delay_minutes:>5,}m "
        f"{shifts.on_time:>2}/{shifts.shifts:<2}"
    )
    return phone_row(line.code, min(width, PHONE_WIDTH - 1 - LINE_FIGURES), figures)


def _behind_first(line: LineWeek) -> tuple[float, str]:
    """Lowest attainment first; a line without a target counts as 0%."""
    return (line.attainment or 0.0, line.code)


def _hidden_note(hidden: Sequence[LineWeek]) -> str:
    return f"…and {plural(len(hidden), 'more line')} closer to target"


def _losses(review: WeeklyReview) -> str:
    if not review.losses:
        return "*Top losses*\nno downtime logged" + (
            f" (last week {minutes(review.downtime.previous)})" if review.downtime.previous else ""
        )
    shown = review.losses[:LOSSES_SHOWN]
    names = [cut_plain(trend.name, NAME_WIDTH) for trend in shown]
    width = name_column(names, LOSS_FIGURES)
    rows = [  # cut and laid out first, then escaped: the columns line up as shown
        escape(phone_row(name, width, f"{minutes(trend.current):>12}  {_trend(trend, minutes)}"))
        for name, trend in zip(names, shown, strict=True)
    ]
    if rest := review.losses[LOSSES_SHOWN:]:
        rows.append(
            f"…and {plural(len(rest), 'more reason')}, "
            f"{minutes(sum(trend.current for trend in rest))}"
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
    shifts = plural(discipline.shifts, "shift")
    return f"{discipline.on_time}/{shifts} ({percent(discipline.share)})"
