"""`prodbot import`: historic entries and delays, checked whole, loaded all or nothing."""

import csv
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.transfer.export import DELAY_COLUMNS, ENTRY_COLUMNS, export_csv_files
from bot.transfer.importer import ImportFileError, ImportKind, ImportReport, import_csv_file
from models import AuditRecord, DelayEntry, Line, OutputEntry, Shift

AT = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # Tuesday; Riverside is an hour ahead

pytestmark = pytest.mark.usefixtures("loaded_plant")


def entry(**cells: object) -> dict[str, object]:
    return {
        "id": 1,
        "site": "Riverside",
        "line": "L1",
        "shift": "A",
        "production_date": "2026-03-02",
        "good": 120,
        "scrap": 3,
        "note": "",
        "reported_by": "U0LEAD0001",
        "reported_at": "2026-03-02T07:00:00+00:00",
        "voided_at": "",
        "voided_by": "",
        "void_reason": "",
        **cells,
    }


def delay(**cells: object) -> dict[str, object]:
    shared = {key: value for key, value in entry().items() if key not in {"good", "scrap"}}
    return {**shared, "minutes": 45, "reason": "material", **cells}


def write_csv(path: Path, columns: Sequence[str], rows: Sequence[dict[str, object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def run_import(
    path: Path, factory: sessionmaker[Session], progress: list[tuple[int, int]] | None = None
) -> ImportReport:
    calls = progress if progress is not None else []
    return import_csv_file(
        path,
        session_factory=factory,
        actor="U0ADMIN001",
        progress=lambda done, total: calls.append((done, total)),
        at=AT,
    )


def count(factory: sessionmaker[Session], model: type[object]) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def problems_of(path: Path, factory: sessionmaker[Session]) -> list[str]:
    with pytest.raises(ImportFileError) as raised:
        run_import(path, factory)
    return raised.value.problems


def assert_nothing_written(factory: sessionmaker[Session]) -> None:
    assert count(factory, OutputEntry) == count(factory, DelayEntry) == 0
    with factory() as session:
        assert (
            session.scalars(select(AuditRecord).where(AuditRecord.action == "import")).all() == []
        )


def test_a_good_entries_file_loads(tmp_path: Path, session_factory: sessionmaker[Session]) -> None:
    path = write_csv(
        tmp_path / "entries.csv",
        ENTRY_COLUMNS,
        [
            entry(id=7, note="first hour, all fine"),
            # codes and shift names match case-insensitively, as slash commands do
            entry(id=8, line="PRESS2", shift="b", good=0, scrap=0, production_date="2026-03-09"),
        ],
    )

    report = run_import(path, session_factory)

    assert report == ImportReport(kind=ImportKind.ENTRIES, rows=2, added=2, skipped=0)
    with session_factory() as session:
        rows = session.execute(
            select(OutputEntry, Line.code, Shift.name)
            .join(Line, Line.id == OutputEntry.line_id)
            .join(Shift, Shift.id == OutputEntry.shift_id)
            .order_by(OutputEntry.production_date)
        ).all()
        assert [(line, shift, e.production_date, e.good, e.scrap) for e, line, shift in rows] == [
            ("L1", "A", date(2026, 3, 2), 120, 3),
            ("press2", "B", date(2026, 3, 9), 0, 0),
        ]
        first = rows[0][0]
        assert first.note == "first hour, all fine"
        assert first.reported_by == "U0LEAD0001"
        assert first.reported_at == datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
        assert first.voided_at is None
        assert first.request_key is not None and first.request_key.startswith("import:entries:")
        [audit] = session.scalars(select(AuditRecord).where(AuditRecord.action == "import"))
        assert (audit.actor, audit.entity, audit.at) == ("U0ADMIN001", "output", AT)
        assert audit.details == {
            "file": "entries.csv",
            "kind": "entries",
            "rows": 2,
            "added": 2,
            "skipped": 0,
        }


def test_a_good_delays_file_loads_with_its_voided_rows(
    tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    path = write_csv(
        tmp_path / "delays.csv",
        DELAY_COLUMNS,
        [
            delay(id=1, minutes=30, reason="breakdown", note="filler jam"),
            delay(
                id=2,
                reason="Quality",
                voided_at="2026-03-02T08:00:00+01:00",
                voided_by="U0LEAD0001",
                void_reason="undone with /prod undo",
            ),
        ],
    )

    report = run_import(path, session_factory)

    assert (report.kind, report.added) == (ImportKind.DELAYS, 2)
    with session_factory() as session:
        first, second = session.scalars(select(DelayEntry).order_by(DelayEntry.minutes))
        assert (first.minutes, first.reason, first.note, first.voided_at) == (
            30,
            "breakdown",
            "filler jam",
            None,
        )
        assert (second.minutes, second.reason) == (45, "quality")
        assert second.voided_at == datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
        assert (second.voided_by, second.void_reason) == ("U0LEAD0001", "undone with /prod undo")


def test_a_file_without_the_void_columns_loads(
    tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    columns = [column for column in ENTRY_COLUMNS if not column.startswith("void")]
    path = write_csv(tmp_path / "other-system.csv", columns, [entry(id=1), entry(id=2)])

    assert run_import(path, session_factory).added == 2


def test_one_bad_row_loads_nothing_and_is_named(
    tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    rows = [entry(id=n) for n in range(1, 11)]
    rows[6]["good"] = "twelve"
    path = write_csv(tmp_path / "entries.csv", ENTRY_COLUMNS, rows)

    problems = problems_of(path, session_factory)

    # the header is row 1, so the seventh data row is row 8, as a spreadsheet shows it
    assert len(problems) == 1
    assert problems[0].startswith("row 8: good: ")
    assert "'twelve'" in problems[0]
    assert_nothing_written(session_factory)


def test_every_bad_row_is_listed(tmp_path: Path, session_factory: sessionmaker[Session]) -> None:
    path = write_csv(
        tmp_path / "delays.csv",
        DELAY_COLUMNS,
        [
            delay(id=1),
            delay(id=2, site="Hillside"),
            delay(id=3, line="L9", shift="night"),
            delay(id=4, production_date="2026-03-11", minutes=0),
            delay(id=5, reason="lunch", reported_at="2026-03-02 07:00"),
            delay(id=6, voided_at="2026-03-02T08:00:00+00:00"),
            delay(id=7, voided_by="U0LEAD0001", minutes=24 * 60 + 1),
            delay(id=3, reported_by=""),
        ],
    )

    problems = problems_of(path, session_factory)

    assert problems == [
        "row 3: site: no site 'Hillside' (sites: Riverside)",
        "row 4: line: no line 'L9' at Riverside (lines: L1, press2)",
        "row 4: shift: no shift 'night' at Riverside (shifts: A, B, C)",
        "row 5: production_date: 2026-03-11 is in the future (today at Riverside is 2026-03-10)",
        "row 5: minutes: input should be greater than 0 (got '0')",
        "row 6: reported_at: '2026-03-02 07:00' has no UTC offset (e.g. 2026-03-02T06:15:00+00:00)",
        "row 6: reason: 'lunch' is not a delay reason at Riverside "
        "(reasons: breakdown, changeover, material, quality, staffing, utilities, other)",
        "row 7: voided_by: blank, but voided_at is set: say who voided the row",
        "row 8: voided_by: given, but voided_at is blank: the row is not voided",
        "row 8: minutes: input should be less than or equal to 1440 (got '1441')",
        "row 9: reported_by: blank",
        "row 9: id: repeated (also row 4)",
    ]
    assert_nothing_written(session_factory)


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        (
            ["id", "site", "line", "severity", "text"],
            "header: neither an entries file (with good, scrap) nor a delays file (with "
            "minutes, reason) as `prodbot export` writes them",
        ),
        ([*ENTRY_COLUMNS, "minutes"], "header: 'minutes' is not one of the entries columns"),
        ([c for c in ENTRY_COLUMNS if c != "id"], "header: 'id' is missing"),
    ],
)
def test_a_header_that_is_not_an_export_is_refused(
    tmp_path: Path, session_factory: sessionmaker[Session], header: list[str], problem: str
) -> None:
    path = write_csv(tmp_path / "odd.csv", header, [entry()])

    assert problems_of(path, session_factory) == [problem]


def test_a_row_with_too_few_cells_is_refused(
    tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    path = write_csv(tmp_path / "entries.csv", ENTRY_COLUMNS, [entry(id=1)])
    with path.open("a", encoding="utf-8") as file:
        file.write("2,Riverside,L1\n")

    assert problems_of(path, session_factory) == ["row 3: has 3 cells, the header has 16"]


def _record_history(factory: sessionmaker[Session]) -> None:
    with session_scope(factory) as session:
        l1, press2 = session.scalars(select(Line).order_by(Line.code)).all()
        shift_a, shift_c = (
            session.scalars(select(Shift).where(Shift.name == name)).one() for name in ("A", "C")
        )
        reported = datetime(2026, 3, 3, 9, 15, 30, 123456, tzinfo=UTC)
        session.add_all(
            [
                OutputEntry(
                    line_id=l1.id,
                    shift_id=shift_a.id,
                    production_date=date(2026, 3, 3),
                    good=400,
                    scrap=12,
                    note='caps "blue", batch 7\nsecond line of the note',
                    reported_by="U0LEAD0001",
                    reported_at=reported,
                    request_key="trigger-1",
                ),
                OutputEntry(
                    line_id=press2.id,
                    shift_id=shift_c.id,
                    production_date=date(2026, 3, 3),
                    good=50,
                    scrap=0,
                    reported_by="U0LEAD0002",
                    reported_at=reported,
                    voided_at=datetime(2026, 3, 3, 9, 20, tzinfo=UTC),
                    voided_by="U0LEAD0002",
                    void_reason="undone with /prod undo",
                ),
                DelayEntry(
                    line_id=l1.id,
                    shift_id=shift_a.id,
                    production_date=date(2026, 3, 3),
                    minutes=25,
                    reason="changeover",
                    reported_by="U0LEAD0001",
                    reported_at=reported,
                ),
            ]
        )


def _export(factory: sessionmaker[Session], directory: Path) -> dict[str, Path]:
    """The entries and delays files as `prodbot export` writes them."""
    directory.mkdir()
    with factory() as session:
        files = export_csv_files(session, date_from=date(2026, 3, 1), date_to=date(2026, 3, 10))
    paths = {}
    for file in files[:2]:
        (directory / file.name).write_text(file.content, encoding="utf-8")
        paths[file.name.split("-")[0]] = directory / file.name
    return paths


def _without_ids(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as file:
        return [{k: v for k, v in row.items() if k != "id"} for row in csv.DictReader(file)]


def test_export_then_import_into_an_empty_database_gives_the_same_rows(
    tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    _record_history(session_factory)
    before = _export(session_factory, tmp_path / "before")
    with session_scope(session_factory) as session:
        session.execute(delete(OutputEntry))
        session.execute(delete(DelayEntry))

    assert run_import(before["entries"], session_factory).added == 2
    assert run_import(before["delays"], session_factory).added == 1

    after = _export(session_factory, tmp_path / "after")
    for kind in ("entries", "delays"):
        assert _without_ids(after[kind]) == _without_ids(before[kind])
        assert len(_without_ids(after[kind])) > 0


def test_importing_twice_adds_nothing_the_second_time(
    tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    path = write_csv(
        tmp_path / "entries.csv", ENTRY_COLUMNS, [entry(id=n, good=n) for n in range(1, 6)]
    )

    first = run_import(path, session_factory)
    second = run_import(path, session_factory)

    assert (first.added, first.skipped) == (5, 0)
    assert (second.added, second.skipped) == (0, 5)
    assert count(session_factory, OutputEntry) == 5


def test_a_file_imported_back_into_the_database_it_came_from_adds_nothing(
    tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    _record_history(session_factory)
    exported = _export(session_factory, tmp_path / "export")

    assert run_import(exported["entries"], session_factory).skipped == 2
    assert run_import(exported["delays"], session_factory).skipped == 1
    assert count(session_factory, OutputEntry) == 2
    assert count(session_factory, DelayEntry) == 1


def _large_file(path: Path, rows: int) -> Path:
    return write_csv(
        path,
        ENTRY_COLUMNS,
        [
            entry(id=n, good=n % 500, reported_at=f"2026-03-02T07:{n % 60:02d}:00+00:00")
            for n in range(1, rows + 1)
        ],
    )


def test_a_large_file_reports_progress_chunk_by_chunk(
    tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    path = _large_file(tmp_path / "entries.csv", 5000)
    calls: list[tuple[int, int]] = []

    report = run_import(path, session_factory, calls)

    assert report.added == 5000
    assert count(session_factory, OutputEntry) == 5000
    assert len(calls) > 1
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert calls[-1] == (5000, 5000)


def test_a_failure_while_writing_leaves_nothing_behind(
    tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    path = _large_file(tmp_path / "entries.csv", 3000)

    def interrupted(done: int, total: int) -> None:
        if done > 1000:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_csv_file(path, session_factory=session_factory, progress=interrupted, at=AT)

    assert_nothing_written(session_factory)
