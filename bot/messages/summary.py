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
    SECTION_LIMIT,
    cut_mrkdwn,
    escape,
    minutes,
    percent,
    progress_bar,
    quantity,
    shift_label,
)
from bot.numbers.production import ShiftBoardView


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
        "\n".join(
            [minutes(totals.delay_minutes)]
            + [
                f"• {escape(reason)}: {minutes(mins)}"
                for reason, mins in totals.delays_by_reason.items()
            ]
        )
        if totals.delays_by_reason
        else "none"
    )
    issues = (
        "\n".join(
            f"{SEVERITY_ICON[i.severity]} {i.severity} — {escape(i.text[:200])} ({i.status})"
            for i in view.open_issues[:10]
        )
        or "none open"
    )
    blocks: list[Block] = [
        HeaderBlock(text=f"{view.line_code} shift summary"[:150]),
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
                cut_mrkdwn(f"*Downtime*\n{delays}", FIELD_LIMIT),
                cut_mrkdwn(f"*Issues*\n{issues}", FIELD_LIMIT),
            ],
        ),
    ]
    if pending_handover:
        blocks.append(SectionBlock(text=cut_mrkdwn(pending_handover, SECTION_LIMIT)))
    return blocks
