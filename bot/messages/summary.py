"""The end-of-shift summary posted to the line channel: the shift's numbers, its OEE with the
biggest loss, and the hour-by-hour board (planned, actual and cumulative gap per clock hour)."""

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.messages.board import SEVERITY_ICON, actual_vs_target
from bot.messages.format import (
    FIELD_LIMIT,
    HEADER_LIMIT,
    SECTION_LIMIT,
    chunk_rows,
    code_block,
    cut_plain,
    escape,
    fit_mrkdwn,
    join_within,
    minutes,
    percent,
    progress_bar,
    quantity,
    rate,
    shift_label,
)
from bot.messages.shift_losses import hour_table, loss_notes, oee_line
from bot.numbers.hourly import HourRow
from bot.numbers.loss_model import Losses
from bot.numbers.production import ShiftBoardView

ISSUES_SHOWN = 10
ISSUE_TEXT_SHOWN = 200  # typed characters of an open issue


def shift_summary_text(view: ShiftBoardView) -> str:
    result = (
        f"not reported, {quantity(view.target or 0, view.unit)} planned"
        if _unreported(view)
        else actual_vs_target(view)
    )
    losses = _shown_losses(view)
    if losses is not None and losses.ideal_rate is not None:
        result += f" · OEE {rate(losses.oee)}"
    return f"{view.line_code} {shift_label(view.instance, view.zone)} ended: {result}"


def _unreported(view: ShiftBoardView) -> bool:
    """A planned shift (it had a target) with no output entry: not 0%, unknown."""
    return view.target is not None and not view.totals.output_entries


def _shown_losses(view: ShiftBoardView) -> Losses | None:
    """The loss model when output was reported: a shift without output has no OEE to show (it
    is not reported, never 0%)."""
    return view.losses if view.totals.output_entries else None


def build_shift_summary_blocks(
    view: ShiftBoardView,
    *,
    reported: bool,
    pending_handover: str | None = None,
    hours: Sequence[HourRow] = (),
) -> list[Block]:
    """``pending_handover``: the note handed to this shift that nobody acknowledged; ``hours``:
    the shift's hour-by-hour rows (``bot.numbers.hourly``), shown once output was reported."""
    totals = view.totals
    delays = (
        join_within(
            [minutes(totals.delay_minutes)]
            + [
                f"• {escape(reason)}: {minutes(mins)}"
                for reason, mins in totals.delays_by_reason.items()
            ],
            FIELD_LIMIT - len("*Downtime*\n"),
        )
        if totals.delays_by_reason
        else "none"
    )
    issues = (
        join_within(
            [
                f"{SEVERITY_ICON[i.severity]} {i.severity} — "
                f"{escape(cut_plain(i.text, ISSUE_TEXT_SHOWN))} ({i.status})"
                for i in view.open_issues[:ISSUES_SHOWN]
            ],
            FIELD_LIMIT - len("*Issues*\n"),
            left_out=max(0, len(view.open_issues) - ISSUES_SHOWN),
        )
        or "none open"
    )
    if _unreported(view):
        headline = (
            f"*Not reported:* no output was reported for this shift, so its target of "
            f"{quantity(view.target or 0, view.unit)} is unaccounted for."
        )
    elif reported:
        headline = f"*{actual_vs_target(view)}*  `{progress_bar(view.attainment)}`"
    else:
        headline = "*No output was reported for this shift.*"
    blocks: list[Block] = [
        HeaderBlock(text=cut_plain(f"{view.line_code} shift summary", HEADER_LIMIT)),
        ContextBlock(elements=[MarkdownTextObject(text=shift_label(view.instance, view.zone))]),
        SectionBlock(
            text=headline,
            fields=[
                "*Attainment*\n"
                + ("not reported" if _unreported(view) else percent(view.attainment)),
                f"*Scrap rate*\n{rate(totals.scrap_rate)} ({quantity(totals.scrap, view.unit)})",
                f"*Downtime*\n{delays}",
                f"*Issues*\n{issues}",
            ],
        ),
    ]
    if (losses := _shown_losses(view)) is not None:
        notes = loss_notes(losses)
        blocks.append(SectionBlock(text=oee_line(losses) + (f"\n{notes}" if notes else "")))
    if hours and view.totals.output_entries:
        for number, rows in enumerate(chunk_rows(hour_table(list(hours)))):
            title = "" if number else "*Hour by hour*\n"
            blocks.append(SectionBlock(text=title + code_block(rows)))
    if pending_handover:
        blocks.append(SectionBlock(text=fit_mrkdwn(pending_handover, SECTION_LIMIT)))
    return blocks
