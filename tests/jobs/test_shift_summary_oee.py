"""``shift-summary`` through ``run(at)``: the OEE line and the hour-by-hour table, checked against
a hand computation; and the board's OEE so far."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.numbers.oee import losses_by_instance
from bot.numbers.production import ShiftBoardView, compute_shift_board
from jobs import shift_summary
from jobs.base import JobDeps
from models import Line, OutputEntry, Shift, ShiftBoard
from tests.db_rows import add_delay, in_shift
from tests.fakes.slack_api import FakeSlackAPI

WEDNESDAY = date(2026, 11, 18)
# Shift A runs 06:00–14:00 Berlin (05:00–13:00 UTC) with 30 minutes of breaks; L1 plans 800
# bottles in it at an ideal rate of 120 an hour. The summary is due at 13:15 UTC.
AFTER_SHIFT_A = datetime(2026, 11, 18, 13, 20, tzinfo=UTC)
SIX_BERLIN = datetime(2026, 11, 18, 5, 0, tzinfo=UTC)


def output(
    session: Session,
    line: str,
    berlin: str,
    good: int,
    scrap: int = 0,
    reason: str | None = None,
    *,
    voided: bool = False,
) -> None:
    """An output entry of shift A reported at ``berlin`` (``"HH:MM"``, Berlin time)."""
    hours, mins = map(int, berlin.split(":"))
    at = SIX_BERLIN + timedelta(hours=hours - 6, minutes=mins)
    session.add(
        OutputEntry(
            **in_shift(session, line, "A", WEDNESDAY),
            good=good,
            scrap=scrap,
            scrap_reason=reason,
            reported_by="U0LEAD0001",
            reported_at=at,
            voided_at=at if voided else None,
        )
    )


@pytest.fixture
def l1_shift(deps: JobDeps, session_factory: sessionmaker[Session]) -> None:
    """L1's shift A: 700 good, 20 startup and 10 defect scrap; 45 min of breakdowns (two), a
    15-minute changeover and 10 minutes waiting for material."""
    with session_scope(session_factory) as session:
        output(session, "L1", "05:50", 50)  # before the start: the first hour
        output(session, "L1", "06:50", 150, 20, "startup")
        output(session, "L1", "08:10", 150)  # in the first quarter hour: closes 07:00–08:00
        output(session, "L1", "09:30", 100, 10, "defect")
        output(session, "L1", "10:00", 999, voided=True)
        output(session, "L1", "13:40", 150)
        output(session, "L1", "14:05", 100)  # the end-of-shift report: the last hour
        add_delay(session, "L1", WEDNESDAY, 30, "breakdown")
        add_delay(session, "L1", WEDNESDAY, 15, "breakdown")
        add_delay(session, "L1", WEDNESDAY, 15, "changeover")
        add_delay(session, "L1", WEDNESDAY, 10, "material")


def test_the_summary_shows_oee_and_the_hour_by_hour_table_as_computed_by_hand(
    deps: JobDeps, fake_slack: FakeSlackAPI, l1_shift: None
) -> None:
    shift_summary.run(AFTER_SHIFT_A, deps)

    posts = {call.args["channel"]: call.args for call in fake_slack.calls_to("chat.postMessage")}
    post = posts["C0LINE0001"]
    # Planned time 480 − 30 = 450 min; downtime 45 + 15 + 10 = 70 (material is another stop);
    # run time 380. Made 700 + 30 = 730 at 120/h: 365 ideal minutes.
    # A = 380/450 = 84.4%; P = 365/380 = 96.1%; Q = 700/730 = 95.9%;
    # OEE = 700 good × 0.5 min / 450 = 77.8%. Unrecorded: 380 − 365 = 15 min.
    texts = [block.get("text", {}).get("text", "") for block in post["blocks"]]
    assert (
        "OEE 77.8% · A 84.4% · P 96.1% · Q 95.9%\n"
        "biggest loss: Breakdowns 45 min · unrecorded loss 15 min"
    ) in texts
    assert post["text"].endswith("700 / 800 bottles (88%) · OEE 77.8%")
    # 800 over 8 hours: 100 an hour. Each report counts for the hour it closes: 06 50+150,
    # 07 150 (reported 08:10), 09 100, 13 150+100; the voided 999 at 10:00 never counts.
    table = next(text for text in texts if text.startswith("*Hour by hour*"))
    assert table.split("\n")[1:-1] == [
        "```",
        "hour   plan  actual   gap",
        "06:00   100     200  +100",
        "07:00   100     150  +150",
        "08:00   100       0   +50",
        "09:00   100     100   +50",
        "10:00   100       0   -50",
        "11:00   100       0  -150",
        "12:00   100       0  -250",
        "13:00   100     250  -100",
    ]
    # press2 had a target and no report: not reported, no OEE and no table
    unreported = str(posts["C0PRESS002"]["blocks"])
    assert "Not reported" in unreported
    assert "OEE" not in unreported and "Availability" not in unreported
    assert "Hour by hour" not in unreported


def test_the_summary_losses_are_the_loss_models_for_the_instance(
    session_factory: sessionmaker[Session], l1_shift: None
) -> None:
    with session_factory() as session:
        line = session.scalars(select(Line).where(Line.code == "L1")).one()
        shift = session.scalars(select(Shift).where(Shift.name == "A")).one()
        view = compute_shift_board(
            session, line=line, shift=shift, production_date=WEDNESDAY, at=AFTER_SHIFT_A
        )
        read = losses_by_instance(
            session, site=line.site, lines=[line], first=WEDNESDAY, last=WEDNESDAY
        )
    assert view.losses == read[line.id, shift.id, WEDNESDAY]
    assert view.losses is not None and view.losses.breakdowns == 2


def board_at(
    session_factory: sessionmaker[Session], line_code: str, at: datetime
) -> ShiftBoardView:
    with session_factory() as session:
        line = session.scalars(select(Line).where(Line.code == line_code)).one()
        shift = session.scalars(select(Shift).where(Shift.name == "A")).one()
        return compute_shift_board(
            session, line=line, shift=shift, production_date=WEDNESDAY, at=at
        )


def test_the_board_counts_the_elapsed_share_of_planned_time(
    deps: JobDeps, session_factory: sessionmaker[Session]
) -> None:
    with session_scope(session_factory) as session:
        output(session, "L1", "09:50", 300)
        add_delay(session, "L1", WEDNESDAY, 25, "breakdown")
        output(session, "press2", "09:50", 200)

    # At 10:00 half the shift is gone: 225 of its 450 planned minutes; run time 200.
    # 300 bottles at 120/h are 150 ideal minutes: A 200/225, P 150/200, OEE 150/225.
    losses = board_at(session_factory, "L1", SIX_BERLIN + timedelta(hours=4)).losses
    assert losses is not None
    assert (losses.planned_minutes, losses.run_minutes) == (225, 200)
    assert [round(x or 0, 4) for x in (losses.availability, losses.performance)] == [0.8889, 0.75]
    assert (losses.quality, round(losses.oee or 0, 4)) == (1.0, 0.6667)
    # Before 5% of the shift (24 minutes) has passed the numbers are noise: none yet.
    assert board_at(session_factory, "L1", SIX_BERLIN + timedelta(minutes=20)).losses is None
    # press2 has no ideal rate: availability and quality only, and the board shows no OEE
    press = board_at(session_factory, "press2", SIX_BERLIN + timedelta(hours=4)).losses
    assert press is not None and press.ideal_rate is None and press.oee is None


def test_the_final_board_shows_the_shifts_oee(
    deps: JobDeps,
    fake_slack: FakeSlackAPI,
    session_factory: sessionmaker[Session],
    l1_shift: None,
) -> None:
    with session_scope(session_factory) as session:
        session.add(
            ShiftBoard(
                **in_shift(session, "L1", "A", WEDNESDAY),
                channel_id="C0LINE0001",
                message_ts="1700000000.000001",
                claimed_at=AFTER_SHIFT_A,
            )
        )

    shift_summary.run(AFTER_SHIFT_A, deps)

    (update,) = fake_slack.calls_to("chat.update")
    assert "*OEE*\\n77.8% · A 84.4% · P 96.1% · Q 95.9%" in str(update.args["blocks"])
