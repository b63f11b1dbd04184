"""Each section of the morning review, built from values (no database): Safety, Quality, Cost,
People, OEE per line and the issues touched since the last review."""

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from bot.messages.digest import build_digest_blocks
from bot.messages.morning_review import (
    cost_section,
    oee_blocks,
    people_section,
    quality_section,
    safety_section,
    touched_section,
)
from bot.numbers.discipline import Discipline
from bot.numbers.loss_model import Losses
from bot.numbers.morning_review import (
    IssueChange,
    People,
    ScrapReason,
    TouchedIssue,
    cost_to_date,
)
from models import IssueStatus, LossCategory
from tests.messages.escaping import ESCAPED, HOSTILE, assert_escaped, rendered
from tests.messages.test_digest_words import DAY, MIXED, digest_of

WORKED = Losses(
    planned_minutes=450,
    stop_minutes={LossCategory.BREAKDOWNS: 45, LossCategory.SETUP: 20},
    good=800,
    production_scrap=20,
    ideal_rate=150,
    breakdowns=2,
    instances=1,
)


def _text(block: object) -> str:
    return rendered([block])  # type: ignore[list-item]


def test_safety_counts_the_day_and_the_streak() -> None:
    calm = _text(safety_section(digest_of(MIXED)))
    assert "🟩 Safety" in calm
    assert "No safety incident · 0 near misses · 1 day since the last safety issue" in calm

    hurt = replace(digest_of(MIXED), safety_incidents=1, near_misses=2, days_since_safety_issue=0)
    text = _text(safety_section(hurt))
    assert "🟥 Safety" in text and "1 safety incident · 2 near misses · 0 days since" in text


def test_quality_gives_each_line_a_rate_to_one_decimal_and_the_top_scrap_reasons() -> None:
    digest = replace(
        digest_of(MIXED),
        scrap_reasons=(
            ScrapReason("L2", "trays", "seal", 15, 15 / 1264),
            ScrapReason("L1", "cases", "startup", 10, 10 / 2846),
        ),
    )
    text = _text(quality_section(digest))
    assert "L2 1.6% (20 trays) · L1 0.5% (14 cases) · L3 0.4% (2 kegs)" in text
    assert "Top scrap reasons: L2 seal 1.2% (15 trays), L1 startup 0.4% (10 cases)" in text
    assert "Plant" not in text  # trays, cases and kegs do not add up


def test_cost_is_month_to_date_against_the_budget_with_a_forecast() -> None:
    under = replace(
        digest_of(MIXED, currency="EUR"),
        cost=cost_to_date(
            day_cost=Decimal("3003"), month_cost=Decimal("9800"), budget=Decimal("30000"), day=DAY
        ),
    )
    text = _text(cost_section(under))
    # 9,800 in 14 of 30 days: 700 a day, 21,000 by the 30th, 9,000 under the budget
    assert "Month to date €9,800 of €30,000 budget (32.7%)" in text
    assert "on course for €21,000 by 30 Sep, €9,000 under budget" in text

    no_budget = replace(under, cost=replace(under.cost, budget=None))  # type: ignore[type-var]
    text = _text(cost_section(no_budget))
    assert "Month to date €9,800 · on course for €21,000 by 30 Sep" in text
    assert "budget" not in text
    assert cost_section(replace(under, cost=None)) is None  # no line has costs


def test_people_names_the_late_and_the_missing_shifts() -> None:
    people = People(Discipline(on_time=6, late=1, missing=1), late=("L2 Late",), missing=(HOSTILE,))
    text = _text(people_section(replace(digest_of(MIXED), people=people)))
    assert "*People* · 6 of 8 planned shifts reported on time (75%)" in text
    assert "Late: L2 Late" in text and "Not reported: " in text
    assert_escaped(text)
    assert "no planned shift was due" in _text(people_section(digest_of(MIXED)))


def test_oee_per_line_with_a_p_q_and_the_biggest_loss() -> None:
    no_rate = replace(WORKED, ideal_rate=None)
    lines = [
        replace(MIXED[0], losses=WORKED),
        replace(MIXED[1], losses=no_rate),
        replace(MIXED[2], losses=None),
    ]
    text = rendered(oee_blocks(replace(digest_of(lines))))
    # 385 run / 450 planned; 328 ideal / 385 run; 800 / 820 good; 320 / 450 OEE
    assert "L1 OEE  71.1%  A  85.6% P  85.2% Q  97.6%" in text
    assert "biggest loss: Unrecorded / speed 57 min" in text  # 385 − 328
    assert "L2 A  85.6%  Q  97.6%  (no ideal rate)" in text
    assert "L3 not reported" in text


def test_an_issue_raised_and_resolved_overnight_is_in_the_review() -> None:
    def at(hour: int, minute: int) -> datetime:
        return datetime(2026, 9, 14, hour, minute, tzinfo=UTC)

    overnight = TouchedIssue(
        line_code="L2",
        severity="high",
        category="near-miss",
        text=HOSTILE,
        status=IssueStatus.RESOLVED,
        raised_at=at(0, 40),
        changes=(
            IssueChange(IssueStatus.OPEN, "U0LENA", at(0, 40)),
            IssueChange(IssueStatus.RESOLVED, "U0BEN", at(4, 11)),
        ),
    )
    digest = replace(digest_of(MIXED), touched=(overnight,), timezone="Europe/Berlin")

    text = _text(touched_section(digest))

    assert "🟠 high near-miss · L2 · raised 02:40 by <@U0LENA>, resolved 06:11 by <@U0BEN>" in text
    assert "now resolved" in text and ESCAPED in text
    assert "none raised" in _text(touched_section(digest_of(MIXED)))


def test_the_sections_come_in_the_order_of_a_tier_meeting() -> None:
    digest = replace(
        digest_of(MIXED, currency="EUR"),
        lines=[replace(line, losses=WORKED) for line in MIXED],
    )
    text = rendered(build_digest_blocks(digest))
    order = [
        "Safety*",
        "*Quality*",
        "*Delivery*",
        "*Cost*",
        "*People*",
        "*OEE*",
        "*Issues since the last digest*",
        "*Open issues*",
    ]
    positions = [text.index(heading) for heading in order]
    assert positions == sorted(positions)
