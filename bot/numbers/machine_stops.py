"""Machine stops as the messages and the digest show them: plain values over ``machine_stops``.

A stop's minutes are the whole minutes (nearest, at least 1) from its start to its end, or to
the clock while it is still open. A stop is *unexplained* while it has no reason: the machine
sent none the site knows, and nobody answered the prompt.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Line
from models.machines import MachineStop

# Stops older than this are no longer prompted (a scheduler down for a day asks nothing stale).
PROMPT_WINDOW = timedelta(hours=12)


@dataclass(frozen=True)
class StopView:
    """A stop as its prompt shows it."""

    id: int
    line_id: int
    line_code: str
    channel_id: str | None
    zone: ZoneInfo
    started_at: datetime
    ended_at: datetime | None
    minutes: int
    reason: str | None
    answered_by: str | None
    machine_reason: str | None
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class UnexplainedStops:
    """Stops of a production date without a reason: how many, their minutes, and their share of
    all machine-stop minutes (None when no machine stopped)."""

    count: int
    minutes: int
    share: float | None


def stop_minutes(started_at: datetime, ended_at: datetime | None, at: datetime) -> int:
    end = ended_at or at
    return max(1, int((end - started_at).total_seconds() / 60 + 0.5))


def stop_view(session: Session, stop: MachineStop, *, at: datetime) -> StopView:
    line = session.get_one(Line, stop.line_id)
    return StopView(
        id=stop.id,
        line_id=line.id,
        line_code=line.code,
        channel_id=line.channel_id,
        zone=ZoneInfo(line.site.timezone),
        started_at=stop.started_at,
        ended_at=stop.ended_at,
        minutes=stop_minutes(stop.started_at, stop.ended_at, at),
        reason=stop.reason,
        answered_by=stop.answered_by,
        machine_reason=stop.machine_reason,
        reasons=tuple(line.site.delay_reasons),
    )


def stops_to_prompt(session: Session, *, at: datetime, site_ids: Sequence[int]) -> list[StopView]:
    """Stops (open or ended) of a shift, longer than their line's ``stop_prompt_minutes``, with
    no reason and not prompted yet, started within ``PROMPT_WINDOW``."""
    rows = session.execute(
        select(MachineStop, Line.stop_prompt_minutes)
        .join(Line, Line.id == MachineStop.line_id)
        .where(
            Line.site_id.in_(site_ids),
            Line.active.is_(True),
            MachineStop.reason.is_(None),
            MachineStop.prompted_at.is_(None),
            MachineStop.shift_id.is_not(None),
            MachineStop.started_at >= at - PROMPT_WINDOW,
            MachineStop.started_at <= at,
        )
        .order_by(MachineStop.started_at, MachineStop.id)
    ).all()
    return [
        stop_view(session, stop, at=at)
        for stop, threshold in rows
        if (stop.ended_at or at) - stop.started_at > timedelta(minutes=threshold)
    ]


def stops_to_remind(
    session: Session, *, at: datetime, after: timedelta, site_ids: Sequence[int]
) -> list[StopView]:
    """Prompted stops still without a reason ``after`` the prompt, not reminded yet."""
    stops = session.scalars(
        select(MachineStop)
        .join(Line, Line.id == MachineStop.line_id)
        .where(
            Line.site_id.in_(site_ids),
            MachineStop.reason.is_(None),
            MachineStop.reminded_at.is_(None),
            MachineStop.prompted_at.is_not(None),
            MachineStop.prompted_at <= at - after,
            MachineStop.started_at >= at - PROMPT_WINDOW - after,
        )
        .order_by(MachineStop.started_at, MachineStop.id)
    ).all()
    return [stop_view(session, stop, at=at) for stop in stops]


def unexplained_stops(
    session: Session, *, site_id: int, production_date: date, at: datetime
) -> UnexplainedStops:
    """The site's machine stops of ``production_date`` without a reason (open ones to ``at``)."""
    stops = session.execute(
        select(MachineStop.started_at, MachineStop.ended_at, MachineStop.reason)
        .join(Line, Line.id == MachineStop.line_id)
        .where(Line.site_id == site_id, MachineStop.production_date == production_date)
    ).all()
    total = unexplained = count = 0
    for started_at, ended_at, reason in stops:
        minutes = stop_minutes(started_at, ended_at, at)
        total += minutes
        if reason is None:
            count += 1
            unexplained += minutes
    return UnexplainedStops(count, unexplained, unexplained / total if total else None)
