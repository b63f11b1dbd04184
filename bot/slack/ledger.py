"""Exactly-once posting for scheduled jobs: however often and from wherever a job runs.

``deliver_once`` claims the (job, scope, period) row in its own committed transaction, posts, and
marks the row sent with Slack's ``ts``. The unique key decides between runs racing for the same
post, across processes and machines; ``post_once`` and the digest's chart upload both go
through it. A post Slack refused is released for the next run. A claim
left behind by a process that died mid-post is taken over after ``ABANDONED_CLAIM``; only a crash
between Slack accepting a post and the ledger recording it can repeat a post, never lose one.
"""

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from models import LedgerPost

logger = logging.getLogger(__name__)

ABANDONED_CLAIM = timedelta(minutes=10)
PER_CHANNEL_INTERVAL = 1.0  # seconds between two posts to one channel
MAX_CONCURRENT_POSTS = 16


@dataclass(frozen=True)
class Message:
    """A rendered post: the fallback text and its Block Kit blocks."""

    channel: str
    text: str
    blocks: list[dict[str, Any]] | None = None


@dataclass(frozen=True)
class DuePost:
    """A post a job owes: where it belongs in the ledger and what it says."""

    job: str
    scope: str
    period: str
    message: Message

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.job, self.scope, self.period)


@dataclass(frozen=True)
class PostOutcome:
    key: tuple[str, str, str]
    sent: bool
    message_ts: str | None = None


def claim(
    session_factory: sessionmaker[Session], *, job: str, scope: str, period: str
) -> int | None:
    """The ledger row id if this caller may post now; None if sent or claimed by a live run.

    Claims are stamped with the real clock, not the job's ``at``: a catch-up run for a past
    period must not look abandoned to a run happening now.
    """
    at = datetime.now(UTC)
    try:
        with session_scope(session_factory) as session:
            row = LedgerPost(job=job, scope=scope, period=period, claimed_at=at, attempts=1)
            session.add(row)
        return row.id
    except IntegrityError:
        pass
    with session_scope(session_factory) as session:
        row = session.scalars(
            select(LedgerPost).where(
                LedgerPost.job == job, LedgerPost.scope == scope, LedgerPost.period == period
            )
        ).one()
        if row.sent_at is not None:
            return None
        taken = cast(
            CursorResult[Any],
            session.execute(
                update(LedgerPost)
                .where(
                    LedgerPost.id == row.id,
                    LedgerPost.sent_at.is_(None),
                    or_(
                        LedgerPost.claimed_at.is_(None),
                        LedgerPost.claimed_at < at - ABANDONED_CLAIM,
                    ),
                )
                .values(claimed_at=at, attempts=LedgerPost.attempts + 1)
            ),
        ).rowcount
        return row.id if taken else None


def mark_sent(
    session_factory: sessionmaker[Session], post_id: int, *, channel: str, message_ts: str
) -> None:
    with session_scope(session_factory) as session:
        row = session.get_one(LedgerPost, post_id)
        row.sent_at = datetime.now(UTC)
        row.channel_id, row.message_ts, row.last_error = channel, message_ts, None


def release(session_factory: sessionmaker[Session], post_id: int, *, error: str) -> None:
    """Leave the post unsent and unclaimed, so the next run tries again."""
    with session_scope(session_factory) as session:
        row = session.get_one(LedgerPost, post_id)
        row.claimed_at, row.last_error = None, error[:2000]


def deliver_once(
    session_factory: sessionmaker[Session],
    key: tuple[str, str, str],
    *,
    channel: str,
    send: Callable[[], str],
) -> PostOutcome:
    """Claim ``key``, call ``send`` (one Slack call returning the message ts or file id), mark
    it sent. A delivery Slack refused is released for the next run; one already sent or being
    sent by a live run is skipped.
    """
    job, scope, period = key
    post_id = claim(session_factory, job=job, scope=scope, period=period)
    if post_id is None:
        return PostOutcome(key, sent=False)
    try:
        reference = send()
    except (SlackApiError, SlackClientError) as error:
        logger.warning("%s not sent, the next run retries: %s", key, error)
        release(session_factory, post_id, error=str(error))
        return PostOutcome(key, sent=False)
    mark_sent(session_factory, post_id, channel=channel, message_ts=reference)
    return PostOutcome(key, sent=True, message_ts=reference)


def post_once(
    *, client: WebClient, session_factory: sessionmaker[Session], post: DuePost
) -> PostOutcome:
    """Post ``post`` unless its (job, scope, period) was posted or is being posted."""
    message = post.message

    def send() -> str:
        response = client.chat_postMessage(
            channel=message.channel, text=message.text, blocks=message.blocks, unfurl_links=False
        )
        return str(response["ts"])

    return deliver_once(session_factory, post.key, channel=message.channel, send=send)


def sent_reference(session_factory: sessionmaker[Session], key: tuple[str, str, str]) -> str | None:
    """The ts (or file id) recorded for ``key`` once it was sent; None while it is not."""
    job, scope, period = key
    with session_scope(session_factory) as session:
        return session.scalar(
            select(LedgerPost.message_ts).where(
                LedgerPost.job == job,
                LedgerPost.scope == scope,
                LedgerPost.period == period,
                LedgerPost.sent_at.is_not(None),
            )
        )


def post_many(
    *, client: WebClient, session_factory: sessionmaker[Session], posts: Sequence[DuePost]
) -> list[PostOutcome]:
    """Post to many channels at once, but to any one channel at most once per second.

    Slack allows about one message per second per channel; the WebClient's retry handler
    honours ``Retry-After`` if that is ever exceeded anyway.
    """
    by_channel: dict[str, list[DuePost]] = defaultdict(list)
    for post in posts:
        by_channel[post.message.channel].append(post)

    def post_to_channel(queue: list[DuePost]) -> list[PostOutcome]:
        outcomes: list[PostOutcome] = []
        last_sent: float | None = None
        for post in queue:
            if last_sent is not None:
                time.sleep(max(0.0, last_sent + PER_CHANNEL_INTERVAL - time.monotonic()))
            outcome = post_once(client=client, session_factory=session_factory, post=post)
            if outcome.sent:
                last_sent = time.monotonic()
            outcomes.append(outcome)
        return outcomes

    if not by_channel:
        return []
    workers = min(MAX_CONCURRENT_POSTS, len(by_channel))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="post") as pool:
        return [o for outcomes in pool.map(post_to_channel, by_channel.values()) for o in outcomes]
