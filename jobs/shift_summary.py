"""``shift-summary``: after each shift end + report grace, the shift's numbers to each line channel:
output against target, OEE with its biggest loss, and the hour-by-hour board.

It also redraws the shift's live board one last time, with the shift's final numbers, when the
summary is owed. A summary Slack refused is retried by the ``deliveries`` job for ``KEEP_FOR``.
"""

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.db import session_scope
from bot.messages.handover import unacknowledged_handover_text
from bot.messages.summary import build_shift_summary_blocks, shift_summary_text
from bot.numbers.go_live import line_live_by
from bot.numbers.hourly import compute_hours_by_line
from bot.numbers.production import ShiftBoardView, compute_shift_boards
from bot.plant.file import alerts_of
from bot.plant.shifts import ShiftInstance
from bot.records.handover import pending_handovers
from bot.records.outbox import owe_all
from bot.slack.boards import BoardKey, finalise_board
from bot.slack.outbox import PostOutcome
from bot.slack.owed_posts import DuePost, Message
from jobs.base import JobDeps, SiteIds, shifts_due, sites_of
from models import Line, Shift, Site

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
            for post, board in _summaries(session, site.lines, shift, instance, at=at):
                due[post.key] = (post, board)
    return due


def _summaries(
    session: Session, lines: Sequence[Line], shift: Shift, instance: ShiftInstance, *, at: datetime
) -> Iterator[tuple[DuePost, BoardKey]]:
    """The summary of each active line with a channel worth one in the instance, all the
    lines read at once."""
    channels = {line.id: channel for line in lines if line.active and (channel := line.channel_id)}
    lines = [line for line in lines if line.id in channels]
    day = instance.production_date
    views = compute_shift_boards(session, lines=lines, shift=shift, production_date=day, at=at)
    summarised = [
        (line, view)
        for line, view in zip(lines, views, strict=True)
        if _worth_a_summary(line, view, instance)
    ]
    hours = compute_hours_by_line(
        session,
        targets={line.id: view.target for line, view in summarised},
        instance=instance,
        zone=ZoneInfo(shift.site.timezone),
    )
    handovers = pending_handovers(
        session,
        line_ids=[line.id for line, _ in summarised],
        shift_id=shift.id,
        production_date=day,
    )
    for line, view in summarised:
        handover = handovers.get(line.id)
        blocks = build_shift_summary_blocks(
            view,
            reported=view.totals.output_entries > 0,
            pending_handover=unacknowledged_handover_text(handover) if handover else None,
            hours=hours[line.id],
        )
        post = DuePost(
            job=name,
            scope=f"line:{line.id}",
            period=f"{day}/{shift.name}",
            message=Message(
                channel=channels[line.id],
                text=shift_summary_text(view),
                blocks=[block.to_dict() for block in blocks],
            ),
        )
        yield post, (line.id, shift.id, day)


def _worth_a_summary(line: Line, view: ShiftBoardView, instance: ShiftInstance) -> bool:
    """Not when the line was not planned (or had a planned stop) and nothing was reported, nor
    when the instance ended before the line went live and holds no entry."""
    if view.target is None and not view.totals.output_entries:
        return False
    return line_live_by(line, instance.end) or bool(
        view.totals.output_entries or view.totals.delay_minutes
    )
