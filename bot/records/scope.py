"""Where a request lands: the site of its channel or its caller, a line, a shift instance.

Plain functions over the cached plant snapshot: nothing here writes.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.errors import NoPlantLoaded, NotAllowed, NotFound, ProdbotError
from bot.plant.shifts import (
    ShiftInstance,
    latest_shift_instance,
    latest_started_instance,
    local_date,
    runs_on,
    shift_instance,
)
from bot.plant.snapshot import LineRef, PlantSnapshot, ShiftRef, SiteRef, load_snapshot
from models.schemas import ParseContext

logger = logging.getLogger(__name__)

# A lead finishing the paperwork after the shift still reports into the shift that just ended.
LATE_REPORT_WINDOW = timedelta(hours=2)


@dataclass(frozen=True)
class RequestScope:
    """The site a request is about, where it was typed, and what the parser needs to know."""

    site: SiteRef
    zone: ZoneInfo
    parse_context: ParseContext
    plant: PlantSnapshot
    channel_id: str | None


NOT_IN_PLANT = (
    "prodbot does not know you yet: you are not in the plant file of any site. Ask your "
    "plant admin to add you. To raise an issue, type `/issue` in your line's channel."
)


def request_scope(
    session: Session,
    *,
    channel_id: str | None,
    user_id: str,
    team_id: str | None,
    at: datetime,
    plant: PlantSnapshot | None = None,
) -> RequestScope:
    """The site of the channel's line, else the caller's site; nobody else's.

    ``team_id`` is the Slack workspace the request came from: a site that names its workspace
    (``slack_team``) is refused to any other. ``None`` only for the demo's own requests.
    ``plant`` is the process's cached snapshot; without it the plant is read afresh.
    """
    plant = plant or load_snapshot(session)
    if not plant.sites:
        raise NoPlantLoaded()
    channel_lines = plant.lines_in_channel(channel_id) if channel_id else []
    site_id = channel_lines[0].site_id if channel_lines else plant.user_sites.get(user_id)
    if site_id is None:
        raise NotAllowed(NOT_IN_PLANT)
    site = plant.site(site_id)
    if site.slack_team is not None and team_id is not None and team_id != site.slack_team:
        logger.warning("refused %s from workspace %s for %s", user_id, team_id, site.name)
        raise NotAllowed(f"{site.name} takes requests from its own Slack workspace only.")
    channel_line = (
        channel_lines[0].code_key
        if len(channel_lines) == 1 and channel_lines[0].site_id == site.id
        else None
    )
    context = ParseContext(
        line_codes=frozenset(line.code_key for line in site.lines),
        channel_line=channel_line,
        delay_reasons=site.delay_reasons,
        today=local_date(at, site.zone),
    )
    return RequestScope(
        site=site, zone=site.zone, parse_context=context, plant=plant, channel_id=channel_id
    )


def get_line(*, site: SiteRef, code_key: str) -> LineRef:
    line = next((line for line in site.lines if line.code_key == code_key), None)
    if line is None:
        codes = ", ".join(line.code for line in site.lines)
        raise NotFound(f"There is no line '{code_key}' at {site.name} (lines: {codes}).")
    return line


def resolve_shift_instance(
    *,
    scope: RequestScope,
    shift_name: str | None,
    production_date: date | None,
    at: datetime,
    window: timedelta = LATE_REPORT_WINDOW,
    usage: str,
) -> tuple[ShiftRef, ShiftInstance]:
    """The named shift instance, or the one in progress (or just ended) at ``at``."""
    shifts = scope.site.shifts
    if shift_name is None:
        if production_date is not None:
            raise ProdbotError("With `date`, also name the shift, e.g. `shift A`.", usage=usage)
        instance = latest_shift_instance(shifts, scope.zone, at, ended_within=window)
        if instance is None:
            names = ", ".join(shift.name for shift in shifts)
            raise ProdbotError(
                f"No shift is running at {scope.site.name} now. Name the shift ({names}), "
                "e.g. `shift A`.",
                usage=usage,
            )
        return next(s for s in shifts if s.id == instance.shift_id), instance

    shift = next((s for s in shifts if s.name_key == shift_name.lower()), None)
    if shift is None:
        names = ", ".join(s.name for s in shifts)
        raise NotFound(
            f"There is no shift '{shift_name}' at {scope.site.name} (shifts: {names}).", usage=usage
        )
    if production_date is None:
        latest = latest_started_instance(shift, scope.zone, at)
        if latest is None:
            raise NotFound(f"Shift {shift.name} has not run in the last week.", usage=usage)
        return shift, latest
    if not runs_on(shift, production_date):
        raise NotFound(
            f"Shift {shift.name} does not run on {production_date:%a %d %b} "
            f"(it runs {', '.join(shift.weekdays)}).",
            usage=usage,
        )
    instance = shift_instance(shift, production_date, scope.zone)
    if instance.start > at:
        raise ProdbotError(
            f"Shift {shift.name} on {production_date:%a %d %b} has not started yet.", usage=usage
        )
    return shift, instance
