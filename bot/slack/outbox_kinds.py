"""What each kind of owed message sends, and what it records once sent.

Most rows carry their rendered message (``payload``: text, blocks, a thread to post into, or a
file). Others are rendered when they are sent, from the database as it is then: an issue's
message, its in-place updates, a handover. A kind's ``render`` answers None when the message no
longer applies (it is dropped), or raises ``NotReady`` when it must wait (a reply whose thread is
not posted yet).
"""

import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.messages.handover import build_handover_blocks, handover_text
from bot.messages.issue import build_issue_blocks, issue_text
from bot.messages.machine_stops import build_stop_blocks, stop_text
from bot.messages.targets import target_announcement_text
from bot.numbers.issues import issue_view
from bot.numbers.machine_stops import stop_view
from bot.records.handover import handover_message_key, handover_view
from bot.records.issues import issue_message_key, record_escalation_levels
from bot.records.machine_stops import prompt_key
from bot.records.outbox import sent_reference
from bot.records.targets import TargetChange
from models import Issue, IssueStatus, OutboxItem, OutboxStatus
from models.handover import Handover
from models.machines import MachineStop


class NotReady(Exception):
    """The message cannot be sent yet; it is tried again shortly, not counted as a failure."""


@dataclass(frozen=True)
class Outgoing:
    """One Slack call: a post, an in-place update of ``ts``, or a file upload."""

    method: Literal["post", "update", "upload"]
    channel: str
    text: str = ""
    blocks: list[dict[str, Any]] | None = None
    thread_ts: str | None = None
    ts: str | None = None
    file: bytes | None = None
    filename: str | None = None
    title: str | None = None


class Kind(Protocol):
    def render(self, session: Session, item: OutboxItem) -> Outgoing | None: ...

    def after_sent(self, session: Session, item: OutboxItem) -> None: ...


def ref_id(item: OutboxItem) -> int:
    """The id in ``ref`` (``issue:42`` → 42)."""
    return int((item.ref or "").rpartition(":")[2])


def wait_while_pending(session: Session, key: str, what: str) -> None:
    """Raise NotReady while the owed post ``key`` may still land (sending, or retried later):
    a redraw sent before its post's ts is recorded would be lost, or post the message twice."""
    status = session.scalar(select(OutboxItem.status).where(OutboxItem.key == key))
    if status is OutboxStatus.PENDING:
        raise NotReady(f"waiting for {what} ({key}) to be posted")


class RenderedMessage:
    """A post (or an upload) rendered when it was owed: ``payload`` holds what to send.

    ``payload["thread_of"]`` names the outbox key of the post to reply under; ``upload`` holds a
    file (base64) instead of text.
    """

    def render(self, session: Session, item: OutboxItem) -> Outgoing | None:
        payload = item.payload or {}
        thread_ts = None
        if thread_of := payload.get("thread_of"):
            thread_ts = sent_reference(session, thread_of)
            if thread_ts is None:
                raise NotReady(f"waiting for {thread_of} to be posted")
        channel = item.channel or ""
        if upload := payload.get("upload"):
            return Outgoing(
                "upload",
                channel,
                thread_ts=thread_ts,
                file=base64.b64decode(upload["content"]),
                filename=upload["filename"],
                title=upload["title"],
            )
        return Outgoing(
            "post", channel, payload.get("text", ""), payload.get("blocks"), thread_ts=thread_ts
        )

    def after_sent(self, session: Session, item: OutboxItem) -> None:
        pass


class EscalationPing(RenderedMessage):
    """A ping about an issue: an escalation (``payload["level"]``) is dropped once the issue was
    acknowledged or resolved, and once sent raises the issue's escalation level to its own; the
    acknowledger's reminder (no level) is dropped once the issue is resolved."""

    def render(self, session: Session, item: OutboxItem) -> Outgoing | None:
        issue = session.get(Issue, ref_id(item))
        still = (
            IssueStatus.OPEN
            if (item.payload or {}).get("level") is not None
            else IssueStatus.ACKNOWLEDGED
        )
        if issue is None or issue.status is not still:
            return None
        return super().render(session, item)

    def after_sent(self, session: Session, item: OutboxItem) -> None:
        level = (item.payload or {}).get("level")
        if level is not None:
            record_escalation_levels(session, reached={ref_id(item): int(level)})


class IssueMessage:
    """The issue's own message in its line channel, with its buttons, as the issue is now."""

    def render(self, session: Session, item: OutboxItem) -> Outgoing | None:
        issue = session.get(Issue, ref_id(item))
        if issue is None or issue.message_ts is not None:
            return None
        view = issue_view(session, issue)
        if not view.line_channel:
            return None
        blocks = [block.to_dict() for block in build_issue_blocks(view)]
        return Outgoing("post", view.line_channel, issue_text(view), blocks)

    def after_sent(self, session: Session, item: OutboxItem) -> None:
        issue = session.get_one(Issue, ref_id(item))
        issue.channel_id, issue.message_ts = item.channel, item.message_ts


class IssueUpdate:
    """The issue's message redrawn after a status change; moot while the message is unposted
    (it will show the current status when it is posted)."""

    def render(self, session: Session, item: OutboxItem) -> Outgoing | None:
        issue = session.get(Issue, ref_id(item))
        if issue is None:
            return None
        if issue.channel_id is None or issue.message_ts is None:
            wait_while_pending(session, issue_message_key(issue.id), "the issue's message")
            return None
        view = issue_view(session, issue)
        blocks = [block.to_dict() for block in build_issue_blocks(view)]
        return Outgoing("update", issue.channel_id, issue_text(view), blocks, ts=issue.message_ts)

    def after_sent(self, session: Session, item: OutboxItem) -> None:
        pass


class HandoverMessage:
    """A handover note with its Acknowledge button in the line channel; once posted, later
    rows of this kind redraw it in place."""

    def render(self, session: Session, item: OutboxItem) -> Outgoing | None:
        handover = session.get(Handover, ref_id(item))
        if handover is None:
            return None
        view = handover_view(session, handover)
        if view.channel_id is None:
            return None
        first = handover_message_key(handover.id)
        if view.message_ts is None and item.key != first:
            wait_while_pending(session, first, "the handover")
        blocks = [block.to_dict() for block in build_handover_blocks(view)]
        if view.message_ts is not None:
            return Outgoing(
                "update", view.channel_id, handover_text(view), blocks, ts=view.message_ts
            )
        return Outgoing("post", view.channel_id, handover_text(view), blocks)

    def after_sent(self, session: Session, item: OutboxItem) -> None:
        handover = session.get_one(Handover, ref_id(item))
        if handover.message_ts is None:
            handover.message_ts = item.message_ts


class TargetAnnouncement:
    """A target change told in the line channel, from the facts owed with it (``payload``)."""

    def render(self, session: Session, item: OutboxItem) -> Outgoing | None:
        change = TargetChange.from_facts(item.payload or {})
        return Outgoing("post", item.channel or "", target_announcement_text(change))

    def after_sent(self, session: Session, item: OutboxItem) -> None:
        pass


class MachineStopPrompt(RenderedMessage):
    """A machine stop's prompt in its line channel, drawn as the stop is when it is sent."""

    def render(self, session: Session, item: OutboxItem) -> Outgoing | None:
        stop = session.get(MachineStop, ref_id(item))
        if stop is None or not item.channel:
            return None
        view = stop_view(session, stop, at=datetime.now(UTC))
        blocks = [block.to_dict() for block in build_stop_blocks(view)]
        return Outgoing("post", item.channel, stop_text(view), blocks)


class MachineStopUpdate(RenderedMessage):
    """The prompt redrawn in place (answered, ended); moot while the prompt is unposted (it
    shows the stop as it is when it is posted)."""

    def render(self, session: Session, item: OutboxItem) -> Outgoing | None:
        stop = session.get(MachineStop, ref_id(item))
        if stop is None or not item.channel:
            return None
        ts = sent_reference(session, prompt_key(stop.id))
        if ts is None:
            wait_while_pending(session, prompt_key(stop.id), "the stop's prompt")
            return None
        view = stop_view(session, stop, at=datetime.now(UTC))
        blocks = [block.to_dict() for block in build_stop_blocks(view)]
        return Outgoing("update", item.channel, stop_text(view), blocks, ts=ts)


class MachineStopReminder(RenderedMessage):
    """A lead's reminder of an unexplained stop: dropped once the stop has a reason."""

    def render(self, session: Session, item: OutboxItem) -> Outgoing | None:
        stop = session.get(MachineStop, ref_id(item))
        if stop is None or stop.reason is not None:
            return None
        return super().render(session, item)


KINDS: dict[str, Kind] = {
    "message": RenderedMessage(),
    "ping": EscalationPing(),
    "issue_message": IssueMessage(),
    "issue_update": IssueUpdate(),
    "handover": HandoverMessage(),
    "target_announcement": TargetAnnouncement(),
    "machine_stop": MachineStopPrompt(),
    "machine_stop_update": MachineStopUpdate(),
    "machine_stop_reminder": MachineStopReminder(),
}
