"""CSV export of entries, delays and issues: the same files for Slack and the terminal.

Voided rows are included with their void marks: an auditor must see corrections too. Issues
carry who acknowledged and resolved them, when, and the resolution note. Every time is ISO
8601 in the site's local time with its UTC offset (``2026-11-30T06:15:00+01:00``): what the
plant's clocks showed, and still one instant. People are Slack user ids, each followed by a
``*_name`` column with the display name when the caller knew it (the Slack path looks names
up; the terminal leaves them blank).

Text people typed or named (``TEXT_COLUMNS``) is neutralised against spreadsheet formula
injection: a cell that would start with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
gets a ``'`` in front, which ``prodbot import`` takes off again (``bot.transfer.cells``).

The rows are streamed, never gathered: PostgreSQL writes each file itself with COPY, block by
block (``bot.transfer.export_copy``, the same bytes); elsewhere the query is read ``BATCH`` rows
at a time into Python's CSV writer. An export of a year holds no more in memory than a day's.
"""

import csv
import io
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache, lru_cache
from typing import Any, Literal, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Select,
    and_,
    exists,
    func,
    null,
    select,
    tuple_,
    type_coerce,
    union,
)
from sqlalchemy.orm import Session, aliased

from bot.errors import NotFound
from bot.transfer.cells import neutralise
from bot.transfer.export_copy import copy_csv
from models import DelayEntry, Issue, IssueEvent, IssueStatus, Line, OutputEntry, Shift, Site

ENTRY_COLUMNS = (
    "id", "site", "line", "shift", "production_date", "good", "scrap", "scrap_reason", "note",
    "reported_by", "reported_by_name", "reported_at",
    "voided_at", "voided_by", "voided_by_name", "void_reason",
)  # fmt: skip
DELAY_COLUMNS = (
    "id", "site", "line", "shift", "production_date", "minutes", "reason", "note",
    "reported_by", "reported_by_name", "reported_at",
    "voided_at", "voided_by", "voided_by_name", "void_reason",
)  # fmt: skip
ISSUE_COLUMNS = (
    "id", "site", "line", "shift", "production_date", "severity", "category", "status",
    "text", "raised_by", "raised_by_name", "raised_at",
    "acknowledged_by", "acknowledged_by_name", "acknowledged_at",
    "resolved_by", "resolved_by_name", "resolved_at", "resolution_note",
)  # fmt: skip
# Each ``*_name`` column shows the display name of the Slack user id in the column it follows.
NAME_COLUMNS = {
    f"{person}_name": person
    for person in ("reported_by", "voided_by", "raised_by", "acknowledged_by", "resolved_by")
}
# Written by people, or named by them in Slack or the plant file: neutralised on export and
# restored on import. Every other column (ids, dates, instants, counts, minutes, and the
# severity, category and status enums) is written by the app from typed values and is never
# text that could start a formula, so it is left exactly as it is.
TEXT_COLUMNS = frozenset(
    {
        "site", "line", "shift", "note", "reason", "scrap_reason", "text", "void_reason",
        "resolution_note",
        *NAME_COLUMNS.values(), *NAME_COLUMNS,
    }
)  # fmt: skip


BATCH = 5000  # rows read from the database at a time (not on PostgreSQL)
# Issues whose status marks are read in one query: an IN list every driver takes.
MARKS_AT_ONCE = 500

Kind = Literal["entries", "delays", "issues"]
KINDS: tuple[Kind, ...] = ("entries", "delays", "issues")
COLUMNS: dict[Kind, tuple[str, ...]] = {
    "entries": ENTRY_COLUMNS,
    "delays": DELAY_COLUMNS,
    "issues": ISSUE_COLUMNS,
}
MODELS: dict[Kind, type[OutputEntry] | type[DelayEntry] | type[Issue]] = {
    "entries": OutputEntry,
    "delays": DelayEntry,
    "issues": Issue,
}
# Text naming a place, a reason or a person: neutralised once a value, not once a row.
LABEL_COLUMNS = frozenset(
    {"site", "line", "shift", "scrap_reason", "reason", *NAME_COLUMNS.values()}
)
# The first move of an issue to each of these statuses fills the issue file's columns.
MARKS = {
    IssueStatus.ACKNOWLEDGED: {"by": "acknowledged_by", "at": "acknowledged_at"},
    IssueStatus.RESOLVED: {"by": "resolved_by", "at": "resolved_at", "note": "resolution_note"},
}


@dataclass(frozen=True)
class CsvFile:
    name: str
    content: str
    rows: int


@dataclass(frozen=True)
class ExportScope:
    """Which production dates and lines an export covers, and every Slack user id its files
    name (whose display names to look up)."""

    date_from: date
    date_to: date
    line_ids: frozenset[int] | None
    people: frozenset[str]


def file_name(kind: Kind, date_from: date, date_to: date) -> str:
    return f"{kind}-{date_from:%Y%m%d}-{date_to:%Y%m%d}.csv"


def read_export(
    session: Session, *, date_from: date, date_to: date, line_ids: Collection[int] | None
) -> ExportScope:
    """The export of production dates ``date_from``..``date_to`` inclusive, on the lines
    ``line_ids`` (``None``: every line of every site, for the admin's terminal), with the people
    its files name: read with one query, however many rows the files hold."""
    lines = None if line_ids is None else frozenset(line_ids)
    people: list[Select[Any]] = []
    for model in (OutputEntry, DelayEntry):
        people += [
            select(model.reported_by.label("person")).where(
                _in_range(model, date_from, date_to, lines)
            ),
            select(model.voided_by).where(_in_range(model, date_from, date_to, lines)),
        ]
    people.append(select(Issue.raised_by).where(_in_range(Issue, date_from, date_to, lines)))
    earlier = aliased(IssueEvent)
    people.append(
        select(IssueEvent.by)
        .join(Issue, Issue.id == IssueEvent.issue_id)
        .where(
            _in_range(Issue, date_from, date_to, lines),
            IssueEvent.status.in_(list(MARKS)),
            ~exists().where(
                earlier.issue_id == IssueEvent.issue_id,
                earlier.status == IssueEvent.status,
                tuple_(earlier.at, earlier.id) < tuple_(IssueEvent.at, IssueEvent.id),
            ),
        )
    )
    found = session.scalars(select(union(*people).subquery().c.person))
    return ExportScope(date_from, date_to, lines, frozenset(person for person in found if person))


def write_csv(
    session: Session,
    kind: Kind,
    out: TextIO,
    *,
    date_from: date,
    date_to: date,
    line_ids: Collection[int] | None,
    names: Mapping[str, str] | None = None,
) -> int:
    """Write the ``kind`` file of production dates ``date_from``..``date_to`` on ``line_ids``
    to ``out`` as it is read, people named from ``names`` (user id → name; else blank)."""
    if session.get_bind().dialect.name == "postgresql":  # the same bytes, written by the database
        return copy_csv(
            session, kind, out, columns=COLUMNS[kind], date_from=date_from, date_to=date_to,
            line_ids=line_ids, names=names,
        )  # fmt: skip
    return write_csv_python(
        session, kind, out, date_from=date_from, date_to=date_to, line_ids=line_ids, names=names
    )


def write_csv_python(
    session: Session,
    kind: Kind,
    out: TextIO,
    *,
    date_from: date,
    date_to: date,
    line_ids: Collection[int] | None,
    names: Mapping[str, str] | None,
) -> int:
    """``write_csv`` by Python's CSV writer (SQLite; ``export_copy`` matches it byte for byte)."""
    header = COLUMNS[kind]
    conversions = _conversions(header, names or {})
    writer = csv.writer(out)
    writer.writerow(header)
    lines = None if line_ids is None else frozenset(line_ids)
    rows = 0
    for row in _stream(session, kind, date_from, date_to, lines, named=bool(names)):
        zone = _zone(row[-1])
        cells = list(row[:-1])
        for index, convert in conversions:
            if (value := cells[index]) is not None:
                cells[index] = convert(value, zone)
        writer.writerow(cells)  # None is written as a blank, a StrEnum as its value
        rows += 1
    return rows


def export_csv_files(
    session: Session,
    *,
    date_from: date,
    date_to: date,
    line_ids: Collection[int] | None = None,
    names: Mapping[str, str] | None = None,
) -> list[CsvFile]:
    """The three files in memory (for Slack, which takes each file whole), people named from
    ``names`` where known."""
    files = []
    for kind in KINDS:
        buffer = io.StringIO()
        rows = write_csv(
            session,
            kind,
            buffer,
            date_from=date_from,
            date_to=date_to,
            line_ids=line_ids,
            names=names,
        )
        files.append(CsvFile(file_name(kind, date_from, date_to), buffer.getvalue(), rows))
    return files


def lines_of_site(session: Session, *, site_name: str) -> frozenset[int]:
    """Ids of every line of the site named ``site_name`` (any case), retired ones too."""
    site_id = session.scalar(select(Site.id).where(func.lower(Site.name) == site_name.lower()))
    if site_id is None:
        sites = ", ".join(session.scalars(select(Site.name).order_by(Site.name))) or "none"
        raise NotFound(f"There is no site {site_name!r} (sites: {sites}).")
    return frozenset(session.scalars(select(Line.id).where(Line.site_id == site_id)))


def _in_range(
    model: type[OutputEntry] | type[DelayEntry] | type[Issue],
    date_from: date,
    date_to: date,
    line_ids: frozenset[int] | None,
) -> ColumnElement[bool]:
    where = and_(model.production_date >= date_from, model.production_date <= date_to)
    if line_ids is not None:
        where = and_(where, model.line_id.in_(sorted(line_ids)))
    return where


def _stream(
    session: Session,
    kind: Kind,
    date_from: date,
    date_to: date,
    line_ids: frozenset[int] | None,
    *,
    named: bool,
) -> Iterator[Sequence[Any]]:
    """Each record's cells in file order, its site's time zone last, ``BATCH`` rows at a time;
    a ``*_name`` column holds the person's id until named (blank when nobody is ``named``).
    Instants are read as the driver gives them, not through ``UTCDateTime``: cheaper."""
    model = MODELS[kind]
    table = model.__table__
    places: dict[str, ColumnElement[str]] = {
        "site": Site.__table__.c.name,
        "line": Line.__table__.c.code,
        "shift": Shift.__table__.c.name,
    }
    sources: list[ColumnElement[Any]] = []
    for column in COLUMNS[kind]:
        source = NAME_COLUMNS.get(column, column) if named else column
        if source in places:
            sources.append(places[source])
        elif source in table.c and source.endswith("_at"):
            sources.append(type_coerce(table.c[source], DateTime(timezone=True)))
        elif source in table.c:
            sources.append(table.c[source])
        else:  # a status mark of an issue
            sources.append(null())
    query = (
        select(*sources, Site.timezone)
        .join(Line, Line.id == model.line_id)
        .join(Site, Site.id == Line.site_id)
        .join(Shift, Shift.id == model.shift_id)
        .where(_in_range(model, date_from, date_to, line_ids))
        .order_by(model.production_date, Line.code, model.id)
    )
    # Core on the session's connection: the ORM's loading adds nothing to plain columns.
    streamed = session.connection().execution_options(yield_per=BATCH).execute(query)
    for batch in streamed.partitions():
        yield from _with_status_marks(session, batch) if kind == "issues" else batch


# Where each status mark goes in an issue's row (its ``*_name`` too: the person).
MARK_CELLS = {
    status: [
        (key, index)
        for key, column in columns.items()
        for index, name in enumerate(ISSUE_COLUMNS)
        if name == column or NAME_COLUMNS.get(name) == column
    ]
    for status, columns in MARKS.items()
}


def _with_status_marks(session: Session, issues: Sequence[Sequence[Any]]) -> list[list[Any]]:
    """``issues`` with who acknowledged and resolved each, when, and the resolution note: the
    first move of each issue to each status."""
    rows = {row[0]: list(row) for row in issues}
    ids = list(rows)
    for start in range(0, len(ids), MARKS_AT_ONCE):
        events = session.execute(
            select(
                IssueEvent.issue_id,
                IssueEvent.status,
                IssueEvent.by,
                IssueEvent.at,
                IssueEvent.note,
            )
            .where(
                IssueEvent.issue_id.in_(ids[start : start + MARKS_AT_ONCE]),
                IssueEvent.status.in_(list(MARKS)),
            )
            .order_by(IssueEvent.at, IssueEvent.id)
        )
        marked: set[tuple[int, IssueStatus]] = set()
        for issue_id, status, by, at, note in events:
            if (issue_id, status) not in marked:
                marked.add((issue_id, status))
                values = {"by": by, "at": at, "note": note}
                for key, index in MARK_CELLS[status]:
                    rows[issue_id][index] = values[key]
    return list(rows.values())


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@lru_cache(maxsize=4096)
def _neutralise_label(value: str) -> str:
    return neutralise(value)


Conversion = Callable[[Any, ZoneInfo], Any]


def _conversions(header: Sequence[str], names: Mapping[str, str]) -> list[tuple[int, Conversion]]:
    """How each cell that is not written as read is made, by its index: text neutralised,
    instants in site time, people named. Every other value (ids, dates, counts, the enums)
    is written as it is."""

    def name(person: str, _site_zone: ZoneInfo) -> str | None:
        named = names.get(person)
        return neutralise(named) if named else None

    def label(value: str, _site_zone: ZoneInfo) -> str:
        return _neutralise_label(value)

    def text(value: str, _site_zone: ZoneInfo) -> str:
        return neutralise(value)

    def instant(value: datetime, zone: ZoneInfo) -> str:
        utc = value if value.tzinfo else value.replace(tzinfo=UTC)  # SQLite keeps no zone
        return utc.astimezone(zone).isoformat()

    conversions: list[tuple[int, Conversion]] = []
    for index, column in enumerate(header):
        if column in NAME_COLUMNS:
            conversions.append((index, name))
        elif column in LABEL_COLUMNS:
            conversions.append((index, label))
        elif column in TEXT_COLUMNS:
            conversions.append((index, text))
        elif column.endswith("_at"):
            conversions.append((index, instant))
    return conversions
