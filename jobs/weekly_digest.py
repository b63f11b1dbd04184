"""``weekly-digest``: Monday 07:30 in the site's zone, the ISO week before, for the whole site.

One post to the digest channel and one DM to each head of production, each owed once in the
outbox (key ``weekly-digest|<scope>|<ISO week such as 2026-W47>``), so a re-run owes nothing
again; what Slack refused is retried by the ``deliveries`` job for ``KEEP_FOR``. The review is
computed as of the Monday 07:30 it belongs to, not the run's clock, so a catch-up run posts what
the punctual one would have. A week in which nothing was planned and nothing was reported gets
no review, nor does a week that ended before the site went live and holds no entry
(``bot.numbers.go_live``).
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.db import session_scope
from bot.messages.weekly import build_weekly_blocks, weekly_text
from bot.numbers.go_live import site_period_owed
from bot.numbers.weekly import WEEK, WeeklyReview, compute_weekly_review
from bot.plant.file import alerts_of
from bot.plant.shifts import local_date
from bot.slack.outbox import PostOutcome
from bot.slack.owed_posts import DuePost, post_owed
from jobs.base import CATCH_UP, JobDeps, SiteIds, site_review_posts, sites_of
from models import Site

name = "weekly-digest"
description = "Last week's attainment, losses and trend, repeat problems and reporting, Mondays."

# The scheduler fires this job Mondays at this local time (jobs/scheduler.py).
WEEKLY_TIME = time(7, 30)
MONDAY = 0
# The week's review is still read until mid-week; after that the next one is what matters.
KEEP_FOR = timedelta(days=3)


def run(at: datetime, deps: JobDeps, sites: SiteIds = None) -> list[PostOutcome]:
    with session_scope(deps.session_factory) as session:
        posts = [
            post
            for site in sites_of(session, sites)
            for review_at, first in weeks_due(site, at=at)
            if (
                review := compute_weekly_review(
                    session,
                    site=site,
                    first=first,
                    report_grace=timedelta(minutes=alerts_of(site).report_grace_minutes),
                    as_of=review_at,
                )
            ).has_production
            and site_period_owed(session, site, first=first, last=review.last)
            for post in _posts(session, site, review)
        ]
    return post_owed(deps.outbox, posts, keep_for=KEEP_FOR)


def weeks_due(site: Site, *, at: datetime) -> list[tuple[datetime, date]]:
    """(review instant, Monday of the week reviewed) per Monday 07:30 in (at - CATCH_UP, at]."""
    zone = ZoneInfo(site.timezone)
    due = []
    day = local_date(at - CATCH_UP, zone)
    while day <= local_date(at, zone):
        review_at = datetime.combine(day, WEEKLY_TIME, tzinfo=zone).astimezone(UTC)
        if day.weekday() == MONDAY and at - CATCH_UP < review_at <= at:
            due.append((review_at, day - WEEK))
        day += timedelta(days=1)
    return due


def _posts(session: Session, site: Site, review: WeeklyReview) -> list[DuePost]:
    return site_review_posts(
        session,
        name,
        review.period,
        site=(site.id, site.digest_channel),
        text=weekly_text(review),
        blocks=[block.to_dict() for block in build_weekly_blocks(review)],
    )
