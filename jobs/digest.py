"""``digest``: at the site's digest time, yesterday's production date for the whole site.

One post to the digest channel and one DM to each head of production (``chat.postMessage`` with
the user id as channel, which Slack delivers as a DM from the bot), then the chart uploaded into
the channel post's thread. Each post and the chart upload is owed once in the outbox
(``bot.slack.owed_posts``), so a re-run owes nothing again; the chart waits until its channel
post has a ``ts``, and what Slack refused is retried by the ``deliveries`` job for ``KEEP_FOR``.

A production date on which nothing was planned and nothing was reported (a weekend, a site-wide
stop) gets no digest, nor does one before the site went live that holds no entry
(``bot.numbers.go_live``).
"""

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.db import session_scope
from bot.messages.digest import build_digest_blocks, digest_text
from bot.messages.weekly import build_repeat_problem_blocks
from bot.numbers.digest import Digest, compute_digest
from bot.numbers.go_live import site_period_owed
from bot.numbers.repeats import RepeatProblem
from bot.plant.shifts import local_date
from bot.records.outbox import Owed, owed_keys
from bot.records.repeat_issues import raise_repeat_problems
from bot.slack.files import Upload, owed_upload
from bot.slack.outbox import PostOutcome
from bot.slack.owed_posts import DuePost, outbox_key, owe_and_deliver
from jobs.base import CATCH_UP, JobDeps, SiteIds, site_review_posts, sites_of
from models import Site

logger = logging.getLogger(__name__)

name = "digest"
description = "Yesterday's numbers to the digest channel and each head, with a chart, daily."
CHART_JOB = "digest-chart"
# Yesterday's numbers are still worth reading today; not tomorrow, when the next digest is out.
KEEP_FOR = timedelta(hours=24)


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


def run(at: datetime, deps: JobDeps, sites: SiteIds = None) -> list[PostOutcome]:
    with session_scope(deps.session_factory) as session:
        due = []
        for site in sites_of(session, sites):
            for digest_at, production_date in digests_due(site, at=at):
                # Before the digest, so a newly raised issue is among its open issues; raised
                # even on a day without a digest, since the issue is owed either way.
                repeats = raise_repeat_problems(
                    session, site=site, through=production_date, at=digest_at
                )
                digest = compute_digest(
                    session, site=site, production_date=production_date, as_of=digest_at
                )
                if digest.has_production and site_period_owed(
                    session, site, first=production_date, last=production_date
                ):
                    due.append(_SiteDigest(site.id, site.digest_channel, digest, repeats))
        posts = [post for site_digest in due for post in _posts(session, site_digest)]
        # The chart is rendered only when it is owed for the first time.
        known = owed_keys(session, [_chart_key(site_digest) for site_digest in due])
        charts = [d for d in due if d.channel and _chart_key(d) not in known]
    return owe_and_deliver(
        deps.outbox,
        [*(post.owed(keep_for=KEEP_FOR) for post in posts), *map(_owed_chart, charts)],
    )


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


def _chart_key(site_digest: _SiteDigest) -> str:
    return outbox_key(CHART_JOB, site_digest.scope, site_digest.period)


def _owed_chart(site_digest: _SiteDigest) -> Owed:
    """The chart, owed into the channel digest's thread: the outbox sends it after the digest
    (owed before it, to the same channel) and records the file id where a post has its ``ts``.
    """
    # Pillow takes a few tens of milliseconds to import: only an owed chart pays for it, not
    # every `prodbot` command that loads the job registry (tests/test_cli_startup.py).
    from bot.messages.chart import ChartLine, render_daily_chart

    digest = site_digest.digest
    upload = Upload(
        filename=f"digest-{site_digest.period}.png",
        title=f"{digest.site_name} · attainment and OEE · {site_digest.period}",
        content=lambda: render_daily_chart(
            [
                ChartLine(
                    code=line.code,
                    attainment=line.attainment,
                    oee=line.losses.oee if line.losses else None,
                )
                for line in digest.lines
                if line.has_production
            ],
            site_name=digest.site_name,
            day=digest.production_date,
        ),
    )
    return owed_upload(
        _chart_key(site_digest),
        kind=CHART_JOB,
        channel=str(site_digest.channel),
        thread_of=outbox_key(name, site_digest.scope, site_digest.period),
        upload=upload,
        keep_for=KEEP_FOR,
    )
