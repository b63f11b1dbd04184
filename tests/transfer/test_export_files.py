"""The export's rules and files without Slack: the range rule, who may export which lines, the
line filter, issue acknowledgement and resolution, site-local times and display names."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.errors import NotFound
from bot.plant.people import exportable_line_ids, heads_of_users_sites
from bot.records.issues import acknowledge_issue, resolve_issue
from bot.transfer.export import (
    DELAY_COLUMNS,
    ENTRY_COLUMNS,
    ISSUE_COLUMNS,
    NAME_COLUMNS,
    TEXT_COLUMNS,
    export_csv_files,
    lines_of_site,
    read_export,
)
from bot.transfer.export_range import MAX_EXPORT_DAYS, ExportRangeError, check_export_range
from models import DelayEntry, Issue, Line, OutputEntry, Shift
from models.enums import Severity
from tests.db_rows import load_plant

DAY = date(2026, 3, 3)  # Riverside (Berlin) is UTC+1 on this day, Hillside (New York) UTC-5
AT = datetime(2026, 3, 3, 7, 30, tzinfo=UTC)

HILLSIDE = """\
[site]
name = "Hillside"
timezone = "America/New_York"
heads = ["U0HEAD0002", "U0HEAD0003"]

[[shifts]]
name = "A"
start = "06:00"
end = "14:00"
days = ["mon", "tue", "wed", "thu", "fri"]

[[lines]]
code = "H1"
name = "Hill line"
channel = "C0HILL0001"
leads = ["U0LEAD0003"]
managers = ["U0MGR00003", "U0HEAD0001"]
"""


# --- the range rule ---------------------------------------------------------------------------


@pytest.mark.parametrize("days", [1, 7, MAX_EXPORT_DAYS])
def test_up_to_366_days_in_order_are_accepted(days: int) -> None:
    check_export_range(DAY - timedelta(days=days - 1), DAY)


def test_367_days_are_refused_with_the_count() -> None:
    with pytest.raises(ExportRangeError) as refused:
        check_export_range(date(2025, 3, 2), date(2026, 3, 3))

    assert refused.value.message == (
        "An export covers at most 366 days, and 2025-03-02 to 2026-03-03 is 367. "
        "Ask for a shorter range, one year at a time."
    )


def test_dates_out_of_order_are_refused() -> None:
    with pytest.raises(ExportRangeError) as refused:
        check_export_range(DAY, DAY - timedelta(days=1))

    assert refused.value.message == "The first date 2026-03-03 is after the last date 2026-03-02."


# --- who may export which lines ---------------------------------------------------------------


@pytest.fixture
def two_sites(loaded_plant: None, session_factory: sessionmaker[Session]) -> None:
    """Riverside (the sample plant) and Hillside, where Riverside's head also manages H1."""
    load_plant(session_factory, HILLSIDE)


def _line_ids(session: Session, *codes: str) -> frozenset[int]:
    return frozenset(session.scalars(select(Line.id).where(Line.code.in_(codes))))


@pytest.mark.usefixtures("two_sites")
@pytest.mark.parametrize(
    ("user_id", "codes"),
    [
        ("U0HEAD0001", {"L1", "press2", "H1"}),  # head of Riverside, manager of H1
        ("U0HEAD0002", {"H1"}),
        ("U0MGR00001", {"L1", "press2"}),
        ("U0MGR00003", {"H1"}),
        ("U0LEAD0001", set()),
        ("U0STRANGER", set()),
    ],
)
def test_exportable_lines_are_a_heads_sites_and_a_managers_lines(
    session: Session, user_id: str, codes: set[str]
) -> None:
    assert exportable_line_ids(session, user_id=user_id) == _line_ids(session, *codes)


@pytest.mark.usefixtures("two_sites")
def test_a_head_also_gets_the_sites_retired_lines(
    session_factory: sessionmaker[Session],
) -> None:
    with session_scope(session_factory) as session:
        session.execute(update(Line).where(Line.code == "press2").values(active=False))

    with session_factory() as session:
        assert exportable_line_ids(session, user_id="U0HEAD0001") == _line_ids(
            session, "L1", "press2", "H1"
        )


@pytest.mark.usefixtures("two_sites")
@pytest.mark.parametrize(
    ("user_id", "heads"),
    [
        ("U0LEAD0001", ["U0HEAD0001"]),
        ("U0LEAD0003", ["U0HEAD0002", "U0HEAD0003"]),
        ("U0HEAD0001", ["U0HEAD0001", "U0HEAD0002", "U0HEAD0003"]),  # in both sites
        ("U0STRANGER", []),
    ],
)
def test_the_heads_to_ask_are_those_of_the_callers_sites(
    session: Session, user_id: str, heads: list[str]
) -> None:
    assert heads_of_users_sites(session, user_id=user_id) == heads


# --- the files --------------------------------------------------------------------------------


def _place(session: Session, line: str) -> dict[str, object]:
    line_row = session.scalars(select(Line).where(Line.code == line)).one()
    shift_id = session.scalars(
        select(Shift.id).where(Shift.site_id == line_row.site_id, Shift.name == "A")
    ).one()
    return {"line_id": line_row.id, "shift_id": shift_id, "production_date": DAY}


@pytest.fixture
def records(two_sites: None, session_factory: sessionmaker[Session]) -> dict[str, int]:
    """One entry, delay and issue on each line; L1's issue acknowledged by its manager and
    resolved by its lead, H1's acknowledged only. Returns the issue ids by line."""
    issues: dict[str, Issue] = {}
    with session_scope(session_factory) as session:
        for good, line in enumerate(["L1", "press2", "H1"], start=1):
            where = _place(session, line)
            by = {"reported_by": "U0LEAD0001", "reported_at": AT}
            session.add(OutputEntry(**where, **by, good=good, scrap=0))
            session.add(DelayEntry(**where, **by, minutes=good, reason="material"))
            issues[line] = Issue(
                **where,
                severity=Severity.HIGH,
                text=f"{line} jam",
                raised_by="U0LEAD0001",
                raised_at=AT,
            )
            session.add(issues[line])
        session.flush()
        ids = {line: issue.id for line, issue in issues.items()}
        acknowledge_issue(
            session, issue_id=ids["L1"], user_id="U0MGR00001", at=AT + timedelta(minutes=5)
        )
        resolve_issue(
            session,
            issue_id=ids["L1"],
            user_id="U0LEAD0001",
            at=AT + timedelta(minutes=40),
            note="@SUM(1) belt replaced",
        )
        acknowledge_issue(
            session, issue_id=ids["H1"], user_id="U0MGR00003", at=AT + timedelta(minutes=1)
        )
    return ids


def _files(
    session_factory: sessionmaker[Session],
    line_ids: frozenset[int] | None = None,
    names: dict[str, str] | None = None,
) -> dict[str, list[dict[str, str]]]:
    with session_factory() as session:
        files = export_csv_files(
            session, date_from=DAY, date_to=DAY, line_ids=line_ids, names=names
        )
    return {
        file.name.split("-")[0]: list(csv.DictReader(io.StringIO(file.content))) for file in files
    }


@pytest.mark.usefixtures("records")
def test_only_the_lines_asked_for_are_in_any_file(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        press2 = _line_ids(session, "press2")

    files = _files(session_factory, press2)

    assert {kind: [row["line"] for row in rows] for kind, rows in files.items()} == {
        "entries": ["press2"],
        "delays": ["press2"],
        "issues": ["press2"],
    }
    assert [row["line"] for row in _files(session_factory, frozenset())["entries"]] == []
    assert [row["line"] for row in _files(session_factory)["entries"]] == ["H1", "L1", "press2"]


@pytest.mark.usefixtures("records")
def test_issues_carry_acknowledgement_resolution_and_note_in_site_time(
    session_factory: sessionmaker[Session],
) -> None:
    issues = {row["line"]: row for row in _files(session_factory)["issues"]}

    assert list(issues["L1"]) == list(ISSUE_COLUMNS)
    assert {key: issues["L1"][key] for key in ISSUE_COLUMNS if key not in {"id", "text"}} == {
        "site": "Riverside",
        "line": "L1",
        "shift": "A",
        "production_date": "2026-03-03",
        "severity": "high",
        "category": "",
        "status": "resolved",
        "raised_by": "U0LEAD0001",
        "raised_by_name": "",
        "raised_at": "2026-03-03T08:30:00+01:00",
        "acknowledged_by": "U0MGR00001",
        "acknowledged_by_name": "",
        "acknowledged_at": "2026-03-03T08:35:00+01:00",
        "resolved_by": "U0LEAD0001",
        "resolved_by_name": "",
        "resolved_at": "2026-03-03T09:10:00+01:00",
        "resolution_note": "'@SUM(1) belt replaced",
    }
    h1 = issues["H1"]
    assert (h1["status"], h1["raised_at"]) == ("acknowledged", "2026-03-03T02:30:00-05:00")
    assert (h1["acknowledged_by"], h1["acknowledged_at"]) == (
        "U0MGR00003",
        "2026-03-03T02:31:00-05:00",
    )
    assert h1["resolved_by"] == h1["resolved_at"] == h1["resolution_note"] == ""
    assert issues["press2"]["acknowledged_by"] == ""


@pytest.mark.usefixtures("records")
def test_people_are_named_next_to_their_ids_and_names_are_neutralised(
    session_factory: sessionmaker[Session],
) -> None:
    names = {"U0LEAD0001": "Lee", "U0MGR00001": "=cmd|' /C calc'!A0"}

    files = _files(session_factory, names=names)

    [entry] = [row for row in files["entries"] if row["line"] == "L1"]
    assert (entry["reported_by"], entry["reported_by_name"]) == ("U0LEAD0001", "Lee")
    assert entry["reported_at"] == "2026-03-03T08:30:00+01:00"
    assert (entry["voided_by"], entry["voided_by_name"]) == ("", "")
    [issue] = [row for row in files["issues"] if row["line"] == "L1"]
    assert issue["acknowledged_by_name"] == "'=cmd|' /C calc'!A0"
    assert issue["resolved_by_name"] == issue["raised_by_name"] == "Lee"
    [h1] = [row for row in files["issues"] if row["line"] == "H1"]
    assert h1["acknowledged_by_name"] == ""  # not in names: blank


@pytest.mark.usefixtures("records")
def test_the_people_to_name_are_every_distinct_person_in_the_files(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory() as session:
        tables = read_export(session, date_from=DAY, date_to=DAY, line_ids=None)

    assert tables.people == {"U0LEAD0001", "U0MGR00001", "U0MGR00003"}


def test_every_person_column_has_a_name_column_right_after_it_and_both_are_text() -> None:
    for name, person in NAME_COLUMNS.items():
        assert {name, person} <= TEXT_COLUMNS
    assert "resolution_note" in TEXT_COLUMNS
    for columns in (ENTRY_COLUMNS, DELAY_COLUMNS, ISSUE_COLUMNS):
        for index, column in enumerate(columns):
            if column in NAME_COLUMNS:
                assert columns[index - 1] == NAME_COLUMNS[column]


@pytest.mark.usefixtures("two_sites")
def test_lines_of_a_site_are_found_by_name_in_any_case(session: Session) -> None:
    assert lines_of_site(session, site_name="hillside") == _line_ids(session, "H1")
    with pytest.raises(NotFound, match=r"no site 'Nowhere' \(sites: Hillside, Riverside\)"):
        lines_of_site(session, site_name="Nowhere")
