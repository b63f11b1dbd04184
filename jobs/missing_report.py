"""``missing-report``: after a shift, remind the leads of lines that reported no output.

``missing_report_minutes`` after the shift's end, each planned line without an output entry gets
a reminder in its channel that mentions its leads; lines that reported stay quiet. An hour
later, whatever is still missing goes to the managers: one DM per manager and shift instance
listing all their unreported lines, so a manager of many lines gets one message, not many.
Both steps go through ``shifts_due``, so a run that was missed catches up within the grace.
"""

from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.messages.alerts import (
    build_missing_report_blocks,
    build_missing_reports_dm_blocks,
    missing_report_text,
    missing_reports_dm_text,
)
from bot.numbers.go_live import live_lines
from bot.numbers.pace import MissingReport, missing_reports
from bot.plant.file import alerts_of
from bot.slack.outbox import PostOutcome
from bot.slack.owed_posts import DuePost, Message
from jobs.base import JobDeps, SiteIds, post_due, shifts_due
from models import Shift, Site

name = "missing-report"
description = "Reminds leads of lines without an output entry after a shift; managers an hour on."

MANAGER_DELAY = timedelta(minutes=60)
# A reminder (or the managers' DM) is worth sending while the report can still be caught up
# before the next step or shift; later it only nags.
KEEP_FOR = timedelta(hours=2)


def run(at: datetime, deps: JobDeps, sites: SiteIds = None) -> list[PostOutcome]:
    return post_due(deps, at, _due_reminders, keep_for=KEEP_FOR, sites=sites)


def _due_reminders(session: Session, at: datetime, sites: Sequence[Site]) -> list[DuePost]:
    posts: list[DuePost] = []
    for site in sites:
        after_end = timedelta(minutes=alerts_of(site).missing_report_minutes)
        for reports in _missing(session, site, at=at, after_end=after_end):
            posts.extend(
                _lead_reminder(report, channel)
                for report in reports
                if (channel := report.channel_id)
            )
        for reports in _missing(session, site, at=at, after_end=after_end + MANAGER_DELAY):
            posts.extend(_manager_reminders(site, reports))
    return posts


def _missing(
    session: Session, site: Site, *, at: datetime, after_end: timedelta
) -> Iterator[list[MissingReport]]:
    """The unreported lines of each shift instance falling due, one list per instance; a line
    that went live after the instance ended is owed no reminder for it."""
    for instance in shifts_due(site, at=at, after_end=after_end):
        shift = session.get_one(Shift, instance.shift_id)
        lines = live_lines(site.lines, ended=instance.end)
        yield missing_reports(session, lines=lines, shift=shift, instance=instance)


def _period(report: MissingReport) -> str:
    return f"{report.instance.production_date}/{report.instance.shift_name}"


def _lead_reminder(report: MissingReport, channel: str) -> DuePost:
    return DuePost(
        job=name,
        scope=f"line:{report.line_id}:leads",
        period=_period(report),
        message=Message(
            channel=channel,
            text=missing_report_text(report),
            blocks=[block.to_dict() for block in build_missing_report_blocks(report)],
        ),
    )


def _manager_reminders(site: Site, reports: list[MissingReport]) -> Iterator[DuePost]:
    by_manager: dict[str, list[MissingReport]] = defaultdict(list)
    for report in reports:
        for manager in report.managers:
            by_manager[manager].append(report)
    for manager, theirs in sorted(by_manager.items()):
        yield DuePost(
            job=name,
            scope=f"site:{site.id}:manager:{manager}",
            period=_period(theirs[0]),
            message=Message(
                channel=manager,
                text=missing_reports_dm_text(theirs),
                blocks=[block.to_dict() for block in build_missing_reports_dm_blocks(theirs)],
            ),
        )
