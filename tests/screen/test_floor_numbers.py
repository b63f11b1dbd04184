"""The floor screen's numbers (``bot.numbers.floor``) and the JSON made of them
(``bot.screen.data``): right per line, a fixed number of queries per site, nothing private."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.numbers.floor import compute_floor
from bot.screen.data import build_floor_data
from models import DelayEntry, Issue, IssueStatus, Severity, Site
from tests.db_rows import in_shift, load_plant
from tests.helpers_reports import add_output, sixty_line_plant

# Wednesday 18 Nov 2026, 10:00 in Berlin: shift A (06:00–14:00) is half over.
AT = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
DAY = date(2026, 11, 18)
NOTE = "Klaus Meier says the filler leaks"


def add_issue(session: Session, severity: Severity, status: IssueStatus, text: str) -> None:
    session.add(
        Issue(
            **in_shift(session, "L1", "A", DAY),
            severity=severity,
            text=text,
            status=status,
            raised_by="U0OPER0001",
            raised_at=AT - timedelta(hours=1),
        )
    )


@pytest.fixture
def reported(session_factory: sessionmaker[Session], loaded_plant: None) -> int:
    """L1 made 300 good and 6 scrap by 09:40, lost 20 minutes, has three issues; the press has
    reported nothing. Returns the site's id."""
    with session_scope(session_factory) as session:
        add_output(session, "L1", "A", DAY, 200, 4, reported_at=AT - timedelta(minutes=80))
        add_output(session, "L1", "A", DAY, 100, 2, reported_at=AT - timedelta(minutes=20))
        add_output(session, "L1", "A", DAY, 999, reported_at=AT, voided=True)
        add_output(session, "L1", "B", DAY - timedelta(days=1), 500, reported_at=AT)
        session.add(
            DelayEntry(
                **in_shift(session, "L1", "A", DAY),
                minutes=20,
                reason="breakdown",
                note=NOTE,
                reported_by="U0LEAD0001",
                reported_at=AT - timedelta(minutes=50),
            )
        )
        add_issue(session, Severity.HIGH, IssueStatus.OPEN, NOTE)
        add_issue(session, Severity.CRITICAL, IssueStatus.ACKNOWLEDGED, "gas leak by Anna")
        add_issue(session, Severity.HIGH, IssueStatus.OPEN, "second")
        add_issue(session, Severity.LOW, IssueStatus.RESOLVED, "fixed")
        return session.scalars(select(Site.id)).one()


def test_each_line_shows_its_shift_so_far(
    session_factory: sessionmaker[Session], reported: int
) -> None:
    with session_factory() as session:
        view = compute_floor(session, site_id=reported, at=AT)

    assert view is not None
    assert (view.site_name, view.shift_name) == ("Riverside", "A")
    l1, press = view.tiles
    assert (l1.line_code, l1.target, l1.totals.good, l1.totals.scrap) == ("L1", 800, 300, 6)
    assert l1.pace == pytest.approx(300 / 0.5 / 800)
    assert l1.oee is not None and 0 < l1.oee < 1
    assert l1.totals.last_reported_at == AT - timedelta(minutes=20)
    assert l1.open_issues == {"critical": 1, "high": 2}
    assert l1.machine_state is None
    assert (press.line_code, press.target, press.totals.good, press.oee) == ("press2", 400, 0, None)
    assert press.open_issues == {} and press.pace == 0


def test_the_json_has_display_values_and_nothing_private(
    session_factory: sessionmaker[Session], reported: int
) -> None:
    with session_factory() as session:
        view = compute_floor(session, site_id=reported, at=AT)
    assert view is not None

    data = build_floor_data(view)

    assert (data["site"], data["shift"], data["shift_time"], data["clock"]) == (
        "Riverside",
        "A",
        "06:00–14:00",
        "10:00",
    )
    l1 = data["tiles"][0]
    assert l1["actual_text"] == "300" and l1["target_text"] == "800"
    assert l1["attainment_text"] == "38%" and l1["pace_text"] == "75%"
    assert l1["pace_state"] == "behind" and l1["machine"] is None
    assert l1["issues"] == [{"severity": "critical", "count": 1}, {"severity": "high", "count": 2}]
    assert (l1["last_report"], l1["last_report_minutes"]) == ("09:40", 20)
    text = json.dumps(data)
    for private in ("Klaus", "Meier", "Anna", "leak", "U0", "second", "fixed", "breakdown"):
        assert private not in text


def test_a_site_between_shifts_shows_no_tiles(
    session_factory: sessionmaker[Session], reported: int
) -> None:
    saturday_noon = datetime(2026, 11, 21, 11, 0, tzinfo=UTC)
    with session_factory() as session:
        view = compute_floor(session, site_id=reported, at=saturday_noon)
        assert compute_floor(session, site_id=reported + 1, at=AT) is None

    assert view is not None and view.tiles == [] and view.shift_name is None
    assert build_floor_data(view)["shift"] is None


@contextmanager
def counted_queries(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def queries_for_floor(engine: Engine, session_factory: sessionmaker[Session]) -> int:
    with session_factory() as session:
        site_id = session.scalars(select(Site.id)).one()
        with counted_queries(engine) as statements:
            view = compute_floor(session, site_id=site_id, at=AT)
    assert view is not None and view.tiles
    return len(statements)


def test_the_queries_do_not_grow_with_the_lines(
    engine: Engine, session_factory: sessionmaker[Session], loaded_plant: None
) -> None:
    two_lines = queries_for_floor(engine, session_factory)
    load_plant(session_factory, sixty_line_plant())
    with session_scope(session_factory) as session:
        add_output(session, "assembly-cell-07-long-code", "A", DAY, 10, reported_at=AT)

    assert queries_for_floor(engine, session_factory) == two_lines <= 9
