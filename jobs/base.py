"""What every scheduled job shares: its dependencies, its settings, and which shifts are due."""

from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.plant.people import site_heads
from bot.plant.shifts import ShiftInstance, instances_between
from bot.slack.client import WebClient
from bot.slack.dry_run import DryRunClient, Show
from bot.slack.outbox import MAX_CONCURRENT_CHANNELS, Outbox, PostOutcome
from bot.slack.owed_posts import DuePost, Message, post_owed
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
    channels_at_once: int = MAX_CONCURRENT_CHANNELS

    @cached_property
    def outbox(self) -> Outbox:
        """The sender of what the job owes (one per job dependencies, so per process)."""
        return Outbox(
            client=self.client,
            session_factory=self.session_factory,
            channels_at_once=self.channels_at_once,
        )


# The sites a run covers: those whose clock fired the trigger; None, every site (the catch-up at
# start-up, `prodbot jobs run`, the interval jobs).
SiteIds = Collection[int] | None


class Job(Protocol):
    name: str
    description: str

    def run(self, at: datetime, deps: JobDeps, sites: SiteIds = None) -> list[PostOutcome]: ...


def sites_of(session: Session, sites: SiteIds) -> Sequence[Site]:
    """The sites a run covers, by id."""
    query = select(Site).order_by(Site.id)
    if sites is not None:
        query = query.where(Site.id.in_(sites))
    return session.scalars(query).all()


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
    deps: JobDeps,
    at: datetime,
    due: Callable[[Session, datetime, Sequence[Site]], list[DuePost]],
    *,
    keep_for: timedelta,
    sites: SiteIds = None,
) -> list[PostOutcome]:
    """Read what is due at ``at`` at ``sites`` in one session, then owe it and send what is newly
    owed (the session closed first); each post is worth sending for ``keep_for``. What Slack
    refuses now is the ``deliveries`` job's to retry."""
    with session_scope(deps.session_factory) as session:
        posts = due(session, at, sites_of(session, sites))
    return post_owed(deps.outbox, posts, keep_for=keep_for)


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


@contextmanager
def dry_run_deps(engine: Engine, show: Show) -> Iterator[JobDeps]:
    """Dependencies under which a job posts nothing and keeps nothing: every Slack call is shown
    with ``show`` and answered "ok", and all its database work (owed rows, claims, closed
    boards) is rolled back at the end."""
    with engine.connect() as connection:
        transaction = connection.begin()
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # pysqlite begins transactions lazily and a RELEASE outside one commits: take over
            # and open a real transaction, so that the savepoints nest inside it.
            driver: Any = connection.connection.driver_connection
            isolation = driver.isolation_level
            driver.isolation_level = None
            connection.exec_driver_sql("BEGIN")
        try:
            session_factory = sessionmaker(
                bind=connection,
                expire_on_commit=False,
                join_transaction_mode="create_savepoint",
            )
            client = DryRunClient(token="xoxb-dry-run", retry_handlers=[])
            client.show = show
            deps = JobDeps(session_factory=session_factory, client=client, channels_at_once=1)
            yield deps
        finally:
            transaction.rollback()
            if sqlite:
                driver.isolation_level = isolation
