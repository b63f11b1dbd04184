"""The live shift board and the lines posted into its thread."""

from dataclasses import dataclass

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.messages.format import (
    SECTION_LIMIT,
    cut_mrkdwn,
    escape,
    local_clock,
    mention,
    minutes,
    percent,
    progress_bar,
    shift_label,
)
from bot.numbers.production import ShiftBoardView

MAX_ISSUES_SHOWN = 5
SEVERITY_ICON = {"critical": "🔴", "high": "🟠", "medium": "🟡", "low": "⚪"}


def actual_vs_target(view: ShiftBoardView) -> str:
    actual = f"{view.totals.good:,}"
    if view.target is None:
        return f"{actual} {escape(view.unit)} (no target)"
    return f"{actual} / {view.target:,} {escape(view.unit)} ({percent(view.attainment)})"


def board_text(view: ShiftBoardView) -> str:
    """The notification and screen-reader text of the board."""
    return f"{view.line_code} {shift_label(view.instance, view.zone)}: {actual_vs_target(view)}"


def build_board_blocks(view: ShiftBoardView, *, final: bool = False) -> list[Block]:
    """The live board; ``final`` once the shift has ended and its summary is posted."""
    totals = view.totals
    delays = (
        minutes(totals.delay_minutes)
        + " ("
        + ", ".join(f"{escape(reason)} {mins}" for reason, mins in totals.delays_by_reason.items())
        + ")"
        if totals.delay_minutes
        else "none"
    )
    scrap = f"{totals.scrap:,} ({percent(totals.scrap_rate)})" if totals.scrap else "0"
    pace = (
        f"{percent(view.pace)} of target at this rate"
        if view.pace is not None
        else "— (too early to tell)"
    )
    blocks: list[Block] = [
        HeaderBlock(text=f"{view.line_code} · {view.line_name}"[:150]),
        ContextBlock(elements=[MarkdownTextObject(text=shift_label(view.instance, view.zone))]),
        SectionBlock(
            text=f"*Actual* {actual_vs_target(view)}\n`{progress_bar(view.attainment)}`",
            fields=[
                f"*Pace*\n{pace}",
                f"*Scrap*\n{scrap}",
                f"*Delays*\n{delays}",
                f"*Open issues*\n{len(view.open_issues) or 'none'}",
            ],
        ),
    ]
    if view.open_issues:
        shown = view.open_issues[:MAX_ISSUES_SHOWN]
        lines = [
            f"{SEVERITY_ICON[i.severity]} *{i.severity}* {escape(i.text[:150])} _({i.status})_"
            for i in shown
        ]
        if len(view.open_issues) > len(shown):
            lines.append(f"…and {len(view.open_issues) - len(shown)} more")
        blocks.append(SectionBlock(text=cut_mrkdwn("\n".join(lines), SECTION_LIMIT)))
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=(
                        f"Shift closed · final numbers as of {local_clock(view.at, view.zone)}"
                        if final
                        else f"Updated {local_clock(view.at, view.zone)} · "
                        "every entry is in the thread"
                    )
                )
            ]
        )
    )
    return blocks


def _note(note: str | None) -> str:
    return f" — _{escape(note[:300])}_" if note else ""


@dataclass(frozen=True)
class OutputLine:
    """An output entry as its thread line shows it."""

    good: int
    scrap: int
    reported_by: str
    voided_by: str | None
    note: str | None


@dataclass(frozen=True)
class DelayLine:
    minutes: int
    reason: str
    reported_by: str
    voided_by: str | None
    note: str | None


@dataclass(frozen=True)
class IssueLine:
    severity: str
    category: str | None
    text: str
    raised_by: str


ThreadEntry = OutputLine | DelayLine | IssueLine


def thread_line(entry: ThreadEntry, view: ShiftBoardView) -> str:
    """The line an entry adds to its board's thread, with the board's numbers after it."""
    match entry:
        case OutputLine():
            return output_thread_line(entry, view)
        case DelayLine():
            return delay_thread_line(entry, view)
        case IssueLine():
            return issue_thread_line(entry)


def output_thread_line(entry: OutputLine, view: ShiftBoardView) -> str:
    made = f"+{entry.good:,} good" + (f", {entry.scrap:,} scrap" if entry.scrap else "")
    pace = f" · pace {percent(view.pace)}" if view.pace is not None else ""
    prefix = f"↩️ voided {made} by {mention(entry.voided_by)}" if entry.voided_by else made
    reporter = "" if entry.voided_by else f" · {mention(entry.reported_by)}"
    return f"{prefix} → {actual_vs_target(view)}{pace}{reporter}{_note(entry.note)}"


def delay_thread_line(entry: DelayLine, view: ShiftBoardView) -> str:
    lost = f"{minutes(view.totals.delay_minutes)} lost this shift"
    if entry.voided_by:
        voided = f"{minutes(entry.minutes)} {escape(entry.reason)} by {mention(entry.voided_by)}"
        return f"↩️ voided ⏱ {voided} → {lost}"
    return (
        f"⏱ {minutes(entry.minutes)} {escape(entry.reason)} → {lost} · "
        f"{mention(entry.reported_by)}{_note(entry.note)}"
    )


def issue_thread_line(issue: IssueLine) -> str:
    category = f" [{issue.category}]" if issue.category else ""
    return (
        f"{SEVERITY_ICON[issue.severity]} *{issue.severity.upper()}* issue{category}: "
        f"{escape(issue.text)} · {mention(issue.raised_by)}"
    )
