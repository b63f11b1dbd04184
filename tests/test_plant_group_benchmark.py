"""``benchmarks/plant_group.py`` builds the plant group it claims to: a tiny one, on PostgreSQL.

The builder generates its history in SQL (PostgreSQL only), so on SQLite there is nothing to
check. The counts are worked out here from the shifts in site time, independently of its SQL.
"""

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from benchmarks.plant_group_build import (
    DELAYS_PER_SHIFT,
    ENTRIES_PER_SHIFT,
    SHIFTS,
    ZONES,
    Shape,
    build,
)
from models import DelayEntry, Issue, IssueEvent, IssueStatus, Line, OutputEntry, Site
from models.outbox import OutboxItem

NOW = datetime(2026, 11, 30, 4, 55, tzinfo=UTC)
# Seven lines a site: each day one line of each site raises its weekly issue.
SHAPE = Shape(sites=2, lines=7, days=15, now=NOW)


@pytest.fixture
def built(engine: Engine, session_factory: sessionmaker[Session]) -> dict[str, int]:
    if engine.dialect.name != "postgresql":
        pytest.skip("the plant group is generated in PostgreSQL's SQL")
    return build(engine, session_factory, SHAPE)


def _expected(hours: list[int]) -> int:
    """Rows reported by NOW if each shift of each line reports at ``hours`` after its start
    (minus five minutes for output entries, given as negative fractions below)."""
    rows = 0
    for site in range(SHAPE.sites):
        zone = ZoneInfo(ZONES[site % len(ZONES)])
        for offset in range(SHAPE.days):
            day = SHAPE.first_day + timedelta(days=offset)
            for _, start, _ in SHIFTS:
                hour, minute = map(int, start.split(":"))
                started = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
                rows += SHAPE.lines * sum(started + timedelta(hours=h) <= NOW for h in hours)
    return rows


def test_the_group_has_its_sites_lines_and_history_up_to_now(
    built: dict[str, int], session: Session
) -> None:
    five_minutes = 5 / 60
    entry_hours = [h - five_minutes for h in range(1, ENTRIES_PER_SHIFT + 1)]
    delay_hours = [3 * k for k in range(1, DELAYS_PER_SHIFT + 1)]

    assert session.scalar(select(func.count()).select_from(Site)) == 2
    assert session.scalar(select(func.count()).select_from(Line)) == 14
    assert built["output_entries"] == _expected(entry_hours)
    assert built["delay_entries"] == _expected(delay_hours)
    assert session.scalar(select(func.count()).select_from(OutputEntry)) == built["output_entries"]
    assert session.scalar(select(func.max(OutputEntry.reported_at))) <= NOW
    assert session.scalar(select(func.min(OutputEntry.production_date))) == date(2026, 11, 16)
    leads = session.scalars(select(OutputEntry.reported_by).distinct()).all()
    assert sorted(leads) == [f"U0S{s:02d}L{n:03d}" for s in (1, 2) for n in range(1, 8)]
    reasons = session.scalars(select(DelayEntry.reason).distinct()).all()
    assert len(reasons) > 3


def test_issues_are_weekly_per_line_with_their_events(
    built: dict[str, int], session: Session
) -> None:
    per_line = Counter(session.scalars(select(Issue.line_id)))
    statuses = Counter(session.scalars(select(Issue.status)))
    events = Counter(session.scalars(select(IssueEvent.status)))

    assert len(per_line) == 14 and all(1 <= issues <= 3 for issues in per_line.values())
    assert statuses[IssueStatus.RESOLVED] > statuses[IssueStatus.OPEN]
    assert statuses[IssueStatus.OPEN] + statuses[IssueStatus.ACKNOWLEDGED] > 0
    assert events[IssueStatus.OPEN] == built["issues"]
    assert events[IssueStatus.ACKNOWLEDGED] == built["issues"] - statuses[IssueStatus.OPEN]
    assert events[IssueStatus.RESOLVED] == statuses[IssueStatus.RESOLVED]
    assert built["outbox"] == session.scalar(select(func.count()).select_from(OutboxItem)) > 0
