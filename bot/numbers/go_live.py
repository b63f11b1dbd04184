"""When a site and its lines went live, and so which periods the scheduled jobs owe a post for.

A site goes live at local midnight of the plant file's ``live_from`` date if it has one, else at
the plant load that created it (``sites.live_since``). The lines it was created with go live
with it; a line added by a later load goes live at that load, or at the site's go-live if that
is later. ``None`` means live since forever: a site or line from before prodbot recorded this.

The rule the jobs apply: nothing is owed for a period that ended before go-live (no reminder,
pace alert or escalation), except that a summary, digest or review is still owed for such a
period when it holds reported or imported data. Only the scheduled jobs ask; reports and
numbers read the database as it is.
"""

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from bot.numbers.instances import COUNTED_OUTPUT
from bot.plant.shifts import local_date
from models import DelayEntry, Line, OutputEntry, Site


def site_live_from(site: Site) -> datetime | None:
    """The instant the site went live; None: live since forever."""
    if site.live_from is None:
        return site.live_since
    midnight = datetime.combine(site.live_from, time(0), tzinfo=ZoneInfo(site.timezone))
    return midnight.astimezone(UTC)


def line_live_from(line: Line) -> datetime | None:
    """The instant the line went live: its site's go-live, or its own load if that came later."""
    site = line.site
    went_live = site_live_from(site)
    added = line.live_since
    if added is None or (site.live_since is not None and added <= site.live_since):
        return went_live  # loaded with the site (or before loads were recorded)
    return added if went_live is None else max(went_live, added)


def line_live_by(line: Line, end: datetime) -> bool:
    """Whether a period of the line that ended (or was raised) at ``end`` is after go-live."""
    went_live = line_live_from(line)
    return went_live is None or went_live <= end


def live_lines(lines: Iterable[Line], *, ended: datetime) -> list[Line]:
    """The ``lines`` live by ``ended``: those owed reminders or alerts for a period ending then."""
    return [line for line in lines if line_live_by(line, ended)]


def site_live_by(site: Site, last: date) -> bool:
    """Whether a site-wide period whose last production date is ``last`` reaches go-live.

    The production date on which the site went live is its first: a day or week that contains
    go-live is reported like any other.
    """
    went_live = site_live_from(site)
    return went_live is None or local_date(went_live, ZoneInfo(site.timezone)) <= last


def holds_entries(session: Session, *, line_ids: Sequence[int], first: date, last: date) -> bool:
    """Whether any unvoided output or delay entry of the lines is dated ``first``..``last``."""
    return any(
        session.scalar(
            select(
                exists().where(
                    entry.line_id.in_(line_ids),
                    entry.production_date >= first,
                    entry.production_date <= last,
                    COUNTED_OUTPUT if entry is OutputEntry else entry.voided_at.is_(None),
                )
            )
        )
        for entry in (OutputEntry, DelayEntry)
    )


def site_period_owed(session: Session, site: Site, *, first: date, last: date) -> bool:
    """Whether a site-wide review of ``first``..``last`` (a digest, a weekly review) is owed:
    the period reaches go-live, or it holds reported or imported data."""
    return site_live_by(site, last) or holds_entries(
        session, line_ids=[line.id for line in site.lines], first=first, last=last
    )
