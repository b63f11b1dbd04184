"""The summary's OEE line and hour-by-hour table, and the board's OEE so far, built from values."""

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta

from bot.messages.board import build_board_blocks
from bot.messages.shift_losses import ROW_WIDTH, hour_table, loss_notes, oee_line
from bot.messages.summary import build_shift_summary_blocks, shift_summary_text
from bot.numbers.hourly import HourRow, hour_rows
from bot.numbers.loss_model import Losses
from bot.numbers.production import ShiftTotals
from bot.plant.shifts import shift_instance
from models import LossCategory
from tests.messages.escaping import ZONE, board_view, rendered
from tests.test_hourly import NIGHT

# 450 planned minutes; 45 lost to breakdowns and 15 to a changeover: run time 390.
# 700 good and 30 scrap at 120 an hour took 365 ideal minutes.
LOSSES = Losses(
    planned_minutes=450,
    stop_minutes={LossCategory.BREAKDOWNS: 45, LossCategory.SETUP: 15},
    good=700,
    startup_scrap=20,
    production_scrap=10,
    ideal_rate=120,
    breakdowns=2,
    instances=1,
)
REPORTED = ShiftTotals(good=700, scrap=30, output_entries=4)


def summary(
    losses: Losses | None, totals: ShiftTotals = REPORTED, hours: Sequence[HourRow] = ()
) -> str:
    view = replace(board_view(), totals=totals, losses=losses)
    return rendered(
        build_shift_summary_blocks(view, reported=bool(totals.output_entries), hours=hours)
    )


def test_the_oee_line_shows_a_p_q_to_one_decimal_with_the_ideal_rate() -> None:
    # A 390/450, P 365/390, Q 700/730; OEE 350/450 (good units' ideal time over planned time)
    assert oee_line(LOSSES) == "OEE 77.8% · A 86.7% · P 93.6% · Q 95.9%"
    # unrecorded: 390 run − 365 ideal = 25 min; breakdowns are the biggest at 45
    assert loss_notes(LOSSES) == "biggest loss: Breakdowns 45 min · unrecorded loss 25 min"
    blocks = summary(LOSSES)
    assert "OEE 77.8% · A 86.7% · P 93.6% · Q 95.9%\\nbiggest loss: Breakdowns 45 min" in blocks


def test_a_line_without_an_ideal_rate_shows_availability_and_quality_only() -> None:
    losses = replace(LOSSES, ideal_rate=None)
    blocks = summary(losses)
    assert "Availability 86.7% · Quality 95.9%\\nbiggest loss: Breakdowns 45 min" in blocks
    assert "OEE" not in blocks and "unrecorded" not in blocks
    assert "OEE" not in shift_summary_text(replace(board_view(), losses=losses))


def test_no_unrecorded_loss_is_named_when_none_is_left() -> None:
    # 750 good and 30 scrap at 120 an hour are 390 ideal minutes: the whole run time
    losses = replace(LOSSES, good=750)
    assert loss_notes(losses) == "biggest loss: Breakdowns 45 min"


def test_an_unreported_shift_shows_no_oee_never_0_percent() -> None:
    # delays alone make the loss model 0 % OEE; the summary names the shift as not reported
    delays_only = Losses(
        planned_minutes=450, stop_minutes={LossCategory.BREAKDOWNS: 30}, ideal_rate=120
    )
    blocks = summary(delays_only, totals=ShiftTotals(delay_minutes=30), hours=hours())
    assert "*Not reported:*" in blocks
    assert "OEE" not in blocks and "0%" not in blocks and "Hour by hour" not in blocks
    view = replace(board_view(), totals=ShiftTotals(), losses=delays_only)
    assert "OEE" not in shift_summary_text(view)


def test_the_summary_text_carries_the_oee() -> None:
    view = replace(board_view(), totals=REPORTED, losses=LOSSES)
    assert shift_summary_text(view).endswith("700 / 800 bottles (88%) · OEE 77.8%")


def hours(target: int | None = 800) -> list[HourRow]:
    instance = board_view().instance  # shift A, 06:00–14:00 Berlin
    reports = [(instance.start + timedelta(minutes=50), 150), (instance.end, 100)]
    return hour_rows(instance, ZONE, target, reports)


def test_the_hour_by_hour_table_is_a_code_block_of_phone_width_rows() -> None:
    blocks = summary(LOSSES, hours=hours())
    assert "*Hour by hour*\\n```\\nhour   plan  actual   gap\\n" in blocks
    table = hour_table(hours())
    assert table[1:3] == ["06:00   100     150   +50", "07:00   100       0   -50"]
    assert table[-1] == "13:00   100     100  -550"
    assert all(len(row) <= ROW_WIDTH for row in table)


def test_without_a_target_the_plan_and_gap_are_dashes() -> None:
    table = hour_table(hours(target=None))
    assert table[1] == "06:00     —     150    —"


def test_a_repeated_hour_carries_its_utc_offset_and_rows_stay_within_a_phone() -> None:
    # the fall-back night, with numbers as wide as a column can get
    instance = shift_instance(NIGHT, date(2026, 10, 24), ZONE)
    reports = [(instance.start, 2_000_000_000)]
    table = hour_table(hour_rows(instance, ZONE, 2_100_000_000, reports))
    labels = [row.split()[0] + (" " + row.split()[1] if "UTC" in row else "") for row in table]
    assert labels[5:7] == ["02:00 UTC+2", "02:00 UTC+1"]
    assert sum("UTC" in row for row in table) == 2  # only the ambiguous hours say their offset
    assert len(table) == 10
    assert all(len(row) <= ROW_WIDTH for row in table), max(table, key=len)


def test_the_board_shows_oee_so_far_only_with_an_ideal_rate() -> None:
    view = replace(board_view(), losses=LOSSES)
    assert "*OEE so far*\\n77.8% · A 86.7% · P 93.6% · Q 95.9%" in rendered(
        build_board_blocks(view)
    )
    assert "*OEE*\\n77.8%" in rendered(build_board_blocks(view, final=True))
    without_rate = replace(view, losses=replace(LOSSES, ideal_rate=None))
    assert "OEE" not in rendered(build_board_blocks(without_rate))
    assert "OEE" not in rendered(build_board_blocks(board_view()))
