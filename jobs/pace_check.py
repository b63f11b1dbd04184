"""``pace-check``: within shifts, warn when a line is heading for less than its target.

Below ``pace_alert`` the line channel is told; below ``pace_escalate`` each of the line's
managers gets a DM. Each level posts once per line and shift instance, however often the job
runs and however the pace moves afterwards. Only the clock ``at`` is judged: a pace alert for a
moment already past is no longer news, so unlike the end-of-shift jobs there is no catch-up.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.messages.alerts import (
    build_pace_alert_blocks,
    build_pace_escalation_blocks,
    pace_alert_text,
    pace_escalation_text,
)
from bot.numbers.go_live import live_lines
from bot.numbers.pace import LinePace, compute_line_paces
from bot.plant.file import AlertConfig, alerts_of
from bot.plant.people import people_by_line
from bot.plant.shifts import ShiftInstance, instances_between
from bot.slack.outbox import PostOutcome
from bot.slack.owed_posts import DuePost, Message
from jobs.base import LONGEST_SHIFT, JobDeps, SiteIds, post_due
from models import Role, Shift, Site

name = "pace-check"
description = "Line channel alert when a shift is heading below target; DM managers when far below."

# A pace alert is news for the next half-hour check or so; an hour late it misleads.
KEEP_FOR = timedelta(hours=1)


def run(at: datetime, deps: JobDeps, sites: SiteIds = None) -> list[PostOutcome]:
    return post_due(deps, at, _due_alerts, keep_for=KEEP_FOR, sites=sites)


def _due_alerts(session: Session, at: datetime, sites: Sequence[Site]) -> list[DuePost]:
    posts: list[DuePost] = []
    for site in sites:
        alerts = alerts_of(site)
        for instance in _instances_in_progress(site, at):
            shift = session.get_one(Shift, instance.shift_id)
            lines = [line for line in live_lines(site.lines, ended=instance.end) if line.active]
            paces = compute_line_paces(session, lines=lines, shift=shift, instance=instance, at=at)
            behind = [pace for pace in paces if pace.projection.share < alerts.pace_alert]
            managers = people_by_line(
                session, line_ids=[pace.line_id for pace in behind], role=Role.MANAGER
            )
            for pace in behind:
                posts.extend(_alert_posts(pace, alerts, managers.get(pace.line_id, [])))
    return posts


def _instances_in_progress(site: Site, at: datetime) -> list[ShiftInstance]:
    """Every instance running at ``at``: overlapping shifts are each judged on their own."""
    patterns = [shift for shift in site.shifts if shift.active]
    zone = ZoneInfo(site.timezone)
    started = instances_between(patterns, zone, at - LONGEST_SHIFT, at)
    return [instance for instance in started if instance.contains(at)]


def _alert_posts(pace: LinePace, alerts: AlertConfig, managers: list[str]) -> list[DuePost]:
    period = f"{pace.instance.production_date}/{pace.instance.shift_name}"
    posts = []
    if pace.channel_id:
        posts.append(
            DuePost(
                job=name,
                scope=f"line:{pace.line_id}:alert",
                period=period,
                message=Message(
                    channel=pace.channel_id,
                    text=pace_alert_text(pace),
                    blocks=[block.to_dict() for block in build_pace_alert_blocks(pace)],
                ),
            )
        )
    if pace.projection.share < alerts.pace_escalate:
        threshold = alerts.pace_escalate
        blocks = [b.to_dict() for b in build_pace_escalation_blocks(pace, threshold=threshold)]
        posts.extend(
            DuePost(
                job=name,
                scope=f"line:{pace.line_id}:escalate:{manager}",
                period=period,
                message=Message(
                    channel=manager,
                    text=pace_escalation_text(pace, threshold=threshold),
                    blocks=blocks,
                ),
            )
            for manager in managers
        )
    return posts
