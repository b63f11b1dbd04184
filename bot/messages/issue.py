"""The issue message with its Acknowledge and Resolve buttons, the resolve modal, and the pings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.messages.board import SEVERITY_ICON
from bot.messages.format import (
    SECTION_LIMIT,
    TEXT_LIMIT,
    cut_plain,
    escape,
    fit_mrkdwn,
    local_clock,
    mention,
    minutes,
)
from bot.messages.ids import ActionId, BlockId, CallbackId
from bot.numbers.issues import IssueView, PingKind, StatusMark

NOTE_MAX_LENGTH = 1000
PING_BODY_LIMIT = 2500
MARK_NOTE_SHOWN = 500  # typed characters of an acknowledgement or resolution note
# The fallback text shows the issue in this many mrkdwn characters, within ``TEXT_LIMIT``.
ISSUE_TEXT_LIMIT = TEXT_LIMIT - 500


@dataclass(frozen=True)
class Ping:
    """A DM about an issue, as sent at ``at``; ``link`` points at the issue message once posted."""

    kind: PingKind
    issue: IssueView
    at: datetime
    link: str | None


class ResolveModalState(BaseModel):
    """What the resolve modal carries in ``private_metadata`` to its submission."""

    issue_id: int


def _headline(issue: IssueView) -> str:
    """The issue with as much of its text as fits one section."""
    category = f" [{issue.category}]" if issue.category else ""
    head = (
        f"{SEVERITY_ICON[issue.severity]} *{issue.severity.upper()}* issue on "
        f"{issue.line_code}{category}: "
    )
    return head + fit_mrkdwn(escape(issue.text), SECTION_LIMIT - len(head))


def _mark(verb: str, issue: IssueView, mark: StatusMark) -> str:
    note = f" — _{escape(cut_plain(mark.note, MARK_NOTE_SHOWN))}_" if mark.note else ""
    return f"{verb} by {mention(mark.by)} at {local_clock(mark.at, issue.zone)}{note}"


def issue_state(issue: IssueView) -> str:
    """``Resolved by <@U…> at 11:00 — _note_``, or who acknowledged it, or that nobody has."""
    if issue.resolved:
        return "✅ " + _mark("Resolved", issue, issue.resolved)
    if issue.acknowledged:
        return "👀 " + _mark("Acknowledged", issue, issue.acknowledged)
    return "⏳ Open — not acknowledged yet"


def issue_text(issue: IssueView) -> str:
    text = fit_mrkdwn(escape(issue.text), ISSUE_TEXT_LIMIT)
    return f"{issue.severity.upper()} issue on {issue.line_code}: {text} ({issue.status})"


def build_issue_blocks(issue: IssueView) -> list[Block]:
    """The issue as the line channel sees it; only the buttons that still do something show."""
    raised = f"Raised by {mention(issue.raised_by)} at {local_clock(issue.raised_at, issue.zone)}"
    blocks: list[Block] = [
        SectionBlock(text=_headline(issue)),
        ContextBlock(elements=[MarkdownTextObject(text=f"{raised} · {issue_state(issue)}")]),
    ]
    buttons = []
    if issue.acknowledged is None and issue.resolved is None:
        buttons.append(
            ButtonElement(
                text="Acknowledge",
                action_id=ActionId.ACKNOWLEDGE_ISSUE,
                value=str(issue.id),
                style="primary",
            )
        )
    if issue.resolved is None:
        buttons.append(
            ButtonElement(text="Resolve", action_id=ActionId.RESOLVE_ISSUE, value=str(issue.id))
        )
    if buttons:
        blocks.append(ActionsBlock(elements=buttons))
    return blocks


def already_done_text(issue: IssueView, *, wanted: str) -> str:
    """The polite answer to pressing a button whose work someone already did."""
    done = issue.resolved or issue.acknowledged
    verb = "resolved" if issue.resolved else "acknowledged"
    who = f" by {mention(done.by)} at {local_clock(done.at, issue.zone)}" if done else ""
    return f"👍 No need to {wanted}: this {issue.line_code} issue was already {verb}{who}."


def build_resolve_modal(issue: IssueView) -> View:
    return View(
        type="modal",
        callback_id=CallbackId.RESOLVE_ISSUE,
        title="Resolve issue",
        submit="Resolve",
        close="Cancel",
        private_metadata=ResolveModalState(issue_id=issue.id).model_dump_json(),
        blocks=[
            SectionBlock(text=_headline(issue)),
            InputBlock(
                block_id=BlockId.RESOLUTION_NOTE,
                label="Resolution note",
                optional=True,
                element=PlainTextInputElement(
                    action_id=ActionId.RESOLUTION_NOTE,
                    multiline=True,
                    max_length=NOTE_MAX_LENGTH,
                    placeholder="What fixed it? (optional)",
                ),
            ),
        ],
    )


def build_already_done_modal(issue: IssueView) -> View:
    """Replaces the resolve modal when someone else resolved the issue while it was open."""
    return View(
        type="modal",
        title="Resolve issue",
        close="Close",
        blocks=[SectionBlock(text=already_done_text(issue, wanted="resolve it"))],
    )


def resolution_note(view: dict[str, Any]) -> str | None:
    """The note typed into a submitted resolve modal; None when left empty."""
    field = view["state"]["values"].get(BlockId.RESOLUTION_NOTE, {}).get(ActionId.RESOLUTION_NOTE)
    value = (field or {}).get("value") or ""
    return value.strip() or None


def _age(ping: Ping) -> str:
    waited = int((ping.at - ping.issue.raised_at).total_seconds() // 60)
    return "just now" if waited < 1 else f"{minutes(waited)} ago"


def _open_link(ping: Ping) -> str:
    if ping.link:
        return f"<{ping.link}|Open the issue>"
    return f"See <#{ping.issue.line_channel}>" if ping.issue.line_channel else ""


def ping_text(ping: Ping) -> str:
    """One line for the notification: what, where, since when, and the link to act on it."""
    issue, raised = ping.issue, local_clock(ping.issue.raised_at, ping.issue.zone)
    what = f"{issue.severity.upper()} issue on {issue.line_code}"
    match ping.kind:
        case PingKind.MANAGERS:
            lead = f"🚨 {what}, raised {_age(ping)} by {mention(issue.raised_by)}"
            body = f"{lead} and not acknowledged yet: {escape(issue.text)}"
        case PingKind.HEADS:
            body = (
                f"🚨 Escalated to you: {what} not acknowledged since {raised} "
                f"({_age(ping)}): {escape(issue.text)}"
            )
        case _:
            mark = issue.acknowledged
            since = f" at {local_clock(mark.at, issue.zone)}" if mark else ""
            text = escape(issue.text)
            body = f"⏰ You acknowledged the {what}{since}; it is still not resolved: {text}"
    return f"{fit_mrkdwn(body, PING_BODY_LIMIT)} {_open_link(ping)}".rstrip()


def build_ping_blocks(ping: Ping) -> list[Block]:
    hint = (
        "Press *Resolve* on the issue once it is fixed."
        if ping.kind is PingKind.REMINDER
        else "Press *Acknowledge* on the issue to stop the escalation."
    )
    return [
        SectionBlock(text=ping_text(ping)),
        ContextBlock(elements=[MarkdownTextObject(text=hint)]),
    ]
