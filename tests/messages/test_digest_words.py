"""The digest, shift summary and weekly review say what the numbers mean: no total adds different
units, plurals are right, scrap rates have one decimal, money has its currency, and a shift
nobody reported is named, never shown as 0%. Builders are fed values directly (no database)."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from bot.messages.digest import build_digest_blocks, digest_text
from bot.messages.format import money, plant_vs_target, plural, rate, shared_unit
from bot.messages.summary import build_shift_summary_blocks, shift_summary_text
from bot.messages.weekly import LOSSES_SHOWN, build_weekly_blocks, weekly_text
from bot.numbers.digest import Digest, LineDay, ParetoRow, UnreportedShift, biggest_misses
from bot.numbers.discipline import Discipline
from bot.numbers.issue_ages import IssueAges
from bot.numbers.morning_review import cost_to_date
from bot.numbers.periods import PeriodAttainment
from bot.numbers.production import ShiftTotals
from bot.numbers.weekly import LineWeek, Trend, WeeklyReview
from tests.messages.escaping import board_view, rendered

DAY = date(2026, 9, 14)


def line_day(
    code: str,
    unit: str,
    target: int,
    good: int,
    *,
    scrap: int = 0,
    reason: str | None = None,
    cost: str | None = None,
    unreported: tuple[UnreportedShift, ...] = (),
) -> LineDay:
    return LineDay(
        line_id=hash(code) % 1000,
        code=code,
        unit=unit,
        target=target,
        good=good,
        planned_good=good,
        scrap=scrap,
        delay_minutes=15 if reason else 0,
        name=code,
        main_delay_reason=reason,
        loss_cost=Decimal(cost) if cost else None,
        unreported=unreported,
    )


def digest_of(
    lines: list[LineDay], *, pareto: list[ParetoRow] | None = None, currency: str | None = None
) -> Digest:
    return Digest(
        site_name="Riverside",
        production_date=DAY,
        lines=lines,
        misses=biggest_misses(lines),
        pareto=pareto or [],
        issues=IssueAges(buckets=[], oldest=[]),
        week=PeriodAttainment(DAY, DAY, 5120, 4588),
        month=PeriodAttainment(DAY.replace(day=1), DAY, 48400, 46303),
        forecast=PeriodAttainment(DAY.replace(day=1), date(2026, 9, 30), 109840, 105205),
        days_since_safety_issue=1,
        currency=currency,
        cost=cost_to_date(
            day_cost=sum((line.loss_cost for line in lines if line.loss_cost), Decimal(0)),
            month_cost=Decimal("17192"),
            budget=Decimal("30000"),
            day=DAY,
        )
        if any(line.loss_cost for line in lines)
        else None,
    )


NIGHT = UnreportedShift("Night", 200)
MIXED = [
    line_day("L1", "cases", 2800, 2832, scrap=14, cost="72"),
    line_day("L2", "trays", 1600, 1244, scrap=20, reason="breakdown", cost="2630"),
    line_day("L3", "kegs", 720, 512, scrap=2, reason="material", cost="301", unreported=(NIGHT,)),
]


def test_plural_and_rate_and_money_helpers() -> None:
    assert [plural(n, "issue") for n in (0, 1, 2, 1200)] == [
        "0 issues",
        "1 issue",
        "2 issues",
        "1,200 issues",
    ]
    assert plural(1, "more reason") == "1 more reason" and plural(3, "box", "boxes") == "3 boxes"
    assert (rate(0.004), rate(0.0), rate(None)) == ("0.4%", "0.0%", "—")
    assert money(Decimal("3003.00"), "EUR") == "€3,003"
    assert money(Decimal("3003.00"), "DKK") == "3,003 DKK"
    assert money(Decimal("3003.00"), "PLN") == "3,003 zł"
    assert money(Decimal("72.5"), "USD") == "$72.50"
    assert money(Decimal("99.99"), "GBP") == "£99.99" and money(Decimal("100"), "GBP") == "£100"
    assert money(Decimal("3003.00")) == "3,003.00"  # no currency set: the bare amount
    assert money(None, "EUR") == "—"


def test_a_plant_of_different_units_shows_only_its_target_weighted_attainment() -> None:
    digest = digest_of(MIXED, currency="EUR")
    blocks = rendered(build_digest_blocks(digest))
    # Σ actual / Σ target = Σ (attainment_i × target_i) / Σ target_i: 4,588 / 5,120
    assert shared_unit(MIXED) is None
    assert "*Delivery* · plant 90% of target" in blocks
    assert "4,588" not in blocks and "5,120" not in blocks and "105,205" not in blocks
    assert "Plant 36" not in blocks  # nor a scrap total of cases, trays and kegs
    assert "96% of target at the current run-rate" in blocks
    assert digest_text(digest).startswith("Riverside digest for Mon 14 Sep 2026: plant 90% of")


def test_a_plant_whose_lines_share_a_unit_shows_the_unit_total() -> None:
    lines = [line_day("L1", "cases", 2800, 2832, scrap=14), line_day("L2", "cases", 1600, 1244)]
    blocks = rendered(build_digest_blocks(digest_of(lines)))
    assert "*Delivery* · plant 4,076 / 4,400 cases (93%)" in blocks
    assert "Plant 14 cases (0.3%)" in blocks
    assert "4,588 / 5,120 cases (90%)" in blocks  # the week to date, in cases too
    assert plant_vs_target(0, 0, None) == "no target"


def test_scrap_rates_have_one_decimal_and_costs_their_currency() -> None:
    blocks = rendered(build_digest_blocks(digest_of(MIXED, currency="EUR")))
    assert "L2 1.6% (20 trays) · L1 0.5% (14 cases) · L3 0.4% (2 kegs)" in blocks
    assert "*Cost* · losses €3,003 yesterday (L2 €2,630 · L3 €301 · L1 €72.00)" in blocks
    # 17,192 over 14 days of 30: 36,840; the budget 30,000
    assert "Month to date €17,192 of €30,000 budget (57.3%)" in blocks
    assert "on course for €36,840 by 30 Sep: *€6,840 over budget*" in blocks
    assert "3,003.00" not in blocks
    unknown = rendered(build_digest_blocks(digest_of(MIXED, currency="DKK")))
    assert "*Cost* · losses 3,003 DKK yesterday" in unknown


def test_a_miss_mostly_from_an_unreported_shift_names_it_instead_of_the_main_delay() -> None:
    blocks = rendered(build_digest_blocks(digest_of(MIXED)))
    assert "*L3* −208 kegs (71%) · shift Night not reported (200 kegs planned)" in blocks
    assert "main delay material" not in blocks
    assert "*L2* −356 trays (78%) · main delay breakdown" in blocks


def test_an_unreported_shift_that_is_not_most_of_the_miss_is_named_after_the_delay() -> None:
    small = UnreportedShift("Late", 50)
    line = line_day("L3", "kegs", 720, 400, reason="material", unreported=(small,))
    assert not line.missed_mostly_unreported
    blocks = rendered(build_digest_blocks(digest_of([line])))
    assert "−320 kegs (56%) · main delay material · shift Late not reported" in blocks


def test_counts_in_words_are_singular_for_one() -> None:
    rows = [ParetoRow(f"reason{n}", 10, 0.1, 0.1 * (n + 1)) for n in range(9)]
    blocks = rendered(build_digest_blocks(digest_of(MIXED, pareto=rows)))
    assert "…and 1 more reason, 10 min" in blocks and "more reasons" not in blocks
    assert "1 day since the last safety issue" in blocks
    two = rendered(build_digest_blocks(digest_of(MIXED, pareto=[*rows, rows[0]])))
    assert "…and 2 more reasons, 20 min" in two
    assert "(s)" not in blocks


def test_an_unreported_shift_summary_says_not_reported_never_0_percent() -> None:
    view = replace(board_view(), totals=ShiftTotals())
    blocks = rendered(build_shift_summary_blocks(view, reported=False))
    assert "*Not reported:* no output was reported for this shift" in blocks
    assert "target of 800 bottles is unaccounted for" in blocks
    assert "*Attainment*\\nnot reported" in blocks and "0%" not in blocks
    assert shift_summary_text(view).endswith("ended: not reported, 800 bottles planned")


def test_a_reported_shift_summary_shows_its_scrap_rate_to_one_decimal() -> None:
    view = replace(board_view(), totals=ShiftTotals(good=995, scrap=5, output_entries=3))
    blocks = rendered(build_shift_summary_blocks(view, reported=True))
    assert "*Scrap rate*\\n0.5% (5 bottles)" in blocks
    assert "*Attainment*\\n124%" in blocks


def test_an_unplanned_shift_without_output_keeps_its_old_words() -> None:
    view = replace(board_view(), target=None, totals=ShiftTotals())
    blocks = rendered(build_shift_summary_blocks(view, reported=False))
    assert "*No output was reported for this shift.*" in blocks


@pytest.mark.parametrize("hidden", [1, 2])
def test_hidden_costed_lines_are_counted_in_words(hidden: int) -> None:
    lines = [line_day(f"L{n}", "cases", 100, 90, cost="10") for n in range(5 + hidden)]
    blocks = rendered(build_digest_blocks(digest_of(lines, currency="CHF")))
    word = "line" if hidden == 1 else "lines"
    assert f"…and {hidden} more {word}: {10 * hidden}.00 CHF)" in blocks


def test_the_weekly_review_adds_no_units_of_different_lines() -> None:
    def week(code: str, unit: str, target: int, good: int, scrap: int) -> LineWeek:
        return LineWeek(
            line_id=hash(code) % 1000,
            code=code,
            unit=unit,
            target=target,
            good=good,
            planned_good=good,
            scrap=scrap,
            delay_minutes=0,
            discipline=Discipline(on_time=1, late=0, missing=0),
        )

    lines = [week("L1", "cases", 10000, 9000, 45), week("L2", "kegs", 1000, 1000, 0)]
    losses = [Trend(f"reason{n}", 10, 0) for n in range(LOSSES_SHOWN + 1)]
    review = WeeklyReview(
        site_name="Riverside",
        first=DAY,
        lines=lines,
        losses=losses,
        downtime=Trend("downtime", 60, 30),
        scrap=Trend("scrap", 45, 20),
        repeats=[],
    )
    blocks = rendered(build_weekly_blocks(review))
    assert "*Plant* 91% of target" in blocks and "11,000" not in blocks
    assert "Scrap 45" not in blocks and "Downtime 1 h ▲ +30 min" in blocks
    assert "scrap  0.5%" in blocks and "scrap  0.0%" in blocks
    assert "…and 1 more reason, 10 min" in blocks
    assert "plant 91% of target" in weekly_text(review)
    assert "reported on time 2/2 shifts (100%)" in weekly_text(review)
    assert "reported on time 1/1 shift (100%)" in weekly_text(replace(review, lines=lines[:1]))
    shared = replace(review, lines=[lines[0], replace(lines[1], unit="cases")])
    shared_blocks = rendered(build_weekly_blocks(shared))
    assert "*Plant* 10,000 / 11,000 cases (91%)" in shared_blocks
    assert "Scrap 45 cases ▲ +25" in shared_blocks
