"""What machines count, written as output entries (docs/machines.md).

A machine's counts are ``output_entries`` rows with ``source = 'machine'``: one row per line and
UTC minute, placed on the shift instance of that minute and grown by adding to it, so every
number reads them like a report. The count topics' duplicate and reset state
(``machine_topics``) is written in the same transaction as the counts it let through: a crash
never leaves one without the other.

Operators' ``/output`` on such lines: on a line counted by its machine a good count is refused
(scrap and delays are still people's to report); on a line counted by both it is kept with
``counted`` false, shown beside the machine's count but never the actual.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db import upsert_insert
from bot.errors import ProdbotError
from bot.plant.shifts import ShiftInstance, latest_shift_instance
from bot.plant.snapshot import LineRef
from models import Line, OutputEntry, Shift, Site
from models.machines import MachineTopic
from models.schemas import USAGE

MACHINE = "machine"
# A count at a time no shift covers goes to the shift instance that ended last, this far back
# at most (a weekend's counts go to Friday's last shift); further back, to no shift: dropped.
NO_SHIFT_WINDOW = timedelta(days=8)


Values = dict[str, Any]


class MachineCountsOnly(ProdbotError):
    """An operator's good count on a line its machine counts."""


def operator_output_counted(line: LineRef, *, good: int) -> bool:
    """Whether an operator's output entry on the line counts as its actual.

    Raises MachineCountsOnly for good units on a line counted by its machine alone; False on a
    line counted by both (the entry is kept beside the machine's count).
    """
    if line.counting == "machine" and good > 0:
        raise MachineCountsOnly(
            f"{line.code} is counted by its machine: report scrap with "
            f"`/output {line.code} 0 scrap N`, and delays with `/delay`.",
            usage=USAGE["output"],
        )
    return line.counting != "both"


@dataclass(frozen=True)
class TopicState:
    """What a count topic's next message is judged by (``machine_topics``)."""

    line_id: int
    last_seq: int | None = None
    last_total: int | None = None
    last_scrap_total: int | None = None


@dataclass(frozen=True)
class MinuteCount:
    good: int
    scrap: int


def load_topic_states(session: Session) -> dict[str, TopicState]:
    return {
        row.topic: TopicState(row.line_id, row.last_seq, row.last_total, row.last_scrap_total)
        for row in session.scalars(select(MachineTopic))
    }


@dataclass(frozen=True)
class Placement:
    shift_id: int
    production_date: date


class ShiftPlacer:
    """The shift instance of a line's minute, cached per (site, minute) for one flush."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._sites: dict[int, tuple[ZoneInfo, list[Shift]]] = {}
        self._placed: dict[tuple[int, datetime], Placement | None] = {}

    def place(self, site_id: int, minute: datetime) -> Placement | None:
        key = (site_id, minute)
        if key not in self._placed:
            if site_id not in self._sites:
                site = self._session.get_one(Site, site_id)
                self._sites[site_id] = (
                    ZoneInfo(site.timezone),
                    [shift for shift in site.shifts if shift.active],
                )
            zone, shifts = self._sites[site_id]
            instance: ShiftInstance | None = latest_shift_instance(
                shifts, zone, minute, ended_within=NO_SHIFT_WINDOW
            )
            self._placed[key] = (
                None if instance is None else Placement(instance.shift_id, instance.production_date)
            )
        return self._placed[key]


@dataclass(frozen=True)
class WrittenCounts:
    """What one flush wrote: the boards to redraw, and the minutes no shift took."""

    boards: frozenset[tuple[int, int, date]]
    dropped: int


def record_machine_counts(
    session: Session,
    *,
    counts: Mapping[tuple[int, datetime], MinuteCount],
    topics: Mapping[str, TopicState],
    line_sites: Mapping[int, int],
    at: datetime,
) -> WrittenCounts:
    """Add each (line id, UTC minute)'s count to its row, and save the topics' state.

    ``line_sites`` maps each line id to its site id. One statement per line-minute; the caller
    commits them all at once.
    """
    placer = ShiftPlacer(session)
    boards: set[tuple[int, int, date]] = set()
    rows: list[dict[str, Any]] = []
    for (line_id, minute), count in counts.items():
        site_id = line_sites.get(line_id)
        placed = None if site_id is None else placer.place(site_id, minute)
        if placed is None:
            continue
        rows.append(_minute_row(line_id, minute, placed, count))
        boards.add((line_id, placed.shift_id, placed.production_date))
    if rows:
        session.execute(_add_to_minutes(session), rows)
    if topics:
        session.execute(
            _save_topics(session),
            [{"topic": topic, **_topic_values(state, at)} for topic, state in topics.items()],
        )
    dropped = len(counts) - len(rows)
    return WrittenCounts(frozenset(boards), dropped)


def minute_key(line_id: int, minute: datetime) -> str:
    return f"machine:{line_id}:{minute.astimezone(UTC):%Y%m%dT%H%M}"


def _minute_row(line_id: int, minute: datetime, placed: Placement, count: MinuteCount) -> Values:
    return {
        "line_id": line_id,
        "shift_id": placed.shift_id,
        "production_date": placed.production_date,
        "reported_by": MACHINE,
        "reported_at": minute,
        "request_key": minute_key(line_id, minute),
        "good": count.good,
        "scrap": count.scrap,
        "source": MACHINE,
        "counted": True,
    }


def _add_to_minutes(session: Session) -> Any:
    """One statement for all of a flush's line-minutes (executemany): add to the row if the
    minute has one."""
    statement = upsert_insert(session)(OutputEntry)
    return statement.on_conflict_do_update(
        index_elements=[OutputEntry.request_key],
        set_={
            "good": OutputEntry.good + statement.excluded.good,
            "scrap": OutputEntry.scrap + statement.excluded.scrap,
        },
    )


def _topic_values(state: TopicState, at: datetime) -> Values:
    return {
        "line_id": state.line_id,
        "last_seq": state.last_seq,
        "last_total": state.last_total,
        "last_scrap_total": state.last_scrap_total,
        "updated_at": at,
    }


def _save_topics(session: Session) -> Any:
    statement = upsert_insert(session)(MachineTopic)
    return statement.on_conflict_do_update(
        index_elements=[MachineTopic.topic],
        set_={
            name: statement.excluded[name]
            for name in ("line_id", "last_seq", "last_total", "last_scrap_total", "updated_at")
        },
    )


@dataclass(frozen=True)
class TopicMap:
    """The topics of every active line that names one, and the plant version they are of."""

    version: int
    counts: dict[str, tuple[int, int]]  # count topic: (line id, site id)
    states: dict[str, int]  # state topic: line id


def plant_version(session: Session) -> int:
    return int(session.scalar(select(func.coalesce(func.sum(Site.plant_version), 0))) or 0)


def machine_topic_map(session: Session) -> TopicMap:
    counts: dict[str, tuple[int, int]] = {}
    states: dict[str, int] = {}
    for line in session.scalars(select(Line).where(Line.active)):
        if line.count_topic and line.counting != "operator":
            counts[line.count_topic] = (line.id, line.site_id)
        if line.state_topic:
            states[line.state_topic] = line.id
    return TopicMap(plant_version(session), counts, states)
