from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.numbers.repeats import RepeatProblem, find_repeat_problems
from bot.records import repeat_issues
from bot.records.repeat_issues import raise_repeat_problems
from models import AuditRecord, Issue, IssueEvent, IssueStatus, Severity, Site
from tests.db_rows import add_delay, in_shift
from tests.test_query_counts_lines import counted_queries

MONDAY = date(2026, 11, 16)
AT = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def _delays(
    session_factory: sessionmaker[Session], *entries: tuple[str, date, int, str, bool]
) -> None:
    """Delays of shift A: (line code, production date, minutes, reason, voided)."""
    with session_scope(session_factory) as session:
        for line_code, day, minutes, reason, voided in entries:
            add_delay(session, line_code, day, minutes, reason, voided=voided)


def _material(*days: date, line: str = "L1") -> list[tuple[str, date, int, str, bool]]:
    return [(line, day, 10 * (n + 1), "material", False) for n, day in enumerate(days)]


def _find(session_factory: sessionmaker[Session], first: date, last: date) -> list[RepeatProblem]:
    with session_factory() as session:
        site = session.scalars(select(Site)).one()
        return find_repeat_problems(session, site=site, first=first, last=last)


def _raise(session_factory: sessionmaker[Session], through: date) -> list[RepeatProblem]:
    with session_scope(session_factory) as session:
        site = session.scalars(select(Site)).one()
        return raise_repeat_problems(session, site=site, through=through, at=AT)


def _day(n: int) -> date:
    return MONDAY + timedelta(days=n)


@pytest.mark.usefixtures("loaded_plant")
def test_three_delays_of_one_reason_within_seven_days_are_a_repeat_problem(
    session_factory: sessionmaker[Session],
) -> None:
    _delays(session_factory, *_material(_day(0), _day(2), _day(6)))

    (problem,) = _find(session_factory, _day(6), _day(6))

    assert (problem.line_code, problem.reason, problem.occurrences, problem.minutes) == (
        "L1",
        "material",
        3,
        60,
    )
    assert (problem.first_seen, problem.last_seen, problem.since) == (_day(0), _day(6), _day(6))
    assert problem.is_new
    assert _find(session_factory, _day(7), _day(7)) == []  # day 0 left the window


@pytest.mark.usefixtures("loaded_plant")
def test_three_delays_spread_over_eight_days_are_not(
    session_factory: sessionmaker[Session],
) -> None:
    _delays(session_factory, *_material(_day(0), _day(3), _day(7)))

    assert _find(session_factory, _day(0), _day(20)) == []


@pytest.mark.usefixtures("loaded_plant")
def test_voided_entries_other_lines_and_other_reasons_do_not_count(
    session_factory: sessionmaker[Session],
) -> None:
    _delays(
        session_factory,
        ("L1", _day(0), 10, "material", False),
        ("L1", _day(1), 10, "material", False),
        ("L1", _day(2), 10, "material", True),
        ("press2", _day(2), 10, "material", False),
        ("L1", _day(2), 10, "breakdown", False),
    )

    assert _find(session_factory, _day(0), _day(6)) == []


@pytest.mark.usefixtures("loaded_plant")
def test_a_repeat_problem_is_raised_as_one_medium_issue_however_often_it_is_examined(
    session_factory: sessionmaker[Session],
) -> None:
    _delays(session_factory, *_material(_day(0), _day(1), _day(2), _day(4)))

    for through in (_day(4), _day(2), _day(3), _day(2), _day(5)):  # any order, repeatedly
        (problem,) = _raise(session_factory, through)
        assert problem.since == _day(2)

    with session_factory() as session:
        (issue,) = session.scalars(select(Issue)).all()
        assert (issue.severity, issue.category, issue.status) == (
            Severity.MEDIUM,
            None,
            IssueStatus.OPEN,
        )
        assert issue.text == (
            "Repeat problem: material delays 4 times in 7 days on L1 "
            "(100 min in all, 16 Nov–20 Nov)"
        )
        assert issue.request_key == f"repeat:{issue.line_id}:material:2026-11-18"
        assert issue.production_date == _day(4) and issue.raised_by == "prodbot"
        (event,) = session.scalars(select(IssueEvent)).all()
        assert (event.issue_id, event.status) == (issue.id, IssueStatus.OPEN)
        (audit,) = session.scalars(select(AuditRecord).where(AuditRecord.entity == "issue")).all()
        assert (audit.entity, audit.entity_id, audit.action) == ("issue", issue.id, "create")


@pytest.mark.usefixtures("loaded_plant")
def test_a_new_streak_after_a_quiet_week_raises_a_new_issue(
    session_factory: sessionmaker[Session],
) -> None:
    _delays(session_factory, *_material(_day(0), _day(1), _day(2), _day(14), _day(15), _day(16)))

    _raise(session_factory, _day(2))
    _raise(session_factory, _day(16))

    with session_factory() as session:
        keys = session.scalars(select(Issue.request_key).order_by(Issue.id)).all()
    assert [key.rsplit(":", 1)[1] for key in keys if key] == ["2026-11-18", "2026-12-02"]


@pytest.mark.usefixtures("loaded_plant")
def test_a_streak_longer_than_the_walk_back_keeps_its_one_issue(
    session_factory: sessionmaker[Session],
) -> None:
    days = [_day(n) for n in range(0, 90, 2)]
    _delays(session_factory, *_material(*days))

    for through in range(4, 90):
        assert len(_raise(session_factory, _day(through))) == 1

    with session_factory() as session:
        assert len(session.scalars(select(Issue)).all()) == 1


@pytest.mark.usefixtures("loaded_plant")
def test_a_concurrent_run_that_raised_it_first_wins_without_an_error(
    session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    _delays(session_factory, *_material(_day(0), _day(1), _day(2)))
    _raise(session_factory, _day(2))
    # The other run committed between this run's check and its insert.
    monkeypatch.setattr(repeat_issues, "_raised_keys", lambda session, keys: set())

    (problem,) = _raise(session_factory, _day(3))

    with session_factory() as session:
        (issue,) = session.scalars(select(Issue)).all()
        assert issue.request_key == problem.request_key
        assert (
            len(session.scalars(select(AuditRecord).where(AuditRecord.entity == "issue")).all())
            == 1
        )


@pytest.mark.usefixtures("loaded_plant")
def test_long_streaks_each_keep_the_latest_issue_of_their_own_line_and_reason(
    session_factory: sessionmaker[Session],
) -> None:
    days = [_day(n) for n in range(0, 90, 2)]
    _delays(
        session_factory,
        *_material(*days),
        *_material(*days, line="press2"),
        *[("L1", day, 5, "breakdown", False) for day in days],
    )
    with session_scope(session_factory) as session:
        for code, reason, start in [
            ("L1", "material", "2026-10-01"),
            ("L1", "material", "2026-10-20"),
            ("press2", "material", "2026-09-01"),
            ("L1", "breakdown", "2026-08-01"),
        ]:
            place = in_shift(session, code, "A", date.fromisoformat(start))
            key = f"repeat:{place['line_id']}:{reason}:{start}"
            session.add(
                Issue(
                    **place,
                    severity=Severity.MEDIUM,
                    text="repeat",
                    status=IssueStatus.OPEN,
                    raised_by="prodbot",
                    raised_at=AT,
                    request_key=key,
                )
            )

    found = _find(session_factory, _day(88), _day(88))

    assert {(p.line_code, p.reason): p.since.isoformat() for p in found} == {
        ("L1", "material"): "2026-10-20",
        ("press2", "material"): "2026-09-01",
        ("L1", "breakdown"): "2026-08-01",
    }


@pytest.mark.usefixtures("loaded_plant")
def test_many_new_streaks_are_raised_in_a_fixed_number_of_statements(
    engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    """History imported at once can hold hundreds of streaks: each is one issue, one event and
    one audit record, written together, not one round of statements per streak."""
    reasons = ["material", "breakdown", "changeover", "quality", "staffing"]
    _delays(
        session_factory,
        *[
            (line, _day(n), 5, reason, False)
            for line in ("L1", "press2")
            for reason in reasons
            for n in range(3)
        ],
    )

    with counted_queries(engine) as statements:
        problems = _raise(session_factory, _day(2))

    assert len(problems) == 10
    writes = [s for s in statements if s.lstrip().upper().startswith("INSERT")]
    assert len(writes) == 3  # issues, events, audit records
    with session_factory() as session:
        issues = session.scalars(select(Issue)).all()
        assert sorted(i.request_key or "" for i in issues) == sorted(
            p.request_key for p in problems
        )
        events = session.scalars(select(IssueEvent)).all()
        assert sorted(e.issue_id for e in events) == sorted(i.id for i in issues)
        audits = session.scalars(select(AuditRecord).where(AuditRecord.entity == "issue")).all()
        assert sorted(a.entity_id for a in audits) == sorted(i.id for i in issues)
        assert {a.details["repeat"]["occurrences"] for a in audits} == {3}
