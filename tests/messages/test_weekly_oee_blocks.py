"""The weekly review's OEE, big-losses and MTBF/MTTR sections, and its tables on a phone."""

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from bot.messages.weekly import build_weekly_blocks, weekly_text
from bot.messages.weekly_losses import build_oee_blocks, oee_change
from bot.numbers.discipline import Discipline
from bot.numbers.loss_model import Losses
from bot.numbers.weekly import LineWeek, Trend, WeeklyReview
from bot.numbers.weekly_losses import LineOee, WeeklyOee, site_big_losses
from models import LossCategory
from tests.messages.escaping import rendered
from tests.messages.phone import PHONE_WIDTH, code_rows, too_wide
from tests.messages.slack_limits import assert_within_slack_limits

MONDAY = date(2026, 11, 16)
# With a suffix such as "-cell-000001", a code of 32 characters: the plant file's longest.
LONG = "x" * 20

# The worked example of tests/test_weekly_oee.py, as values.
L1_WEEK = Losses(
    planned_minutes=900,
    stop_minutes={
        LossCategory.BREAKDOWNS: 60,
        LossCategory.SETUP: 25,
        LossCategory.OTHER_STOPS: 15,
    },
    good=1360,
    startup_scrap=6,
    production_scrap=14,
    ideal_rate=120,
    breakdowns=3,
    instances=2,
)
L1_BEFORE = Losses(450, {LossCategory.SETUP: 50}, good=600, ideal_rate=120, instances=1)
PRESS_WEEK = Losses(
    450, {LossCategory.BREAKDOWNS: 45}, good=400, production_scrap=10, breakdowns=1, instances=1
)


def _oee(lines: list[LineOee]) -> WeeklyOee:
    return WeeklyOee(
        lines=lines,
        big_losses=site_big_losses(line.current for line in lines),
        unpriced_lines=sum(not line.has_ideal_rate for line in lines),
    )


EXAMPLE = _oee([LineOee(1, "L1", L1_WEEK, L1_BEFORE), LineOee(2, "press2", PRESS_WEEK)])


def _section(blocks: list[dict[str, Any]], heading: str) -> list[str]:
    """The code-block rows of the table under ``heading``, over all its sections."""
    start = next(n for n, block in enumerate(blocks) if heading in str(block.get("text")))
    table = [blocks[start]]
    for block in blocks[start + 1 :]:
        if not str((block.get("text") or {}).get("text", "")).startswith("```"):
            break
        table.append(block)
    return code_rows(table)


def test_the_oee_table_shows_the_trend_in_points_and_a_q_only_without_an_ideal_rate() -> None:
    blocks = [block.to_dict() for block in build_oee_blocks(EXAMPLE)]

    assert _section(blocks, "*OEE by line*") == [
        "L1     OEE  75.6% ▲ +8.9 pt   A  89% P  86% Q  99%",
        "press2 no ideal rate          A  90%        Q  98%",
    ]


@pytest.mark.parametrize(
    ("before", "shown"),
    [
        (replace(L1_BEFORE, good=900), "▼ −24.4 pt"),  # 100 % the week before
        (L1_WEEK, "±0.0 pt"),  # the same 75.6 %
        (None, "new"),
        (replace(L1_BEFORE, ideal_rate=None), "new"),  # no OEE the week before either
    ],
)
def test_the_trend_is_signed_in_points_or_new(before: Losses | None, shown: str) -> None:
    line = LineOee(1, "L1", L1_WEEK, before)

    assert oee_change(line) == shown
    assert shown in rendered(build_oee_blocks(_oee([line])))


def test_a_line_without_an_ideal_rate_shows_no_performance_oee_or_trend() -> None:
    (row,) = _section(
        [b.to_dict() for b in build_oee_blocks(_oee([LineOee(2, "press2", PRESS_WEEK)]))],
        "*OEE by line*",
    )

    assert "A  90%" in row and "Q  98%" in row
    assert "P " not in row and "OEE" not in row and "pt" not in row and "new" not in row


def test_the_big_losses_pareto_has_time_share_and_cumulative_share() -> None:
    blocks = [block.to_dict() for block in build_oee_blocks(EXAMPLE)]

    assert _section(blocks, "*Six big losses*") == [
        "                            lost share  cum.",
        "Unrecorded / speed    1 h 50 min   42%   42%",
        "Breakdowns            1 h 45 min   40%   81%",
        "Setup & adjustments       25 min    9%   91%",
        "Other stops               15 min    6%   96%",
        "Production rejects         7 min    3%   99%",
        "Startup rejects            3 min    1%  100%",
    ]
    text = rendered(build_oee_blocks(EXAMPLE))
    assert "Setup &amp; adjustments" in text  # escaped in mrkdwn
    assert "1 line without an ideal rate: stops only" in text


def test_mtbf_and_mttr_per_line_and_a_dash_without_breakdowns() -> None:
    quiet = LineOee(3, "L3", replace(L1_WEEK, stop_minutes={}, breakdowns=0))
    blocks = [b.to_dict() for b in build_oee_blocks(_oee([*EXAMPLE.lines, quiet]))]

    assert _section(blocks, "*MTBF / MTTR*") == [
        "L1      3×  MTBF   4 h 27 min  MTTR     20 min",
        "press2  1×  MTBF   6 h 45 min  MTTR     45 min",
        "L3      0×  MTBF            —  MTTR          —",
    ]


def test_a_week_nobody_reported_says_so() -> None:
    assert "no shift reported this week" in rendered(build_oee_blocks(WeeklyOee()))
    no_loss = _oee([LineOee(1, "L1", Losses(450, good=900, ideal_rate=120, instances=1))])
    assert "no time lost this week" in rendered(build_oee_blocks(no_loss))


def _line_week(n: int, code: str) -> LineWeek:
    return LineWeek(
        line_id=n,
        code=code,
        unit="units",
        target=12_345_678,
        good=1_234_567,
        planned_good=1_234_567,
        scrap=99_999,
        delay_minutes=99_999,
        discipline=Discipline(on_time=21, late=0, missing=0),
    )


def _big_review(codes: list[str]) -> WeeklyReview:
    worse = replace(L1_WEEK, good=1000, stop_minutes={LossCategory.BREAKDOWNS: 99})
    oee_lines = [
        LineOee(n, code, PRESS_WEEK if n % 3 == 0 else replace(worse, good=1000 + n), L1_BEFORE)
        for n, code in enumerate(codes)
    ]
    return WeeklyReview(
        site_name="Big",
        first=MONDAY,
        lines=[_line_week(n, code) for n, code in enumerate(codes)],
        losses=[Trend(f"a-site-defined-reason-{n:010d}", 99_999, 1) for n in range(30)],
        downtime=Trend("downtime", 99_999, 1),
        scrap=Trend("scrap", 0, 10),
        repeats=[],
        oee=_oee(oee_lines),
    )


@pytest.mark.parametrize("codes", [["L1", "press2"], [f"{LONG}-cell-{n:06d}" for n in range(40)]])
def test_every_code_block_row_fits_a_phone(codes: list[str]) -> None:
    review = _big_review(codes)

    blocks = [block.to_dict() for block in build_weekly_blocks(review)]

    assert_within_slack_limits({"text": weekly_text(review), "blocks": blocks})
    assert too_wide(blocks) == []
    rows = code_rows(blocks)
    # A code too long for its column is a row of its own in each table, never cut.
    assert all(rows.count(code) == (3 if len(code) == 32 else 0) for code in codes)
    text = rendered(build_weekly_blocks(review))
    assert all(text.count(code) == 3 for code in codes)  # lines, OEE and MTBF tables
    assert "…and 25 more reasons" in text


def test_the_per_line_table_keeps_short_codes_on_one_row() -> None:
    blocks = [block.to_dict() for block in build_weekly_blocks(_big_review(["L1", "press2"]))]

    assert "L1     1,234,567/12,345,678  10% scrap  7.5% 99,999m 21/21" in code_rows(blocks)
    assert all(len(row) <= PHONE_WIDTH for row in code_rows(blocks))


def test_a_site_too_big_for_one_message_shows_its_lowest_oee_and_counts_the_others() -> None:
    codes = [f"{LONG}-cell-{n:06d}" for n in range(500)]
    review = _big_review(codes)

    blocks = [block.to_dict() for block in build_weekly_blocks(review)]

    assert_within_slack_limits({"text": weekly_text(review), "blocks": blocks})
    assert too_wide(blocks) == []
    oee_rows = _section(blocks, "*OEE by line*")
    shown = [row for row in oee_rows if row.startswith(LONG)]
    assert shown[0] == codes[1]  # the lowest OEE (least good made) first
    text = rendered(build_weekly_blocks(review))
    assert f"…and {500 - len(shown)} more lines with a higher OEE" in text
    assert "more lines closer to target" in text
