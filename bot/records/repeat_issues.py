"""Repeat problems raised as issues: one ``medium`` issue per streak, however often examined.

The streaks and the issue key are ``bot.numbers.repeats``'; the key's unique constraint on
``Issue.request_key`` settles a race between two processes raising the same streak.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from bot.db import upsert_insert
from bot.numbers.repeats import WINDOW, RepeatProblem, find_repeat_problems
from models import AuditRecord, Issue, IssueEvent, IssueStatus, Severity, Site

ACTOR = "prodbot"


def raise_repeat_problems(
    session: Session, *, site: Site, through: date, at: datetime
) -> list[RepeatProblem]:
    """The repeat problems on ``through``, each raised as a ``medium`` issue unless it was.

    Idempotent (see the module's docstring); the caller commits. A concurrent run that raised
    the same issue first wins the unique key, and this one keeps its issue.
    """
    problems = find_repeat_problems(session, site=site, first=through, last=through)
    raised = _raised_keys(session, [problem.request_key for problem in problems])
    _raise_issues(session, [p for p in problems if p.request_key not in raised], at=at)
    return problems


def repeat_issue_text(problem: RepeatProblem) -> str:
    return (
        f"Repeat problem: {problem.reason} delays {problem.occurrences} times in "
        f"{WINDOW.days} days on {problem.line_code} ({problem.minutes} min in all, "
        f"{problem.first_seen:%d %b}–{problem.last_seen:%d %b})"
    )


def _raised_keys(session: Session, keys: list[str]) -> set[str]:
    return {
        key
        for key in session.scalars(select(Issue.request_key).where(Issue.request_key.in_(keys)))
        if key
    }


def _raise_issues(session: Session, problems: list[RepeatProblem], *, at: datetime) -> None:
    """The issues, their events and their audit records in three statements, whatever their
    number (history imported at once can hold hundreds of streaks). An issue a concurrent run
    raised first is skipped by the insert (``ON CONFLICT DO NOTHING``), and so are its event
    and audit record: only the issues this insert wrote come back."""
    if not problems:
        return
    by_key = {problem.request_key: problem for problem in problems}
    written = session.execute(
        upsert_insert(session)(Issue)
        .on_conflict_do_nothing(index_elements=[Issue.request_key])
        .returning(Issue.id, Issue.request_key),
        [_issue_row(problem, at) for problem in problems],
    ).all()
    if not written:
        return
    session.execute(
        insert(IssueEvent),
        [
            {"issue_id": id_, "status": IssueStatus.OPEN, "by": ACTOR, "at": at}
            for id_, _ in written
        ],
    )
    session.execute(
        insert(AuditRecord),
        [_audit_row(issue_id, by_key[str(key)], at) for issue_id, key in written],
    )


def _issue_row(problem: RepeatProblem, at: datetime) -> dict[str, Any]:
    return {
        "line_id": problem.line_id,
        "shift_id": problem.last_shift_id,
        "production_date": problem.last_seen,
        "severity": Severity.MEDIUM,
        "category": None,
        "text": repeat_issue_text(problem),
        "status": IssueStatus.OPEN,
        "raised_by": ACTOR,
        "raised_at": at,
        "escalation_level": 0,
        "request_key": problem.request_key,
    }


def _audit_row(issue_id: int, problem: RepeatProblem, at: datetime) -> dict[str, Any]:
    return {
        "at": at,
        "actor": ACTOR,
        "action": "create",
        "entity": "issue",
        "entity_id": issue_id,
        "details": {
            "severity": Severity.MEDIUM.value,
            "category": None,
            "repeat": {
                "reason": problem.reason,
                "since": problem.since.isoformat(),
                "occurrences": problem.occurrences,
                "minutes": problem.minutes,
            },
        },
    }
