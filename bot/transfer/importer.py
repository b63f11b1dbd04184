"""``prodbot import``: load historic output or delay records from the CSV files export writes.

The file is checked whole before anything is written, like the plant file: every bad row is
listed as ``row N: column: what is wrong`` and the file is refused, so a database never holds
half an import. Rows are numbered as a spreadsheet shows them (the header is row 1); what each
row is checked for is in ``bot.transfer.import_rows``.

What a file may look like:

- The header decides the kind: ``good``/``scrap`` make it an entries file, ``minutes``/``reason``
  a delays file, with the columns ``prodbot export`` writes, in any order. The void columns
  (``voided_at``, ``voided_by``, ``void_reason``) may be left out by files from other systems;
  ``id`` may not, because it is what makes a re-import safe (below). An entries file may leave
  out ``scrap_reason`` too (files from before it); a blank cell is no reason, which counts as
  "other", and a reason must be one of the site's, on a row with scrap. The ``*_name`` columns
  (display names next to Slack user ids) may be there or not and are not read: a name is
  Slack's to know, not a record's.
- Times carry a UTC offset, as export writes them in the site's local time
  (``2026-11-30T06:15:00+01:00``); files from before that, in UTC (``+00:00``), read the same.
- Sites are matched by name, lines by code and shifts by name, both case-insensitively, the way
  slash commands match them. Lines and shifts the plant file has since retired still match:
  historic records are about the plant as it was.
- Export puts a ``'`` in front of text cells a spreadsheet would run as a formula (``=``, ``+``,
  ``-``, ``@``, tab or carriage return first); that quote comes off here, so the text is what
  was exported (``bot.transfer.cells``). Free text (notes, void reasons) is taken as written,
  leading and trailing spaces included; names and codes are stripped.

Re-importing is safe. Each imported row keeps its original ``id`` in ``request_key`` as
``import:{kind}:{site id}:{id}`` (the site's id, not its name: it fits the column and survives a
rename), so the unique constraint and a lookup skip what an earlier import added. A row the
database already holds with the same line, shift, date, reporter, instant and numbers is
skipped too: that is the file being imported back into the database it was exported from.
Imported rows get new ids.
"""

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails
from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.records.reporting import EntryKind
from bot.transfer.cells import restore
from bot.transfer.export import DELAY_COLUMNS, ENTRY_COLUMNS, NAME_COLUMNS, TEXT_COLUMNS
from bot.transfer.import_rows import DelayRow, EntryRow, ImportPlant, ImportRow, load_plant
from models import AuditRecord, DelayEntry, OutputEntry

CHUNK_ROWS = 1000
VOID_COLUMNS = ("voided_at", "voided_by", "void_reason")
# Columns a file may leave out: the void marks, and what export added later.
OPTIONAL_COLUMNS = frozenset({*VOID_COLUMNS, "scrap_reason"})
# Export's display names: accepted, never required, never read.
IGNORED_COLUMNS = frozenset(NAME_COLUMNS)

Progress = Callable[[int, int], None]


class ImportKind(StrEnum):
    ENTRIES = "entries"
    DELAYS = "delays"


class ImportFileError(Exception):
    """The file cannot be imported; ``problems`` holds one line per mistake."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class ImportReport:
    kind: ImportKind
    rows: int  # data rows in the file
    added: int
    skipped: int  # already in the database, from an earlier import or the original export


# --- the two kinds of file ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Layout:
    """Everything that differs between the two kinds of file."""

    columns: tuple[str, ...]
    row_model: type[EntryRow] | type[DelayRow]
    table: type[OutputEntry] | type[DelayEntry]
    entity: EntryKind
    numbers: tuple[str, ...]  # what was reported: good and scrap, or minutes and reason
    # Written too, but not part of a record's identity (an older export of the same record
    # has no scrap reason, and must still be recognised).
    details: tuple[str, ...] = ()

    @property
    def fields(self) -> tuple[str, ...]:
        """The columns a row is read from: all but the ignored ones."""
        return tuple(name for name in self.columns if name not in IGNORED_COLUMNS)


LAYOUTS = {
    ImportKind.ENTRIES: _Layout(
        ENTRY_COLUMNS, EntryRow, OutputEntry, EntryKind.OUTPUT, ("good", "scrap"), ("scrap_reason",)
    ),
    ImportKind.DELAYS: _Layout(
        DELAY_COLUMNS, DelayRow, DelayEntry, EntryKind.DELAY, ("minutes", "reason")
    ),
}


# --- reading the file --------------------------------------------------------------------------


@dataclass(frozen=True)
class _CsvRow:
    number: int  # as a spreadsheet shows it: the header is row 1
    cells: dict[str, str]


def _read_csv(path: Path) -> tuple[list[str], list[_CsvRow]]:
    try:
        # utf-8-sig: a spreadsheet that saved the file may have put a byte-order mark first.
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise ImportFileError([f"{path}: no such file"]) from None
    except OSError as exc:
        raise ImportFileError([f"{path}: cannot be read ({exc.strerror})"]) from None
    except UnicodeDecodeError as exc:
        raise ImportFileError([f"{path}: not UTF-8 text (byte {exc.start})"]) from None
    # The csv module splits rows itself: str.splitlines would also split inside a note at a
    # line or paragraph separator (U+2028, U+0085, form feed...), which the writer leaves bare.
    records = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [name.strip() for name in next(records, [])]
        rows: list[_CsvRow] = []
        problems: list[str] = []
        for number, record in enumerate(records, start=2):
            if not any(cell.strip() for cell in record):
                continue  # a blank line, typically the last one
            if len(record) != len(header):
                problems.append(
                    f"row {number}: has {len(record)} cells, the header has {len(header)}"
                )
                continue
            rows.append(_CsvRow(number, dict(zip(header, record, strict=True))))
    except csv.Error as exc:
        raise ImportFileError([f"{path}: not a valid CSV file ({exc})"]) from None
    if problems:
        raise ImportFileError(problems)
    return header, rows


def _detect_kind(header: Sequence[str]) -> ImportKind:
    """The kind the header names, or an ImportFileError saying what is wrong with it."""
    columns = set(header)
    if not header:
        raise ImportFileError(["header: the file is empty"])
    if columns & {"good", "scrap"}:
        kind = ImportKind.ENTRIES
    elif columns & {"minutes", "reason"}:
        kind = ImportKind.DELAYS
    else:
        raise ImportFileError(
            [
                "header: neither an entries file (with good, scrap) nor a delays file (with "
                "minutes, reason) as `prodbot export` writes them"
            ]
        )
    expected = LAYOUTS[kind].columns
    problems = [
        *(f"header: {name!r} is repeated" for name in sorted(columns) if header.count(name) > 1),
        *(
            f"header: {name!r} is not one of the {kind} columns"
            for name in header
            if name not in expected
        ),
        *(
            f"header: {name!r} is missing"
            for name in expected
            if name not in columns and name not in OPTIONAL_COLUMNS and name not in IGNORED_COLUMNS
        ),
    ]
    if problems:
        raise ImportFileError(problems)
    return kind


def _problem(number: int, error: ErrorDetails) -> str:
    column = ".".join(str(part) for part in error["loc"])
    if error["type"] == "string_too_short":
        return f"row {number}: {column}: blank"
    if error["type"] == "value_error":
        return f"row {number}: {column}: {error['msg'].removeprefix('Value error, ')}"
    text = error["msg"][:1].lower() + error["msg"][1:]
    return f"row {number}: {column}: {text} (got {error.get('input')!r})"


def _cell(column: str, text: str) -> str:
    """A cell's text as it was before export neutralised it, if it is a text column."""
    return restore(text) if column in TEXT_COLUMNS else text


def _validate(rows: Iterable[_CsvRow], layout: _Layout, plant: ImportPlant) -> list[ImportRow]:
    """Every row as a model, or an ImportFileError listing every problem in every row."""
    valid: list[ImportRow] = []
    problems: list[str] = []
    first_row_of: dict[tuple[str, str], int] = {}
    for row in rows:
        cells = {name: _cell(name, row.cells.get(name, "")) for name in layout.fields}
        try:
            valid.append(layout.row_model.model_validate(cells, context=plant))
        except ValidationError as exc:
            problems.extend(_problem(row.number, error) for error in exc.errors())
        key = (cells["site"].strip(), cells["id"].strip())
        if key in first_row_of:
            problems.append(f"row {row.number}: id: repeated (also row {first_row_of[key]})")
        else:
            first_row_of[key] = row.number
    if problems:
        raise ImportFileError(problems)
    return valid


# --- writing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Resolved:
    """A valid row with its line and shift ids and the key that marks it imported."""

    row: ImportRow
    line_id: int
    shift_id: int
    request_key: str


def _resolve(rows: Iterable[ImportRow], kind: ImportKind, plant: ImportPlant) -> list[_Resolved]:
    resolved = []
    for row in rows:
        site = plant.sites[row.site]
        resolved.append(
            _Resolved(
                row=row,
                line_id=site.lines.ids[row.line.lower()],
                shift_id=site.shifts.ids[row.shift.lower()],
                request_key=f"import:{kind}:{site.id}:{row.id}",
            )
        )
    return resolved


def _identity(item: _Resolved, layout: _Layout) -> tuple[Any, ...]:
    """Where, when, who and what: two records alike in all of these are the same report."""
    row = item.row
    return (
        item.line_id,
        item.shift_id,
        row.production_date,
        row.reported_by,
        row.reported_at,
        *(getattr(row, name) for name in layout.numbers),
    )


def _present(session: Session, layout: _Layout, items: Sequence[_Resolved]) -> set[tuple[Any, ...]]:
    """The identities of the records already in the database on the file's lines and dates."""
    table = layout.table
    dates = [item.row.production_date for item in items]
    query = select(
        table.line_id,
        table.shift_id,
        table.production_date,
        table.reported_by,
        table.reported_at,
        *(getattr(table, name) for name in layout.numbers),
    ).where(
        table.line_id.in_({item.line_id for item in items}),
        table.production_date >= min(dates),
        table.production_date <= max(dates),
    )
    return {tuple(record) for record in session.execute(query)}


def _imported(session: Session, layout: _Layout, items: Sequence[_Resolved]) -> set[str]:
    """The request keys of ``items`` that an earlier import already wrote."""
    column = layout.table.request_key
    keys = [item.request_key for item in items]
    return {key for key in session.scalars(select(column).where(column.in_(keys))) if key}


def _record(item: _Resolved, layout: _Layout) -> dict[str, Any]:
    row = item.row
    return {
        "line_id": item.line_id,
        "shift_id": item.shift_id,
        "production_date": row.production_date,
        "note": row.note,
        "reported_by": row.reported_by,
        "reported_at": row.reported_at,
        "request_key": item.request_key,
        "voided_at": row.voided_at,
        "voided_by": row.voided_by,
        "void_reason": row.void_reason,
        **{name: getattr(row, name) for name in (*layout.numbers, *layout.details)},
    }


def _chunks(items: Sequence[_Resolved]) -> Iterator[Sequence[_Resolved]]:
    for start in range(0, len(items), CHUNK_ROWS):
        yield items[start : start + CHUNK_ROWS]


def import_csv_file(
    path: Path,
    *,
    session_factory: sessionmaker[Session],
    actor: str = "import",
    progress: Progress | None = None,
    at: datetime | None = None,
) -> ImportReport:
    """Validate the whole file, then add its new rows in one transaction, or raise
    ImportFileError listing every problem and write nothing.

    ``progress(done, total)`` is called after each chunk of rows is written (``total`` is the
    file's row count). ``at`` is the clock dates are checked against (default: now). One audit
    record sums the import up, rather than one per row, which would drown the trail.
    """
    at = at or datetime.now(UTC)
    header, csv_rows = _read_csv(path)
    kind = _detect_kind(header)
    layout = LAYOUTS[kind]
    with session_scope(session_factory) as session:
        plant = load_plant(session, at)
        items = _resolve(_validate(csv_rows, layout, plant), kind, plant)
        present = _present(session, layout, items) if items else set()
        added = done = 0
        for chunk in _chunks(items):
            imported = _imported(session, layout, chunk)
            records = [
                _record(item, layout)
                for item in chunk
                if item.request_key not in imported and _identity(item, layout) not in present
            ]
            if records:
                session.execute(insert(layout.table), records)
            added += len(records)
            done += len(chunk)
            if progress is not None:
                progress(done, len(items))
        session.add(
            AuditRecord(
                at=at,
                actor=actor,
                action="import",
                entity=layout.entity.value,
                entity_id=0,  # a batch, not one row: the details say which file and how much
                details={
                    "file": path.name,
                    "kind": kind.value,
                    "rows": len(items),
                    "added": added,
                    "skipped": len(items) - added,
                },
            )
        )
    return ImportReport(kind=kind, rows=len(items), added=added, skipped=len(items) - added)
