"""``escalations`` walked with a pinned clock, against the fake Slack and the outbox."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.records.issues import acknowledge_issue, owe_issue_message, resolve_issue
from bot.slack.issues import post_issue_message
from jobs import deliveries, escalations
from jobs.base import JobDeps
from models import (
    Issue,
    IssueCategory,
    IssueEvent,
    IssueStatus,
    Line,
    OutboxItem,
    OutboxStatus,
    Severity,
)
from tests.e2e.support import MID_SHIFT_A
from tests.fakes.slack_api import Call, FakeSlackAPI

LEAD, MANAGER, HEAD = "U0LEAD0001", "U0MGR00001", "U0HEAD0001"
ISSUE_LINK = "https://factory.slack.com/archives/C0LINE0001/p1790000000000001"


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(MID_SHIFT_A, tick=False) as traveller:
        yield traveller


@pytest.fixture
def raise_issue(session_factory: sessionmaker[Session], deps: JobDeps):  # type: ignore[no-untyped-def]
    """An issue raised on a line at the clock's now, posted to its channel as ``/issue`` does."""

    def add(
        severity: Severity,
        *,
        category: IssueCategory | None = None,
        line: str = "L1",
        by: str = LEAD,
    ) -> int:
        at = datetime.now(UTC)
        with session_scope(session_factory) as session:
            line_row = session.scalars(select(Line).where(Line.code == line)).one()
            issue = Issue(
                line_id=line_row.id,
                shift_id=line_row.site.shifts[0].id,
                production_date=at.date(),
                severity=severity,
                category=category,
                text="conveyor jam",
                status=IssueStatus.OPEN,
                raised_by=by,
                raised_at=at,
            )
            session.add(issue)
            session.flush()
            session.add(IssueEvent(issue_id=issue.id, status=IssueStatus.OPEN, by=by, at=at))
            owed = owe_issue_message(session, issue_id=issue.id, channel=line_row.channel_id, at=at)
        post_issue_message(
            client=deps.client, outbox=deps.outbox, issue_id=issue.id, owed=owed, raised_at=at
        )
        return issue.id

    return add


def dms(fake_slack: FakeSlackAPI) -> list[Call]:
    return [c for c in fake_slack.calls_to("chat.postMessage") if c.args["channel"][0] == "U"]


def run_at(clock: time_machine.Traveller, deps: JobDeps, fake: FakeSlackAPI, minutes: int):  # type: ignore[no-untyped-def]
    """Move the clock to ``minutes`` after the issue, run the job; the DMs it sent, by whom."""
    at = MID_SHIFT_A + timedelta(minutes=minutes)
    clock.move_to(at)
    before = len(dms(fake))
    escalations.run(at, deps)
    return [call.args["channel"] for call in dms(fake)[before:]]


def deliver_at(clock: time_machine.Traveller, deps: JobDeps, fake: FakeSlackAPI, minutes: int):  # type: ignore[no-untyped-def]
    """Move the clock to ``minutes`` after the issue, run ``deliveries``; the DMs it sent."""
    at = MID_SHIFT_A + timedelta(minutes=minutes)
    clock.move_to(at)
    before = len(dms(fake))
    deliveries.run(at, deps)
    return [call.args["channel"] for call in dms(fake)[before:]]


def level(session_factory: sessionmaker[Session], issue_id: int) -> int:
    with session_factory() as session:
        return session.get_one(Issue, issue_id).escalation_level


def test_a_high_issue_climbs_to_managers_then_heads_once_each(
    deps: JobDeps, fake_slack: FakeSlackAPI, session_factory, clock, raise_issue
) -> None:
    issue_id = raise_issue(Severity.HIGH)

    assert run_at(clock, deps, fake_slack, 0) == []
    assert run_at(clock, deps, fake_slack, 14) == []
    assert run_at(clock, deps, fake_slack, 15) == [MANAGER]
    assert level(session_factory, issue_id) == 1
    assert run_at(clock, deps, fake_slack, 15) == []
    assert run_at(clock, deps, fake_slack, 55) == []
    assert run_at(clock, deps, fake_slack, 60) == [HEAD]
    assert level(session_factory, issue_id) == 2
    assert run_at(clock, deps, fake_slack, 24 * 60) == []

    manager, head = dms(fake_slack)
    assert manager.args["text"] == (
        "🚨 HIGH issue on L1, raised 15 min ago by <@U0LEAD0001> and not acknowledged yet: "
        f"conveyor jam <{ISSUE_LINK}|Open the issue>"
    )
    assert head.args["text"] == (
        "🚨 Escalated to you: HIGH issue on L1 not acknowledged since 10:00 (1 h ago): "
        f"conveyor jam <{ISSUE_LINK}|Open the issue>"
    )
    assert "Press *Acknowledge*" in str(manager.args["blocks"])
    with session_factory() as session:
        rows = session.execute(
            select(OutboxItem.key, OutboxItem.kind, OutboxItem.ref).where(OutboxItem.kind == "ping")
        ).all()
    assert sorted(rows) == [
        (f"escalations|issue:{issue_id}/user:{HEAD}|level:2", "ping", f"issue:{issue_id}"),
        (f"escalations|issue:{issue_id}/user:{MANAGER}|level:1", "ping", f"issue:{issue_id}"),
    ]


@pytest.mark.parametrize(
    ("severity", "category"),
    [(Severity.CRITICAL, None), (Severity.HIGH, IssueCategory.SAFETY)],
)
def test_critical_and_safety_issues_ping_managers_at_once_on_creation(
    deps: JobDeps,
    fake_slack: FakeSlackAPI,
    clock,
    raise_issue,
    severity: Severity,
    category: IssueCategory | None,
) -> None:
    raise_issue(severity, category=category)

    [ping] = dms(fake_slack)
    assert ping.args["channel"] == MANAGER
    assert ping.args["text"].startswith(f"🚨 {severity.upper()} issue on L1, raised just now")
    assert run_at(clock, deps, fake_slack, 1) == []  # the job finds it owed already


def test_a_critical_issue_reaches_the_heads_after_15_minutes(
    deps: JobDeps, fake_slack: FakeSlackAPI, clock, raise_issue
) -> None:
    raise_issue(Severity.CRITICAL)

    assert run_at(clock, deps, fake_slack, 14) == []
    assert run_at(clock, deps, fake_slack, 15) == [HEAD]


def test_low_issues_never_escalate_and_medium_ones_only_to_managers(
    deps: JobDeps, fake_slack: FakeSlackAPI, clock, raise_issue
) -> None:
    raise_issue(Severity.LOW)
    raise_issue(Severity.MEDIUM, line="press2")

    assert run_at(clock, deps, fake_slack, 239) == []
    assert run_at(clock, deps, fake_slack, 240) == [MANAGER]
    assert run_at(clock, deps, fake_slack, 3 * 24 * 60) == []


def test_the_person_who_raised_it_is_not_pinged_about_it(
    deps: JobDeps, fake_slack: FakeSlackAPI, clock, raise_issue
) -> None:
    raise_issue(Severity.CRITICAL, by=MANAGER)

    assert dms(fake_slack) == []
    assert run_at(clock, deps, fake_slack, 15) == [HEAD]


def test_acknowledging_stops_the_ladder_and_reminds_the_acknowledger_once_after_4_hours(
    deps: JobDeps, fake_slack: FakeSlackAPI, session_factory, clock, raise_issue
) -> None:
    issue_id = raise_issue(Severity.HIGH)
    assert run_at(clock, deps, fake_slack, 15) == [MANAGER]
    with session_scope(session_factory) as session:
        acknowledged_at = MID_SHIFT_A + timedelta(minutes=20)
        acknowledge_issue(session, issue_id=issue_id, user_id=HEAD, at=acknowledged_at)

    assert run_at(clock, deps, fake_slack, 60) == []
    assert run_at(clock, deps, fake_slack, 20 + 4 * 60 - 1) == []
    assert run_at(clock, deps, fake_slack, 20 + 4 * 60) == [HEAD]
    assert run_at(clock, deps, fake_slack, 20 + 9 * 60) == []
    assert dms(fake_slack)[-1].args["text"] == (
        "⏰ You acknowledged the HIGH issue on L1 at 10:20; it is still not resolved: "
        f"conveyor jam <{ISSUE_LINK}|Open the issue>"
    )


def test_a_resolved_issue_is_left_alone(
    deps: JobDeps, fake_slack: FakeSlackAPI, session_factory, clock, raise_issue
) -> None:
    issue_id = raise_issue(Severity.HIGH)
    with session_scope(session_factory) as session:
        resolve_issue(session, issue_id=issue_id, user_id=LEAD, at=MID_SHIFT_A, note=None)

    assert run_at(clock, deps, fake_slack, 24 * 60) == []


def test_a_ping_slack_refused_is_sent_by_the_deliveries_job(
    deps: JobDeps, fake_slack: FakeSlackAPI, session_factory, clock, raise_issue
) -> None:
    issue_id = raise_issue(Severity.HIGH)
    fake_slack.fail("chat.postMessage", status=400)

    assert run_at(clock, deps, fake_slack, 15) == [MANAGER]  # tried, refused
    assert level(session_factory, issue_id) == 0
    assert run_at(clock, deps, fake_slack, 20) == []  # owed once: the job does not owe it again
    assert deliver_at(clock, deps, fake_slack, 20) == [MANAGER]
    assert level(session_factory, issue_id) == 1
    assert run_at(clock, deps, fake_slack, 25) == []
    assert deliver_at(clock, deps, fake_slack, 25) == []


def test_a_ping_still_unsent_when_its_issue_is_acknowledged_is_dropped(
    deps: JobDeps, fake_slack: FakeSlackAPI, session_factory, clock, raise_issue
) -> None:
    issue_id = raise_issue(Severity.HIGH)
    fake_slack.fail("chat.postMessage", status=500)
    assert run_at(clock, deps, fake_slack, 15) == [MANAGER]  # tried, refused
    with session_scope(session_factory) as session:
        acknowledge_issue(session, issue_id=issue_id, user_id=HEAD, at=datetime.now(UTC))

    assert deliver_at(clock, deps, fake_slack, 20) == []

    with session_factory() as session:
        [ping] = session.scalars(select(OutboxItem).where(OutboxItem.kind == "ping")).all()
    assert ping.status is OutboxStatus.DROPPED
    assert level(session_factory, issue_id) == 0
