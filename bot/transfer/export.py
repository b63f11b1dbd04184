"""CSV export of entries, delays and issues: the same files for Slack and the terminal.

Voided rows are included with their void marks, because nothing is ever deleted and an
auditor reading the export must see corrections too. Times are ISO-8601 in UTC.

Text people typed or named (``TEXT_COLUMNS``) is neutralised against spreadsheet formula
injection: a cell that would start with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
gets a ``'`` in front, which ``prodbot import`` takes off again (``bot.transfer.cells``).
"""

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.transfer.cells import neutralise
from models import DelayEntry, Issue, Line, OutputEntry, Shift, Site

ENTRY_COLUMNS = (
    "id", "site", "line", "shift", "production_date", "good", "scrap", "note",
    "reported_by", "reported_at", "voided_at", "voided_by", "void_reason",
)  # fmt: skip
DELAY_COLUMNS = (
    "id", "site", "line", "shift", "production_date", "minutes", "reason", "note",
    "reported_by", "reported_at", "voided_at", "voided_by", "void_reason",
)  # fmt: skip
ISSUE_COLUMNS = (
    "id", "site", "line", "shift", "production_date", "severity", "category", "status",
    "text", "raised_by", "raised_at",
)  # fmt: skip
# Written by people, or named by them in Slack or the plant file: neutralised on export and
# restored on import. Every other column (ids, dates, instants, counts, minutes, and the
# severity, category and status enums) is written by the app from typed values and is never
# text that could start a formula, so it is left exactly as it is.
TEXT_COLUMNS = frozenset(
    {
        "site", "line", "shift", "note", "reason", "text",
        "reported_by", "voided_by", "void_reason", "raised_by",
    }
)  # fmt: skip


@dataclass(frozen=True)
class CsvFile:
    name: str
    content: str
    rows: int


def export_csv_files(session: Session, *, date_from: date, date_to: date) -> list[CsvFile]:
    """entries, delays and issues for production dates ``date_from``..``date_to`` inclusive."""
    suffix = f"{date_from:%Y%m%d}-{date_to:%Y%m%d}.csv"
    return [
        _csv(
            f"entries-{suffix}",
            ENTRY_COLUMNS,
            _rows(session, OutputEntry, date_from, date_to, ENTRY_COLUMNS),
        ),
        _csv(
            f"delays-{suffix}",
            DELAY_COLUMNS,
            _rows(session, DelayEntry, date_from, date_to, DELAY_COLUMNS),
        ),
        _csv(
            f"issues-{suffix}",
            ISSUE_COLUMNS,
            _rows(session, Issue, date_from, date_to, ISSUE_COLUMNS),
        ),
    ]


def _rows(
    session: Session,
    model: type[OutputEntry] | type[DelayEntry] | type[Issue],
    date_from: date,
    date_to: date,
    columns: Sequence[str],
) -> Iterable[list[Any]]:
    query = (
        select(model, Site.name, Line.code, Shift.name)
        .join(Line, Line.id == model.line_id)
        .join(Site, Site.id == Line.site_id)
        .join(Shift, Shift.id == model.shift_id)
        .where(model.production_date >= date_from, model.production_date <= date_to)
        .order_by(model.production_date, Line.code, model.id)
    )
    for row, site, line, shift in session.execute(query):
        named = {"site": site, "line": line, "shift": shift}
        yield [_cell(c, named[c] if c in named else getattr(row, c)) for c in columns]


def _cell(column: str, value: Any) -> Any:
    if value is None:
        return ""
    if column in TEXT_COLUMNS:
        return neutralise(str(value))
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    return value


def _csv(name: str, header: Sequence[str], rows: Iterable[list[Any]]) -> CsvFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return CsvFile(name, buffer.getvalue(), count)
