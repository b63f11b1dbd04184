"""Sending what the outbox holds (``models.outbox``): claimed for a lease, sent once, retried.

Whoever committed a change that owes messages calls :meth:`Outbox.deliver` with their ids right
after the commit (the fast path); the ``deliveries`` job calls it every minute for everything
still owed. A row is claimed by a compare-and-set update that only succeeds on a pending row
whose lease is free or lapsed, so a row that is sent, or being sent by a live process, costs no
write. A process killed mid-send leaves its lease to lapse after ``LEASE``; the next run takes it
over.

A post whose first attempt may have reached Slack (a timeout, a dropped connection, a 5xx) is
never posted twice: every post carries its outbox key in Slack message metadata, and any later
attempt first looks for that key in the channel's recent history (``conversations.history``,
or ``conversations.replies`` in a thread) and records the message it finds instead of posting.
An upload (the digest's chart) is looked for the same way, by its file name in its thread.

Failures wait ``backoff(attempts)`` or Slack's ``Retry-After``; a row still unsent at its
``expires_at`` is given up and logged at WARNING with what it was.
"""

import logging
import os
import socket
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.slack.outbox_kinds import KINDS, Kind, NotReady, Outgoing
from models import OutboxItem, OutboxStatus

logger = logging.getLogger(__name__)

# Longer than one Slack call can take (the client's 15 s timeout, no retries inside it).
LEASE = timedelta(seconds=60)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(minutes=15)
NOT_READY_WAIT = timedelta(seconds=30)
PER_CHANNEL_INTERVAL = 1.0  # seconds between two posts to one channel (Slack's pace)
MAX_CONCURRENT_CHANNELS = 16
DUE_BATCH = 500
METADATA_EVENT = "prodbot_outbox"
HISTORY_SLACK = timedelta(minutes=1)  # clock skew between us and Slack, for ``oldest``


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min… at most 15 minutes between attempts."""
    return min(FIRST_RETRY * 2 ** max(0, attempts - 1), LONGEST_WAIT)


def worker_name() -> str:
    """Who holds a claim, for ``prodbot outbox`` and the logs: host, pid and a boot id."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class PostOutcome:
    """What became of one owed message in this delivery round."""

    key: str
    sent: bool
    message_ts: str | None = None


class Outbox:
    """Delivers owed messages with one client; thread-safe, one per process."""

    def __init__(
        self,
        *,
        client: WebClient,
        session_factory: sessionmaker[Session],
        kinds: Mapping[str, Kind] = KINDS,
        channels_at_once: int = MAX_CONCURRENT_CHANNELS,
    ) -> None:
        # Every retry is the outbox's, after a history check: the client must not re-send a
        # post on its own (a retried timeout could post twice), so it gets no retry handlers.
        self._client = (
            client
            if not client.retry_handlers
            else WebClient(
                token=client.token,
                base_url=client.base_url,
                timeout=client.timeout,
                logger=client.logger,
                retry_handlers=[],
            )
        )
        self._channels_at_once = channels_at_once
        self._session_factory = session_factory
        self._kinds = kinds
        self._worker = worker_name()
        self._dm_channels: dict[str, str] = {}
        self._lock = threading.Lock()

    @property
    def session_factory(self) -> sessionmaker[Session]:
        return self._session_factory

    def deliver(self, ids: Sequence[int] | None = None) -> list[PostOutcome]:
        """Send the owed rows ``ids`` (or every row due now), each channel at Slack's pace."""
        now = datetime.now(UTC)
        if ids is None:
            ids = self._due_ids(now)
        claimed = [item for item in (self._claim(item_id, now) for item_id in ids) if item]
        by_channel: dict[str, list[OutboxItem]] = defaultdict(list)
        for item in claimed:
            by_channel[item.channel or ""].append(item)
        if not by_channel:
            return []
        if len(by_channel) == 1 or self._channels_at_once == 1:
            return [o for items in by_channel.values() for o in self._send_in_turn(items)]
        workers = min(self._channels_at_once, len(by_channel))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="outbox") as pool:
            rounds = pool.map(self._send_in_turn, by_channel.values())
            return [outcome for outcomes in rounds for outcome in outcomes]

    def _due_ids(self, now: datetime) -> list[int]:
        with session_scope(self._session_factory) as session:
            return list(
                session.scalars(
                    select(OutboxItem.id)
                    .where(
                        OutboxItem.status == OutboxStatus.PENDING,
                        OutboxItem.next_attempt_at <= now,
                    )
                    .order_by(OutboxItem.next_attempt_at, OutboxItem.id)
                    .limit(DUE_BATCH)
                )
            )

    def _claim(self, item_id: int, now: datetime) -> OutboxItem | None:
        """The row, claimed for ``LEASE``; None if it is sent, not due, or claimed by another."""
        with session_scope(self._session_factory) as session:
            result = cast(
                CursorResult[Any],
                session.execute(
                    update(OutboxItem)
                    .where(
                        OutboxItem.id == item_id,
                        OutboxItem.status == OutboxStatus.PENDING,
                        OutboxItem.next_attempt_at <= now,
                        or_(
                            OutboxItem.claim_expires_at.is_(None),
                            OutboxItem.claim_expires_at < now,
                        ),
                    )
                    .values(
                        claimed_by=self._worker,
                        claim_expires_at=now + LEASE,
                        attempts=OutboxItem.attempts + 1,
                    )
                ),
            )
            if result.rowcount != 1:
                return None
            return session.get_one(OutboxItem, item_id)

    def _send_in_turn(self, items: list[OutboxItem]) -> list[PostOutcome]:
        outcomes: list[PostOutcome] = []
        last_post: float | None = None
        for item in items:
            if last_post is not None:
                time.sleep(max(0.0, last_post + PER_CHANNEL_INTERVAL - time.monotonic()))
            outcome = self._send(item)
            if outcome.sent:
                last_post = time.monotonic()
            outcomes.append(outcome)
        return outcomes

    def _send(self, item: OutboxItem) -> PostOutcome:
        kind = self._kinds[item.kind] if item.kind in self._kinds else self._kinds["message"]
        now = datetime.now(UTC)
        try:
            with session_scope(self._session_factory) as session:
                outgoing = kind.render(session, session.get_one(OutboxItem, item.id))
        except NotReady as waiting:
            return self._retry_later(item, str(waiting), wait=NOT_READY_WAIT, counts=False)
        if outgoing is None:
            return self._finish(item, OutboxStatus.DROPPED, None, kind, channel=None)
        if now >= item.expires_at:
            logger.warning(
                "gave up on %s %s to %s: not sent by %s (%d attempts, last error: %s): %.120s",
                item.kind,
                item.key,
                outgoing.channel,
                item.expires_at.isoformat(),
                item.attempts - 1,
                item.last_error,
                outgoing.text,
            )
            return self._finish(item, OutboxStatus.EXPIRED, None, kind, channel=None)
        try:
            reference = self._call_slack(item, outgoing)
        except SlackApiError as error:
            retry_after = error.response.headers.get("Retry-After") if error.response else None
            wait = (
                timedelta(seconds=int(retry_after))
                if retry_after and str(retry_after).isdigit()
                else backoff(item.attempts)
            )
            return self._retry_later(item, f"Slack: {error.response.get('error')}", wait=wait)
        except Exception as error:  # a timeout or a network error: the post may have landed
            logger.info("%s: %s, retried after a history check", item.key, error)
            return self._retry_later(item, f"{type(error).__name__}: {error}")
        return self._finish(item, OutboxStatus.SENT, reference, kind, channel=outgoing.channel)

    def _call_slack(self, item: OutboxItem, outgoing: Outgoing) -> str:
        client = self._client
        if outgoing.method == "update":
            client.chat_update(
                channel=outgoing.channel,
                ts=str(outgoing.ts),
                text=outgoing.text,
                blocks=outgoing.blocks,
            )
            return str(outgoing.ts)
        if outgoing.method == "upload":
            if item.attempts > 1 and (found := self._already_posted(item, outgoing)):
                return found
            response = client.files_upload_v2(
                channel=outgoing.channel,
                thread_ts=outgoing.thread_ts,
                file=outgoing.file,
                filename=outgoing.filename,
                title=outgoing.title,
            )
            return str(response["file"]["id"])
        if item.attempts > 1 and (found := self._already_posted(item, outgoing)):
            return found
        response = client.chat_postMessage(
            channel=outgoing.channel,
            text=outgoing.text,
            blocks=outgoing.blocks,
            thread_ts=outgoing.thread_ts,
            unfurl_links=False,
            metadata={"event_type": METADATA_EVENT, "event_payload": {"key": item.key}},
        )
        return str(response["ts"])

    def _conversation(self, channel: str) -> str:
        """A channel id as is; a person's DM channel for a user id (opened once per process).

        Posts go to a user id directly; only reading a DM's history needs its channel id."""
        if not channel.startswith(("U", "W")):
            return channel
        with self._lock:
            known = self._dm_channels.get(channel)
        if known is None:
            known = str(self._client.conversations_open(users=channel)["channel"]["id"])
            with self._lock:
                self._dm_channels[channel] = known
        return known

    def _already_posted(self, item: OutboxItem, outgoing: Outgoing) -> str | None:
        """The ts (or file id) of an earlier attempt's post (or upload) of ``item`` that reached
        Slack, if any."""
        channel = self._conversation(outgoing.channel)
        oldest = f"{(item.created_at - HISTORY_SLACK).timestamp():.6f}"
        if outgoing.thread_ts:
            response = self._client.conversations_replies(
                channel=channel, ts=outgoing.thread_ts, oldest=oldest, include_all_metadata=True
            )
        else:
            response = self._client.conversations_history(
                channel=channel, oldest=oldest, limit=200, include_all_metadata=True
            )
        for message in response.get("messages") or []:
            if outgoing.method == "upload":
                # Files carry no metadata: an upload is known by its file name in the thread.
                for file in message.get("files") or []:
                    if file.get("name") == outgoing.filename:
                        return str(file["id"])
                continue
            metadata = message.get("metadata") or {}
            if (
                metadata.get("event_type") == METADATA_EVENT
                and (metadata.get("event_payload") or {}).get("key") == item.key
            ):
                return str(message["ts"])
        return None

    def _retry_later(
        self, item: OutboxItem, error: str, *, wait: timedelta | None = None, counts: bool = True
    ) -> PostOutcome:
        wait = wait if wait is not None else backoff(item.attempts)
        with session_scope(self._session_factory) as session:
            session.execute(
                update(OutboxItem)
                .where(OutboxItem.id == item.id, OutboxItem.claimed_by == self._worker)
                .values(
                    claimed_by=None,
                    claim_expires_at=None,
                    next_attempt_at=datetime.now(UTC) + wait,
                    last_error=error[:2000],
                    attempts=OutboxItem.attempts if counts else OutboxItem.attempts - 1,
                )
            )
        if counts:
            logger.warning(
                "%s not sent (attempt %d), retried in %s: %s", item.key, item.attempts, wait, error
            )
        return PostOutcome(item.key, sent=False)

    def _finish(
        self,
        item: OutboxItem,
        status: OutboxStatus,
        reference: str | None,
        kind: Kind,
        *,
        channel: str | None,
    ) -> PostOutcome:
        with session_scope(self._session_factory) as session:
            row = session.get_one(OutboxItem, item.id)
            row.status = status
            row.channel = row.channel or channel
            row.claimed_by, row.claim_expires_at = None, None
            if status is OutboxStatus.SENT:
                row.sent_at, row.message_ts, row.last_error = datetime.now(UTC), reference, None
                kind.after_sent(session, row)
        return PostOutcome(item.key, sent=status is OutboxStatus.SENT, message_ts=reference)
