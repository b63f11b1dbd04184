"""Repeat problems raised as issues: one ``medium`` issue per streak, however often examined.

The streaks and the issue key are ``bot.numbers.repeats``'; the key's unique constraint on
``Issue.request_key`` settles a race between two processes raising the same streak.
"""

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.numbers.repeats import WINDOW, RepeatProblem, find_repeat_problems
from bot.records.audit import audit
from models import Issue, IssueEvent, IssueStatus, Severity, Site

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
    for problem in problems:
        if problem.request_key not in raised:
            _raise_issue(session, problem, at=at)
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


def _raise_issue(session: Session, problem: RepeatProblem, *, at: datetime) -> None:
    issue = Issue(
        line_id=problem.line_id,
        shift_id=problem.last_shift_id,
        production_date=problem.last_seen,
        severity=Severity.MEDIUM,
        category=None,
        text=repeat_issue_text(problem),
        status=IssueStatus.OPEN,
        raised_by=ACTOR,
        raised_at=at,
        request_key=problem.request_key,
    )
    # The issue, its event and its audit record in one savepoint: a concurrent run that raised
    # it first leaves none of them behind here.
    try:
        with session.begin_nested():
            session.add(issue)
            session.flush()
            session.add(IssueEvent(issue_id=issue.id, status=IssueStatus.OPEN, by=ACTOR, at=at))
            audit(
                session,
                at,
                ACTOR,
                "create",
                ("issue", issue.id),
                {
                    "severity": Severity.MEDIUM.value,
                    "category": None,
                    "repeat": {
                        "reason": problem.reason,
                        "since": problem.since.isoformat(),
                        "occurrences": problem.occurrences,
                        "minutes": problem.minutes,
                    },
                },
            )
    except IntegrityError:
        pass
