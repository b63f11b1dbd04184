"""The handover message in the line channel, its Acknowledge button, and the replies about it."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.messages.board import SEVERITY_ICON
from bot.messages.format import (
    SECTION_LIMIT,
    cut_plain,
    escape,
    fit_mrkdwn,
    join_within,
    local_clock,
    mention,
)
from bot.messages.ids import ActionId
from bot.records.handover import HandoverView, RecordedHandover

MAX_ISSUES_SHOWN = 10
ISSUE_TEXT_SHOWN = 200  # typed characters of an open issue


def _route(view: HandoverView) -> str:
    return f"{escape(view.from_label)} → {escape(view.to_label)}"


def handover_text(view: HandoverView) -> str:
    """Fallback text and notification: who hands over which shift to which."""
    issues = len(view.issues)
    return (
        f"🔁 Handover {view.line_code} {_route(view)} by "
        f"{mention(view.written_by)}: {issues or 'no'} open issue{'s' if issues != 1 else ''}"
    )


def acknowledgement_text(view: HandoverView) -> str:
    if view.acknowledged_by is None or view.acknowledged_at is None:
        return f"⏳ Waiting for the lead of {escape(view.to_label)} to acknowledge."
    return (
        f"✅ Acknowledged by {mention(view.acknowledged_by)} at "
        f"{local_clock(view.acknowledged_at, view.zone)}"
    )


def build_handover_blocks(view: HandoverView) -> list[Block]:
    """The note, the issues open at hand-over time (current status), and the button or who
    pressed it."""
    note = (
        "\n".join(f"> {escape(line)}" for line in view.note.splitlines())
        if view.note
        else "_No note._"
    )
    issues_head = "*Open issues at handover*\n"
    issues = (
        join_within(
            [
                f"{SEVERITY_ICON[i.severity]} {i.severity} — "
                f"{escape(cut_plain(i.text, ISSUE_TEXT_SHOWN))} ({i.status})"
                for i in view.issues[:MAX_ISSUES_SHOWN]
            ],
            SECTION_LIMIT - len(issues_head),
            left_out=max(0, len(view.issues) - MAX_ISSUES_SHOWN),
        )
        if view.issues
        else "none"
    )
    blocks: list[Block] = [
        SectionBlock(
            text=(
                f"🔁 *Handover {view.line_code}* · {_route(view)}\n"
                f"from {mention(view.written_by)} at {local_clock(view.written_at, view.zone)}"
            )
        ),
        SectionBlock(text=fit_mrkdwn(note, SECTION_LIMIT)),
        SectionBlock(text=issues_head + issues),
    ]
    if view.acknowledged_by is None:
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text="Acknowledge",
                        action_id=ActionId.ACKNOWLEDGE_HANDOVER,
                        value=str(view.id),
                        style="primary",
                    )
                ]
            )
        )
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=acknowledgement_text(view))]))
    return blocks


def handover_saved_text(recorded: RecordedHandover) -> str:
    """The ephemeral reply to the outgoing lead."""
    view = recorded.view
    again = " (already saved — this was a repeat of the same request)" if recorded.duplicate else ""
    issues = len(view.issues)
    return (
        f"✅ Handover for {view.line_code} ({_route(view)}) with {issues or 'no'} open "
        f"issue{'s' if issues != 1 else ''} goes to <#{view.channel_id}>; the lead of "
        f"{escape(view.to_label)} acknowledges it there.{again}"
    )


def already_acknowledged_text(view: HandoverView) -> str:
    """A second press, by anyone: polite, and says who was first."""
    return f"Thanks — this handover is already acknowledged. {acknowledgement_text(view)}."


def unacknowledged_handover_text(view: HandoverView) -> str:
    """The line the next shift's summary carries while nobody has acknowledged the handover."""
    return (
        f"⚠️ *Handover not acknowledged:* {mention(view.written_by)}'s handover from "
        f"{escape(view.from_label)} ({local_clock(view.written_at, view.zone)}) is still "
        "waiting for the incoming lead."
    )
