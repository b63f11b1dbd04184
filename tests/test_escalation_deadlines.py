"""Escalation deadlines as plain functions of an issue, the plant's ``[alerts]`` and a clock."""

from datetime import UTC, datetime, timedelta

import pytest

from bot.numbers.issues import Level, escalation_deadlines, escalation_due, reminder_due
from bot.plant.file import AlertConfig
from models import Issue, IssueCategory, IssueStatus, Severity

RAISED = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
DEFAULTS = AlertConfig()
M, H = Level.MANAGERS, Level.HEADS


def issue(
    severity: Severity,
    *,
    category: IssueCategory | None = None,
    status: IssueStatus = IssueStatus.OPEN,
) -> Issue:
    return Issue(severity=severity, category=category, status=status, raised_at=RAISED)


@pytest.mark.parametrize(
    ("severity", "after_minutes", "due"),
    [
        (Severity.CRITICAL, 0, [M]),
        (Severity.CRITICAL, 14, [M]),
        (Severity.CRITICAL, 15, [M, H]),
        (Severity.HIGH, 0, []),
        (Severity.HIGH, 14, []),
        (Severity.HIGH, 15, [M]),
        (Severity.HIGH, 59, [M]),
        (Severity.HIGH, 60, [M, H]),
        (Severity.MEDIUM, 239, []),
        (Severity.MEDIUM, 240, [M]),
        (Severity.MEDIUM, 60 * 24 * 30, [M]),
        (Severity.LOW, 60 * 24 * 30, []),
    ],
)
def test_default_deadlines_of_each_severity(
    severity: Severity, after_minutes: int, due: list[Level]
) -> None:
    at = RAISED + timedelta(minutes=after_minutes)
    assert escalation_due(issue(severity), DEFAULTS, at) == due


def test_a_safety_issue_pings_managers_at_once_and_heads_on_its_severitys_deadline() -> None:
    safety = issue(Severity.HIGH, category=IssueCategory.SAFETY)

    assert escalation_deadlines(safety, DEFAULTS) == {M: timedelta(0), H: timedelta(minutes=60)}
    assert escalation_due(safety, DEFAULTS, RAISED) == [M]
    assert escalation_due(safety, DEFAULTS, RAISED + timedelta(minutes=60)) == [M, H]


def test_other_categories_keep_their_severitys_deadlines() -> None:
    quality = issue(Severity.HIGH, category=IssueCategory.QUALITY)

    assert escalation_due(quality, DEFAULTS, RAISED) == []


@pytest.mark.parametrize("status", [IssueStatus.ACKNOWLEDGED, IssueStatus.RESOLVED])
def test_an_acknowledged_or_resolved_issue_is_never_due(status: IssueStatus) -> None:
    at = RAISED + timedelta(days=1)
    assert escalation_due(issue(Severity.CRITICAL, status=status), DEFAULTS, at) == []


def test_deadlines_come_from_the_plant_file() -> None:
    alerts = AlertConfig.model_validate(
        {"escalation": {"critical": [5, 30], "high": [120], "low": [600, 1440]}}
    )

    assert escalation_due(issue(Severity.CRITICAL), alerts, RAISED) == []
    assert escalation_due(issue(Severity.CRITICAL), alerts, RAISED + timedelta(minutes=5)) == [M]
    assert escalation_due(issue(Severity.HIGH), alerts, RAISED + timedelta(days=1)) == [M]
    assert escalation_due(issue(Severity.MEDIUM), alerts, RAISED + timedelta(days=1)) == []
    assert escalation_due(issue(Severity.LOW), alerts, RAISED + timedelta(days=1)) == [M, H]


@pytest.mark.parametrize(
    ("status", "after", "due"),
    [
        (IssueStatus.ACKNOWLEDGED, timedelta(hours=3, minutes=59), False),
        (IssueStatus.ACKNOWLEDGED, timedelta(hours=4), True),
        (IssueStatus.RESOLVED, timedelta(hours=5), False),
        (IssueStatus.OPEN, timedelta(hours=5), False),
    ],
)
def test_an_acknowledged_issue_reminds_after_four_hours_unless_resolved(
    status: IssueStatus, after: timedelta, due: bool
) -> None:
    assert reminder_due(status=status, acknowledged_at=RAISED, at=RAISED + after) is due
