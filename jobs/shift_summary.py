"""``shift-summary``: after each shift end + report grace, the shift's numbers to each line channel:
output against target, OEE with its biggest loss, and the hour-by-hour board.

It also redraws the shift's live board one last time, with the shift's final numbers, when the
summary is owed. A summary Slack refused is retried by the ``deliveries`` job for ``KEEP_FOR``.
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from bot.db import session_scope
from bot.messages.handover import unacknowledged_handover_text
from bot.messages.summary import build_shift_summary_blocks, shift_summary_text
from bot.numbers.go_live import line_live_by
from bot.numbers.hourly import compute_hour_by_hour
from bot.numbers.production import compute_shift_board
from bot.plant.file import alerts_of
from bot.records.handover import pending_handover
from bot.records.outbox import owe_all
from bot.slack.boards import BoardKey, finalise_board
from bot.slack.outbox import PostOutcome
from bot.slack.owed_posts import DuePost, Message
from jobs.base import JobDeps, SiteIds, shifts_due, sites_of
from models import Shift, Site

name = "shift-summary"
description = "Each line's shift numbers to its channel, after the shift ends + report grace."

# A summary is read during the next shift or two; half a day late it is history.
KEEP_FOR = timedelta(hours=12)


def run(at: datetime, deps: JobDeps, sites: SiteIds = None) -> list[PostOutcome]:
    with session_scope(deps.session_factory) as session:
        due = _due_summaries(session, at, sites_of(session, sites))
        owed = [post.owed(keep_for=KEEP_FOR) for post, _ in due.values()]
        ids = owe_all(session, owed, at=datetime.now(UTC))
    outcomes = deps.outbox.deliver(list(ids.values()))
    # Each board closes once, with its newly owed summary, whether Slack took the summary now
    # or the ``deliveries`` job sends it later.
    for key in ids:
        finalise_board(deps.client, deps.session_factory, due[key][1], at=at)
    return outcomes


def _due_summaries(
    session: Session, at: datetime, sites: Sequence[Site]
) -> dict[str, tuple[DuePost, BoardKey]]:
    """Outbox key → (the summary post, the board it closes: line id, shift id, date)."""
    due = {}
    for site in sites:
        grace = timedelta(minutes=alerts_of(site).report_grace_minutes)
        for instance in shifts_due(site, at=at, after_end=grace):
            shift = session.get_one(Shift, instance.shift_id)
            for line in site.lines:
                if not (line.active and line.channel_id):
                    continue
                view = compute_shift_board(
                    session, line=line, shift=shift, production_date=instance.production_date, at=at
                )
                if view.target is None and not view.totals.output_entries:
                    continue  # not planned on this line (or a planned stop) and nothing reported
                if not line_live_by(line, instance.end) and not (
                    view.totals.output_entries or view.totals.delay_minutes
                ):
                    continue  # it ended before the line went live, and holds no entry
                hours = compute_hour_by_hour(
                    session,
                    line_id=line.id,
                    instance=view.instance,
                    zone=view.zone,
                    target=view.target,
                )
                blocks = build_shift_summary_blocks(
                    view,
                    reported=view.totals.output_entries > 0,
                    pending_handover=_pending_handover_text(
                        session, (line.id, shift.id, instance.production_date)
                    ),
                    hours=hours,
                )
                post = DuePost(
                    job=name,
                    scope=f"line:{line.id}",
                    period=f"{instance.production_date}/{shift.name}",
                    message=Message(
                        channel=line.channel_id,
                        text=shift_summary_text(view),
                        blocks=[block.to_dict() for block in blocks],
                    ),
                )
                due[post.key] = (post, (line.id, shift.id, instance.production_date))
    return due


def _pending_handover_text(session: Session, key: BoardKey) -> str | None:
    line_id, shift_id, production_date = key
    handover = pending_handover(
        session, line_id=line_id, shift_id=shift_id, production_date=production_date
    )
    return unacknowledged_handover_text(handover) if handover else None
