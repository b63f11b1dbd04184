"""``digest``: at the site's digest time, yesterday's production date for the whole site.

One post to the digest channel and one DM to each head of production (``chat.postMessage`` with
the user id as channel, which Slack delivers as a DM from the bot), then the chart uploaded into
the channel post's thread. Each post and the chart upload has its own ledger row, so a re-run
sends only what is still missing; the chart waits until its channel post has a ``ts``.

A production date on which nothing was planned and nothing was reported (a weekend, a site-wide
stop) gets no digest.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import session_scope
from bot.messages.digest import build_digest_blocks, digest_text
from bot.messages.weekly import build_repeat_problem_blocks
from bot.numbers.digest import Digest, compute_digest
from bot.numbers.repeats import RepeatProblem, raise_repeat_problems
from bot.plant.people import site_heads
from bot.plant.shifts import local_date
from bot.slack.ledger import DuePost, Message, PostOutcome, claim, mark_sent, post_many, release
from jobs.base import CATCH_UP, JobDeps
from models import LedgerPost, Site

logger = logging.getLogger(__name__)

name = "digest"
description = "Yesterday's numbers to the digest channel and each head, with a chart, daily."
CHART_JOB = "digest-chart"


@dataclass(frozen=True)
class _SiteDigest:
    site_id: int
    channel: str | None
    digest: Digest
    repeats: list[RepeatProblem]

    @property
    def scope(self) -> str:
        return f"site:{self.site_id}"

    @property
    def period(self) -> str:
        return self.digest.production_date.isoformat()


def run(at: datetime, deps: JobDeps) -> list[PostOutcome]:
    with session_scope(deps.session_factory) as session:
        due = []
        for site in session.scalars(select(Site).order_by(Site.id)):
            for digest_at, production_date in digests_due(site, at=at):
                # Before the digest, so a newly raised issue is among its open issues; raised
                # even on a day without a digest, since the issue is owed either way.
                repeats = raise_repeat_problems(
                    session, site=site, through=production_date, at=digest_at
                )
                digest = compute_digest(
                    session, site=site, production_date=production_date, as_of=digest_at
                )
                if digest.has_production:
                    due.append(_SiteDigest(site.id, site.digest_channel, digest, repeats))
        posts = [post for site_digest in due for post in _posts(session, site_digest)]
    outcomes = post_many(client=deps.client, session_factory=deps.session_factory, posts=posts)
    for site_digest in due:
        if site_digest.channel:
            outcomes.extend(_upload_chart(deps, site_digest, channel=site_digest.channel))
    return outcomes


def digests_due(site: Site, *, at: datetime) -> list[tuple[datetime, date]]:
    """(digest instant, production date) for each digest time in (at - CATCH_UP, at]."""
    zone = ZoneInfo(site.timezone)
    due = []
    day = local_date(at - CATCH_UP, zone)
    while day <= local_date(at, zone):
        digest_at = datetime.combine(day, site.digest_time, tzinfo=zone).astimezone(UTC)
        if at - CATCH_UP < digest_at <= at:
            due.append((digest_at, day - timedelta(days=1)))
        day += timedelta(days=1)
    return due


def _posts(session: Session, site_digest: _SiteDigest) -> list[DuePost]:
    text = digest_text(site_digest.digest)
    blocks = [
        block.to_dict()
        for block in (
            *build_digest_blocks(site_digest.digest),
            *build_repeat_problem_blocks(site_digest.repeats),
        )
    ]
    # Scoped by site too: one person may be head of two sites, each with its own digest.
    targets = [
        (f"site:{site_digest.site_id}/head:{user}", user)
        for user in site_heads(session, site_id=site_digest.site_id)
    ]
    if site_digest.channel:
        targets.insert(0, (site_digest.scope, site_digest.channel))
    return [
        DuePost(
            job=name,
            scope=scope,
            period=site_digest.period,
            message=Message(channel=channel, text=text, blocks=blocks),
        )
        for scope, channel in targets
    ]


def _upload_chart(deps: JobDeps, site_digest: _SiteDigest, *, channel: str) -> list[PostOutcome]:
    """Upload the chart into the digest's thread once, after the digest itself was sent.

    Its ledger row (job ``digest-chart``) records the file id where a post records its ``ts``.
    """
    key = (CHART_JOB, site_digest.scope, site_digest.period)
    with session_scope(deps.session_factory) as session:
        thread_ts = session.scalar(
            select(LedgerPost.message_ts).where(
                LedgerPost.job == name,
                LedgerPost.scope == site_digest.scope,
                LedgerPost.period == site_digest.period,
                LedgerPost.sent_at.is_not(None),
            )
        )
    if thread_ts is None:
        return []  # the digest is not out yet; the next run uploads the chart after it
    post_id = claim(deps.session_factory, job=key[0], scope=key[1], period=key[2])
    if post_id is None:
        return [PostOutcome(key, sent=False)]
    # matplotlib takes a good part of a second to import: only an upload pays for it, not
    # every `prodbot` command that loads the job registry.
    from bot.messages.chart import render_target_chart

    digest = site_digest.digest
    try:
        response = deps.client.files_upload_v2(
            channel=channel,
            thread_ts=thread_ts,
            file=render_target_chart(
                digest.planned_lines, site_name=digest.site_name, day=digest.production_date
            ),
            filename=f"digest-{site_digest.period}.png",
            title=f"{digest.site_name} · target vs actual · {site_digest.period}",
        )
    except (SlackApiError, SlackClientError) as error:
        logger.warning("%s not uploaded, the next run retries: %s", key, error)
        release(deps.session_factory, post_id, error=str(error))
        return [PostOutcome(key, sent=False)]
    file_id = str(response["file"]["id"])
    mark_sent(deps.session_factory, post_id, channel=channel, message_ts=file_id)
    return [PostOutcome(key, sent=True, message_ts=file_id)]
