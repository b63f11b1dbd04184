"""What every scheduled job shares: its dependencies, its settings, and which shifts are due."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.plant.people import site_heads
from bot.plant.shifts import ShiftInstance, instances_between
from bot.slack.client import WebClient
from bot.slack.ledger import DuePost, Message, PostOutcome, post_many
from models import Site

# A run catches up on every period that fell due this long before its clock: a scheduler that
# was down for a deploy or a restart still sends what came due meanwhile, once.
CATCH_UP = timedelta(hours=6)
# No shift is longer than this; it bounds the search for shift instances that just ended.
LONGEST_SHIFT = timedelta(hours=24)


@dataclass(frozen=True)
class JobDeps:
    session_factory: sessionmaker[Session]
    client: WebClient


class Job(Protocol):
    name: str
    description: str

    def run(self, at: datetime, deps: JobDeps) -> list[PostOutcome]: ...


def shifts_due(
    site: Site, *, at: datetime, after_end: timedelta, catch_up: timedelta = CATCH_UP
) -> Iterator[ShiftInstance]:
    """The site's shift instances whose end + ``after_end`` lies in (at - catch_up, at]."""
    patterns = [shift for shift in site.shifts if shift.active]
    window_start = at - catch_up - after_end - LONGEST_SHIFT
    for instance in instances_between(patterns, ZoneInfo(site.timezone), window_start, at):
        if at - catch_up < instance.end + after_end <= at:
            yield instance


def post_due(
    deps: JobDeps, at: datetime, due: Callable[[Session, datetime], list[DuePost]]
) -> list[PostOutcome]:
    """Read what is due at ``at`` in one session, then post it (the session closed first)."""
    with session_scope(deps.session_factory) as session:
        posts = due(session, at)
    return post_many(client=deps.client, session_factory=deps.session_factory, posts=posts)


def site_review_posts(
    session: Session,
    job: str,
    period: str,
    *,
    site: tuple[int, str | None],
    text: str,
    blocks: list[dict[str, Any]],
) -> list[DuePost]:
    """One review for the site's channel (``site``: its id and channel) and each of its heads.

    Each head's copy is scoped by site too: one person may be head of two sites.
    """
    site_id, channel = site
    heads = site_heads(session, site_id=site_id)
    targets = [(f"site:{site_id}/head:{user}", user) for user in heads]
    if channel:
        targets.insert(0, (f"site:{site_id}", channel))
    return [
        DuePost(job=job, scope=scope, period=period, message=Message(channel, text, blocks))
        for scope, channel in targets
    ]
