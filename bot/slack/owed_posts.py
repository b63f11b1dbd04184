"""What a scheduled job owes: rendered posts keyed by (job, scope, period), owed and sent once.

A job renders what is due at its clock, owes it in one unit of work (``bot.records.outbox``), and
sends what it just owed at once; anything Slack refuses is the ``deliveries`` job's to retry.
Seeing the same period again (a re-run, a catch-up, a second scheduler) owes nothing new.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.db import session_scope
from bot.records.outbox import Owed, owe_all
from bot.slack.outbox import Outbox, PostOutcome


@dataclass(frozen=True)
class Message:
    """A rendered post: the fallback text and its Block Kit blocks."""

    channel: str
    text: str
    blocks: list[dict[str, Any]] | None = None


@dataclass(frozen=True)
class DuePost:
    """A post a job owes: what names it in the outbox and what it says."""

    job: str
    scope: str
    period: str
    message: Message

    @property
    def key(self) -> str:
        return outbox_key(self.job, self.scope, self.period)

    def owed(self, *, keep_for: timedelta) -> Owed:
        """The outbox row of this post (its kind is the job's name), worth sending ``keep_for``."""
        return Owed(
            key=self.key,
            kind=self.job,
            keep_for=keep_for,
            channel=self.message.channel,
            payload={"text": self.message.text, "blocks": self.message.blocks},
        )


def outbox_key(job: str, scope: str, period: str) -> str:
    return f"{job}|{scope}|{period}"


def owe_and_deliver(outbox: Outbox, owed: Sequence[Owed]) -> list[PostOutcome]:
    """Owe ``owed`` (those not owed before) and send them now, in that order per channel."""
    with session_scope(outbox.session_factory) as session:
        ids = owe_all(session, owed, at=datetime.now(UTC))
    return outbox.deliver(list(ids.values()))


def post_owed(
    outbox: Outbox, posts: Sequence[DuePost], *, keep_for: timedelta
) -> list[PostOutcome]:
    """Owe ``posts`` (those not owed before) and send them now; worth sending for ``keep_for``."""
    return owe_and_deliver(outbox, [post.owed(keep_for=keep_for) for post in posts])
