"""CSV export of entries, delays and issues: the same files for Slack and the terminal.

Voided rows are included with their void marks, because nothing is ever deleted and an
auditor reading the export must see corrections too. Issues carry who acknowledged and resolved
them, when, and the resolution note. Every time is ISO 8601 in the site's local time with its
UTC offset (``2026-11-30T06:15:00+01:00``): what the plant's clocks showed, and still one
instant. People are Slack user ids, each followed by a ``*_name`` column with the display name
when the caller knew it (the Slack path looks names up; the terminal leaves them blank).

Text people typed or named (``TEXT_COLUMNS``) is neutralised against spreadsheet formula
injection: a cell that would start with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
gets a ``'`` in front, which ``prodbot import`` takes off again (``bot.transfer.cells``).
"""

import csv
import io
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.errors import NotFound, ProdbotError
from bot.transfer.cells import neutralise
from models import DelayEntry, Issue, IssueEvent, IssueStatus, Line, OutputEntry, Shift, Site

MAX_EXPORT_DAYS = 366

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


class ExportRangeError(ProdbotError):
    """The dates asked for are in the wrong order, or span more than ``MAX_EXPORT_DAYS``."""


def check_export_range(date_from: date, date_to: date) -> None:
    """Raise ExportRangeError unless ``date_from``..``date_to`` is at most ``MAX_EXPORT_DAYS``
    production dates, in order."""
    if date_from > date_to:
        raise ExportRangeError(f"The first date {date_from} is after the last date {date_to}.")
    days = (date_to - date_from).days + 1
    if days > MAX_EXPORT_DAYS:
        raise ExportRangeError(
            f"An export covers at most {MAX_EXPORT_DAYS} days, and {date_from} to {date_to} is "
            f"{days}. Ask for a shorter range, one year at a time."
        )


@dataclass(frozen=True)
class CsvFile:
    name: str
    content: str
    rows: int


Row = dict[str, Any]


@dataclass(frozen=True)
class ExportTables:
    """The rows of the three files, read from the database, before people are named."""

    suffix: str
    entries: list[Row]
    delays: list[Row]
    issues: list[Row]

    @property
    def people(self) -> frozenset[str]:
        """Every Slack user id the files name: whose display names to look up."""
        return frozenset(
            row[column]
            for rows in (self.entries, self.delays, self.issues)
            for row in rows
            for column in NAME_COLUMNS.values()
            if row.get(column)
        )

    def csv_files(self, names: Mapping[str, str] | None = None) -> list[CsvFile]:
        """The files, each person's ``*_name`` from ``names`` (user id → name; else blank)."""
        names = names or {}
        return [
            _csv(f"entries-{self.suffix}", ENTRY_COLUMNS, self.entries, names),
            _csv(f"delays-{self.suffix}", DELAY_COLUMNS, self.delays, names),
            _csv(f"issues-{self.suffix}", ISSUE_COLUMNS, self.issues, names),
        ]


def read_export(
    session: Session, *, date_from: date, date_to: date, line_ids: Collection[int] | None
) -> ExportTables:
    """Entries, delays and issues of production dates ``date_from``..``date_to`` inclusive, on
    the lines ``line_ids`` (``None``: every line of every site, for the admin's terminal)."""
    return ExportTables(
        suffix=f"{date_from:%Y%m%d}-{date_to:%Y%m%d}.csv",
        entries=_rows(session, OutputEntry, date_from, date_to, line_ids),
        delays=_rows(session, DelayEntry, date_from, date_to, line_ids),
        issues=_issue_rows(session, date_from, date_to, line_ids),
    )


def export_csv_files(
    session: Session,
    *,
    date_from: date,
    date_to: date,
    line_ids: Collection[int] | None = None,
    names: Mapping[str, str] | None = None,
) -> list[CsvFile]:
    """The three files of ``read_export``, people named from ``names`` where known."""
    tables = read_export(session, date_from=date_from, date_to=date_to, line_ids=line_ids)
    return tables.csv_files(names)


def lines_of_site(session: Session, *, site_name: str) -> frozenset[int]:
    """Ids of every line of the site named ``site_name`` (any case), retired ones too."""
    site_id = session.scalar(select(Site.id).where(func.lower(Site.name) == site_name.lower()))
    if site_id is None:
        sites = ", ".join(session.scalars(select(Site.name).order_by(Site.name))) or "none"
        raise NotFound(f"There is no site {site_name!r} (sites: {sites}).")
    return frozenset(session.scalars(select(Line.id).where(Line.site_id == site_id)))


def _rows(
    session: Session,
    model: type[OutputEntry] | type[DelayEntry] | type[Issue],
    date_from: date,
    date_to: date,
    line_ids: Collection[int] | None,
) -> list[Row]:
    """Each record's own columns, where it is, and its site's time zone (``_zone``)."""
    query = (
        select(model, Site.name, Site.timezone, Line.code, Shift.name)
        .join(Line, Line.id == model.line_id)
        .join(Site, Site.id == Line.site_id)
        .join(Shift, Shift.id == model.shift_id)
        .where(model.production_date >= date_from, model.production_date <= date_to)
        .order_by(model.production_date, Line.code, model.id)
    )
    if line_ids is not None:
        query = query.where(model.line_id.in_(sorted(line_ids)))
    own = [attr.key for attr in model.__mapper__.column_attrs]
    return [
        {
            **{key: getattr(record, key) for key in own},
            **{"site": site, "line": line, "shift": shift, "_zone": timezone},
        }
        for record, site, timezone, line, shift in session.execute(query)
    ]


def _issue_rows(
    session: Session, date_from: date, date_to: date, line_ids: Collection[int] | None
) -> list[Row]:
    """Issues, with who acknowledged and resolved each, when, and the resolution note."""
    rows = _rows(session, Issue, date_from, date_to, line_ids)
    marks = _status_marks(session, [row["id"] for row in rows])
    for row in rows:
        if acknowledged := marks.get((row["id"], IssueStatus.ACKNOWLEDGED)):
            row.update(acknowledged_by=acknowledged.by, acknowledged_at=acknowledged.at)
        if resolved := marks.get((row["id"], IssueStatus.RESOLVED)):
            row.update(
                resolved_by=resolved.by, resolved_at=resolved.at, resolution_note=resolved.note
            )
    return rows


def _status_marks(
    session: Session, issue_ids: Sequence[int]
) -> dict[tuple[int, IssueStatus], IssueEvent]:
    """The first move of each issue to each status: who, when, with which note."""
    marks: dict[tuple[int, IssueStatus], IssueEvent] = {}
    for start in range(0, len(issue_ids), 1000):  # keep the IN list within every driver's limit
        chunk = issue_ids[start : start + 1000]
        events = session.scalars(
            select(IssueEvent)
            .where(IssueEvent.issue_id.in_(chunk))
            .order_by(IssueEvent.at, IssueEvent.id)
        )
        for event in events:
            marks.setdefault((event.issue_id, event.status), event)
    return marks


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _cell(column: str, row: Row, names: Mapping[str, str]) -> Any:
    if column in NAME_COLUMNS:
        person = row.get(NAME_COLUMNS[column])
        value: Any = names.get(person) if person else None
    else:
        value = row.get(column)
    if value is None:
        return ""
    if column in TEXT_COLUMNS:
        return neutralise(str(value))
    if isinstance(value, datetime):
        return value.astimezone(_zone(row["_zone"])).isoformat()
    if hasattr(value, "value"):
        return value.value
    return value


def _csv(
    name: str, header: Sequence[str], rows: Sequence[Row], names: Mapping[str, str]
) -> CsvFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(column, row, names) for column in header])
    return CsvFile(name, buffer.getvalue(), len(rows))
