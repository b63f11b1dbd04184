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

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import session_scope
from bot.messages.digest import build_digest_blocks, digest_text
from bot.messages.weekly import build_repeat_problem_blocks
from bot.numbers.digest import Digest, compute_digest
from bot.numbers.repeats import RepeatProblem
from bot.plant.shifts import local_date
from bot.records.repeat_issues import raise_repeat_problems
from bot.slack.files import Upload, upload_once
from bot.slack.ledger import DuePost, PostOutcome, post_many, sent_reference
from jobs.base import CATCH_UP, JobDeps, site_review_posts
from models import Site

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
    digest, repeats = site_digest.digest, site_digest.repeats
    blocks = [*build_digest_blocks(digest), *build_repeat_problem_blocks(repeats)]
    return site_review_posts(
        session,
        name,
        site_digest.period,
        site=(site_digest.site_id, site_digest.channel),
        text=digest_text(digest),
        blocks=[block.to_dict() for block in blocks],
    )


def _upload_chart(deps: JobDeps, site_digest: _SiteDigest, *, channel: str) -> list[PostOutcome]:
    """Upload the chart into the digest's thread once, after the digest itself was sent.

    Its ledger row (job ``digest-chart``) records the file id where a post records its ``ts``.
    """
    thread_ts = sent_reference(deps.session_factory, (name, site_digest.scope, site_digest.period))
    if thread_ts is None:
        return []  # the digest is not out yet; the next run uploads the chart after it
    digest = site_digest.digest

    def render() -> bytes:
        # matplotlib takes a good part of a second to import: only an upload pays for it, not
        # every `prodbot` command that loads the job registry.
        from bot.messages.chart import render_target_chart

        return render_target_chart(
            digest.planned_lines, site_name=digest.site_name, day=digest.production_date
        )

    upload = Upload(
        filename=f"digest-{site_digest.period}.png",
        title=f"{digest.site_name} · target vs actual · {site_digest.period}",
        content=render,
    )
    outcome = upload_once(
        client=deps.client,
        session_factory=deps.session_factory,
        key=(CHART_JOB, site_digest.scope, site_digest.period),
        channel=channel,
        thread_ts=thread_ts,
        upload=upload,
    )
    return [outcome]
