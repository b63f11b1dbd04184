"""How old a site's open issues are, and how long it has gone without a safety issue.

Both are bounded like the rest of the digest: open issues by the status index, the safety streak
by a recent production-date range first (``days_since_safety_issue``).
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, true
from sqlalchemy.orm import Session

from bot.numbers.issues import unresolved
from models import Issue, IssueCategory, Line

# The window searched first for the last safety issue.
SAFETY_RECENT = timedelta(days=31)
OLDEST_ISSUES_SHOWN = 3
# Open-issue age buckets: (label, upper bound of the age); the last bucket is open-ended.
AGE_BUCKETS: tuple[tuple[str, timedelta | None], ...] = (
    ("< 1 day", timedelta(days=1)),
    ("1–3 days", timedelta(days=3)),
    ("> 3 days", None),
)


@dataclass(frozen=True)
class AgedIssue:
    line_code: str
    severity: str
    text: str
    age: timedelta


@dataclass(frozen=True)
class AgeBucket:
    label: str
    by_severity: dict[str, int]

    @property
    def count(self) -> int:
        return sum(self.by_severity.values())


@dataclass(frozen=True)
class IssueAges:
    buckets: list[AgeBucket]
    oldest: list[AgedIssue]

    @property
    def total(self) -> int:
        return sum(bucket.count for bucket in self.buckets)


def open_issues_by_age(session: Session, *, lines: Sequence[Line], as_of: datetime) -> IssueAges:
    """Unresolved issues raised by ``as_of``, bucketed by age and counted by severity."""
    codes = {line.id: line.code for line in lines}
    issues = session.scalars(
        select(Issue)
        .where(
            unresolved(),  # indexed
            Issue.line_id.in_(codes),
            Issue.raised_at <= as_of,
        )
        .order_by(Issue.raised_at, Issue.id)
    ).all()
    counts: list[dict[str, int]] = [defaultdict(int) for _ in AGE_BUCKETS]
    for issue in issues:
        counts[_age_bucket(as_of - issue.raised_at)][issue.severity.value] += 1
    return IssueAges(
        buckets=[
            AgeBucket(label, dict(count))
            for (label, _), count in zip(AGE_BUCKETS, counts, strict=True)
        ],
        oldest=[
            AgedIssue(codes[i.line_id], i.severity.value, i.text, as_of - i.raised_at)
            for i in issues[:OLDEST_ISSUES_SHOWN]
        ],
    )


def days_since_safety_issue(
    session: Session, *, line_ids: Sequence[int], production_date: date
) -> int | None:
    """Whole days from the last safety issue's production date; None if there never was one.

    Looks at the recent past first, a range the date index bounds; only a site without a safety
    issue in ``SAFETY_RECENT`` searches its whole history.
    """
    for since in (production_date - SAFETY_RECENT, None):
        last = session.scalar(
            select(func.max(Issue.production_date)).where(
                Issue.line_id.in_(line_ids),
                Issue.category == IssueCategory.SAFETY,
                Issue.production_date <= production_date,
                Issue.production_date > since if since else true(),
            )
        )
        if last is not None:
            return (production_date - last).days
    return None


def _age_bucket(age: timedelta) -> int:
    for index, (_, upper) in enumerate(AGE_BUCKETS):
        if upper is None or age < upper:
            return index
    raise AssertionError("the last age bucket is open-ended")
