"""Values at and beyond what a plant file and a form allow, for the Slack-limits tests: text that
escaping makes five times longer, names of 200 characters, and many of everything."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from bot.numbers.digest import Digest, LineDay, ParetoRow
from bot.numbers.discipline import Discipline
from bot.numbers.issue_ages import AgeBucket, AgedIssue, IssueAges
from bot.numbers.issues import IssueView, StatusMark
from bot.numbers.periods import PeriodAttainment
from bot.numbers.production import LineStatus, OpenIssue, ShiftBoardView, ShiftTotals
from bot.numbers.repeats import RepeatProblem
from bot.numbers.weekly import LineWeek, Trend, WeeklyReview
from bot.records.handover import HandoverIssue, HandoverView
from models.enums import IssueStatus
from tests.messages.escaping import AT, DAY, INSTANCE, LEAD, ZONE

NOTE = "&<>" * 1000  # 3,000 typed characters, 13,000 once escaped
NAME = ("&<>" + "x" * 7) * 20  # a 200-character plant-file name
SHORT = ("&<>" * 11)[:32]  # a 32-character shift name or unit
CODE = "L" + "-" * 31  # the longest line code
LINES = 60
ISSUES = 150
REASONS = 40
ENTRIES = 500
SEVERITIES = ("critical", "high", "medium", "low")


def reason(n: int) -> str:
    return f"{n:02d}{NAME}"


def code(n: int) -> str:
    return f"{CODE[:-3]}{n:03d}"


def board_view(*, issues: int = ISSUES) -> ShiftBoardView:
    return ShiftBoardView(
        line_code=CODE,
        line_name=NAME,
        unit=SHORT,
        instance=replace(INSTANCE, shift_name=SHORT),
        zone=ZONE,
        target=9_999_999,
        totals=ShiftTotals(
            good=9_999_999,
            scrap=9_999_999,
            delay_minutes=99_999,
            delays_by_reason={reason(n): 999 for n in range(REASONS)},
        ),
        pace=0.5,
        open_issues=[
            OpenIssue(id=n, severity=SEVERITIES[n % 4], text=NOTE, status="acknowledged")
            for n in range(issues)
        ],
        at=AT,
    )


def line_status(n: int) -> LineStatus:
    return LineStatus(code(n), NAME, SHORT, board_view(), DAY, 9_999_999, 9_999_999)


def issue_view(status: IssueStatus = IssueStatus.OPEN) -> IssueView:
    mark = StatusMark(by=LEAD, at=AT + timedelta(minutes=30), note=NOTE)
    return IssueView(
        id=2_000_000_000,
        line_code=CODE,
        line_channel="C0LINE0001",
        message_channel="C0LINE0001",
        message_ts="1763456400.000100",
        severity="critical",
        category="mechanical",
        text=NOTE,
        status=status,
        raised_by=LEAD,
        raised_at=AT,
        zone=ZONE,
        acknowledged=mark if status is not IssueStatus.OPEN else None,
        resolved=mark if status is IssueStatus.RESOLVED else None,
    )


def handover_view(*, acknowledged: bool = False) -> HandoverView:
    label = f"shift {SHORT} Wed 18 Nov"
    return HandoverView(
        id=3,
        line_code=CODE,
        channel_id="C0LINE0001",
        message_ts=None,
        zone=ZONE,
        from_label=label,
        to_label=label,
        note="\n".join([NOTE] * 3),
        issues=[HandoverIssue(SEVERITIES[n % 4], NOTE, "open") for n in range(ISSUES)],
        written_by=LEAD,
        written_at=AT,
        acknowledged_by=LEAD if acknowledged else None,
        acknowledged_at=AT if acknowledged else None,
    )


def line_day(n: int) -> LineDay:
    return LineDay(
        line_id=n,
        code=code(n),
        unit=SHORT,
        target=9_999_999 if n % 7 else None,
        good=n * 1000,
        planned_good=n * 1000,
        scrap=9_999_999,
        delay_minutes=99_999,
        name=NAME,
        main_delay_reason=reason(n),
        loss_cost=Decimal("999999999.99"),
    )


def digest() -> Digest:
    period = PeriodAttainment(first=DAY, last=DAY, target=999_999_999, actual=99_999_999)
    lines = [line_day(n) for n in range(LINES)]
    return Digest(
        site_name=NAME,
        production_date=DAY,
        lines=lines,
        misses=lines,
        pareto=[
            ParetoRow(reason=reason(n), minutes=99_999, share=0.025, cumulative_share=n / 40)
            for n in range(REASONS)
        ],
        issues=IssueAges(
            buckets=[AgeBucket(label, {s: 999 for s in SEVERITIES}) for label in ("a", "b", "c")],
            oldest=[
                AgedIssue(code(n), SEVERITIES[n % 4], NOTE, timedelta(days=n))
                for n in range(ISSUES)
            ],
        ),
        week=period,
        month=period,
        forecast=period,
        days_since_safety_issue=9999,
    )


def repeats() -> list[RepeatProblem]:
    first = DAY - timedelta(days=6)
    return [
        RepeatProblem(n, code(n), reason(n), first, DAY, 99, 99_999, first, DAY, n)
        for n in range(ISSUES)
    ]


def weekly() -> WeeklyReview:
    return WeeklyReview(
        site_name=NAME,
        first=date(2026, 11, 16),
        lines=[
            LineWeek(n, code(n), SHORT, 99_999_999, 99_999, 99_999, 99_999, 99_999, Discipline(21))
            for n in range(LINES)
        ],
        losses=[Trend(reason(n), 99_999, 1) for n in range(REASONS)],
        downtime=Trend("downtime", 99_999, 1),
        scrap=Trend("scrap", 99_999, 1),
        repeats=repeats(),
    )
