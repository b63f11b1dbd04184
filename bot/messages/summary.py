"""The end-of-shift summary posted to the line channel."""

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
    cut_plain,
    escape,
    fit_mrkdwn,
    join_within,
    minutes,
    percent,
    progress_bar,
    quantity,
    shift_label,
)
from bot.numbers.production import ShiftBoardView

ISSUES_SHOWN = 10
ISSUE_TEXT_SHOWN = 200  # typed characters of an open issue


def shift_summary_text(view: ShiftBoardView) -> str:
    return (
        f"{view.line_code} {shift_label(view.instance, view.zone)} ended: {actual_vs_target(view)}"
    )


def build_shift_summary_blocks(
    view: ShiftBoardView, *, reported: bool, pending_handover: str | None = None
) -> list[Block]:
    """``pending_handover``: the note handed to this shift that nobody acknowledged."""
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
    blocks: list[Block] = [
        HeaderBlock(text=cut_plain(f"{view.line_code} shift summary", HEADER_LIMIT)),
        ContextBlock(elements=[MarkdownTextObject(text=shift_label(view.instance, view.zone))]),
        SectionBlock(
            text=(
                f"*{actual_vs_target(view)}*  `{progress_bar(view.attainment)}`"
                if reported
                else "*No output was reported for this shift.*"
            ),
            fields=[
                f"*Attainment*\n{percent(view.attainment)}",
                f"*Scrap rate*\n{percent(totals.scrap_rate)} ({quantity(totals.scrap, view.unit)})",
                f"*Downtime*\n{delays}",
                f"*Issues*\n{issues}",
            ],
        ),
    ]
    if pending_handover:
        blocks.append(SectionBlock(text=fit_mrkdwn(pending_handover, SECTION_LIMIT)))
    return blocks
