"""The ``scrap_reason`` column: export writes it, ``prodbot import`` reads it back (optional,
checked against the site's list, blank for none), and a round trip keeps every reason."""

import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.transfer.export import ENTRY_COLUMNS, TEXT_COLUMNS, export_csv_files
from bot.transfer.importer import ImportFileError, import_csv_file
from models import Line, OutputEntry, Shift

AT = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
DAY = date(2026, 3, 2)

pytestmark = pytest.mark.usefixtures("loaded_plant")


def add_entries(factory: sessionmaker[Session], *rows: tuple[int, str | None]) -> None:
    """Entries on L1, shift A, 2 March: (scrap, scrap_reason) each."""
    with session_scope(factory) as session:
        line_id = session.scalars(select(Line.id).where(Line.code == "L1")).one()
        shift_id = session.scalars(select(Shift.id).where(Shift.name == "A")).one()
        for number, (scrap, reason) in enumerate(rows):
            session.add(
                OutputEntry(
                    line_id=line_id,
                    shift_id=shift_id,
                    production_date=DAY,
                    good=100 + number,
                    scrap=scrap,
                    scrap_reason=reason,
                    reported_by="U0LEAD0001",
                    reported_at=datetime(2026, 3, 2, 7, number, tzinfo=UTC),
                )
            )


def exported_entries(factory: sessionmaker[Session]) -> str:
    with session_scope(factory) as session:
        files = export_csv_files(session, date_from=DAY, date_to=DAY)
    return next(file.content for file in files if file.name.startswith("entries-"))


def reasons(factory: sessionmaker[Session]) -> list[tuple[int, int, str | None]]:
    with factory() as session:
        entries = session.scalars(select(OutputEntry).order_by(OutputEntry.good))
        return [(entry.good, entry.scrap, entry.scrap_reason) for entry in entries]


def write(path: Path, columns: list[str], rows: list[dict[str, object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def row(**cells: object) -> dict[str, object]:
    return {
        "id": 1, "site": "Riverside", "line": "L1", "shift": "A", "production_date": "2026-03-02",
        "good": 120, "scrap": 3, "note": "", "reported_by": "U0LEAD0001",
        "reported_at": "2026-03-02T07:00:00+00:00", **cells,
    }  # fmt: skip


def problems(path: Path, factory: sessionmaker[Session]) -> list[str]:
    with pytest.raises(ImportFileError) as raised:
        import_csv_file(path, session_factory=factory, at=AT)
    return raised.value.problems


def test_export_writes_the_reason_after_the_scrap_blank_for_none(
    session_factory: sessionmaker[Session],
) -> None:
    add_entries(session_factory, (2, "startup"), (0, None), (5, "damage"))

    rows = list(csv.DictReader(io.StringIO(exported_entries(session_factory))))

    assert ENTRY_COLUMNS.index("scrap_reason") == ENTRY_COLUMNS.index("scrap") + 1
    assert [(r["scrap"], r["scrap_reason"]) for r in rows] == [
        ("2", "startup"),
        ("0", ""),
        ("5", "damage"),
    ]
    assert "scrap_reason" in TEXT_COLUMNS  # neutralised on export, restored on import


def test_an_exported_file_imports_back_with_its_reasons(
    tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    add_entries(session_factory, (2, "startup"), (0, None), (5, "damage"))
    path = tmp_path / "entries.csv"
    path.write_text(exported_entries(session_factory), encoding="utf-8")
    before = reasons(session_factory)

    again = import_csv_file(path, session_factory=session_factory, at=AT)
    assert (again.added, again.skipped) == (0, 3)  # the database it came from holds them
    with session_scope(session_factory) as session:
        session.execute(delete(OutputEntry))
    fresh = import_csv_file(path, session_factory=session_factory, at=AT)

    assert (fresh.added, fresh.skipped) == (3, 0)
    assert (
        reasons(session_factory)
        == before
        == [
            (100, 2, "startup"),
            (101, 0, None),
            (102, 5, "damage"),
        ]
    )


def test_a_file_without_the_column_imports_without_reasons(
    tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    columns = [c for c in ENTRY_COLUMNS if c != "scrap_reason" and not c.startswith("void")]
    columns = [c for c in columns if not c.endswith("_name")]
    path = write(tmp_path / "old.csv", columns, [row()])

    report = import_csv_file(path, session_factory=session_factory, at=AT)

    assert report.added == 1
    assert reasons(session_factory) == [(120, 3, None)]


def test_a_reason_in_any_case_is_stored_as_listed(
    tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    columns = [*row(), "scrap_reason"]
    path = write(
        tmp_path / "entries.csv",
        columns,
        [row(id=1, scrap_reason=" Defect "), row(id=2, good=121, scrap_reason="")],
    )

    import_csv_file(path, session_factory=session_factory, at=AT)

    assert reasons(session_factory) == [(120, 3, "defect"), (121, 3, None)]


def test_a_reason_the_site_does_not_list_or_without_scrap_refuses_the_file(
    tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    columns = [*row(), "scrap_reason"]
    path = write(
        tmp_path / "entries.csv",
        columns,
        [
            row(id=1, scrap_reason="seal"),
            row(id=2, scrap=0, scrap_reason="startup"),
            row(id=3, scrap_reason="=HYPERLINK(1)"),
        ],
    )

    assert problems(path, session_factory) == [
        "row 2: scrap_reason: 'seal' is not a scrap reason at Riverside "
        "(scrap reasons: startup, defect, damage, other)",
        "row 3: scrap_reason: given, but scrap is 0: a reason is for scrapped units",
        "row 4: scrap_reason: '=hyperlink(1)' is not a scrap reason at Riverside "
        "(scrap reasons: startup, defect, damage, other)",
    ]
    assert reasons(session_factory) == []
