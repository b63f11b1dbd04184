"""The live shift board and the lines posted into its thread.

Within Slack's limits: the board lists the first open issues and the delay reasons that fit,
counting the rest; each thread line stays within a section's 3,000 characters, and a refresh's
lines are split into posts of at most 4,000 characters (``thread_posts``).
"""

from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.messages.format import (
    FIELD_LIMIT,
    HEADER_LIMIT,
    SECTION_LIMIT,
    TEXT_LIMIT,
    cut_plain,
    escape,
    fit_mrkdwn,
    join_within,
    local_clock,
    mention,
    minutes,
    percent,
    progress_bar,
    shift_label,
)
from bot.messages.shift_losses import oee_parts
from bot.numbers.production import ShiftBoardView

MAX_ISSUES_SHOWN = 5
ISSUE_TEXT_SHOWN = 150  # typed characters of an open issue on the board
THREAD_LINE_LIMIT = SECTION_LIMIT
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
    delays = "none"
    if totals.delay_minutes:
        lost = minutes(totals.delay_minutes)
        reasons = [f"{escape(reason)} {mins}" for reason, mins in totals.delays_by_reason.items()]
        budget = FIELD_LIMIT - len(f"*Delays*\n{lost} ()")
        delays = f"{lost} ({join_within(reasons, budget, sep=', ')})"
    scrap = f"{totals.scrap:,} ({percent(totals.scrap_rate)})" if totals.scrap else "0"
    pace = (
        f"{percent(view.pace)} of target at this rate"
        if view.pace is not None
        else "— (too early to tell)"
    )
    fields = [
        f"*Pace*\n{pace}",
        f"*Scrap*\n{scrap}",
        f"*Delays*\n{delays}",
        f"*Open issues*\n{len(view.open_issues) or 'none'}",
    ]
    if view.losses is not None and view.losses.ideal_rate is not None:
        fields.append(f"*{'OEE' if final else 'OEE so far'}*\n{oee_parts(view.losses)}")
    if view.operators_good is not None:
        fields.append(f"*Operators' count*\n{operators_gap(view)}")
    blocks: list[Block] = [
        HeaderBlock(text=cut_plain(f"{view.line_code} · {view.line_name}", HEADER_LIMIT)),
        ContextBlock(elements=[MarkdownTextObject(text=shift_label(view.instance, view.zone))]),
        SectionBlock(
            text=f"*Actual* {actual_vs_target(view)}\n`{progress_bar(view.attainment)}`",
            fields=fields,
        ),
    ]
    if view.open_issues:
        shown = view.open_issues[:MAX_ISSUES_SHOWN]
        lines = [
            f"{SEVERITY_ICON[i.severity]} *{i.severity}* "
            f"{escape(cut_plain(i.text, ISSUE_TEXT_SHOWN))} _({i.status})_"
            for i in shown
        ]
        hidden = len(view.open_issues) - len(shown)
        blocks.append(SectionBlock(text=join_within(lines, SECTION_LIMIT, left_out=hidden)))
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


def operators_gap(view: ShiftBoardView) -> str:
    """A line counted by both: what its operators reported, against the machine's count."""
    reported = view.operators_good or 0
    gap = reported - view.totals.good
    return f"{reported:,} ({gap:+,} vs machine)"


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
    """The line an entry adds to its board's thread, with the board's numbers after it; at most
    ``THREAD_LINE_LIMIT`` characters."""
    match entry:
        case OutputLine():
            line = output_thread_line(entry, view)
        case DelayLine():
            line = delay_thread_line(entry, view)
        case IssueLine():
            line = issue_thread_line(entry)
    return fit_mrkdwn(line, THREAD_LINE_LIMIT)


def thread_posts(lines: Sequence[str], *, max_lines: int) -> list[str]:
    """The thread lines of one board refresh as the texts of its thread posts: the first
    ``max_lines`` lines and a count of the others, in as few posts as keep each within
    ``TEXT_LIMIT`` characters (each line is at most ``THREAD_LINE_LIMIT``)."""
    shown = [fit_mrkdwn(line, THREAD_LINE_LIMIT) for line in lines[:max_lines]]
    if hidden := len(lines) - len(shown):
        shown.append(f"…and {hidden} more entries")
    posts: list[list[str]] = []
    size = 0
    for line in shown:
        if not posts or size + 1 + len(line) > TEXT_LIMIT:
            posts.append([])
            size = -1
        posts[-1].append(line)
        size += 1 + len(line)
    return ["\n".join(post) for post in posts]


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
    """The issue with as much of its text as keeps the line within ``THREAD_LINE_LIMIT``."""
    category = f" [{issue.category}]" if issue.category else ""
    head = f"{SEVERITY_ICON[issue.severity]} *{issue.severity.upper()}* issue{category}: "
    tail = f" · {mention(issue.raised_by)}"
    text = fit_mrkdwn(escape(issue.text), THREAD_LINE_LIMIT - len(head) - len(tail))
    return f"{head}{text}{tail}"
