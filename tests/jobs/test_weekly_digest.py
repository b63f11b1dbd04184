import tomllib
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.messages.weekly import build_weekly_blocks
from bot.numbers.discipline import Discipline
from bot.numbers.repeats import RepeatProblem
from bot.numbers.weekly import LineWeek, Trend, WeeklyReview
from bot.plant.apply import apply_plant
from bot.plant.file import validate_plant
from jobs import weekly_digest
from jobs.base import JobDeps
from models import Line
from tests.db_rows import add_delay
from tests.fakes.slack_api import FakeSlackAPI
from tests.helpers_reports import add_output, sixty_line_plant
from tests.helpers_sent import (
    assert_within_slack_limits,
    channel_post,
    outbox_rows,
    posts,
    site_id,
)
from tests.jobs.support import period
from tests.messages.phone import too_wide
from tests.test_weekly_numbers import A_DEADLINE

MONDAY = date(2026, 11, 16)
# Monday 23 Nov 07:30 Berlin is 06:30 UTC: week 2026-W47 (16–22 Nov) is due.
REVIEW_AT = datetime(2026, 11, 23, 6, 30, tzinfo=UTC)
PERIOD = "2026-W47"


def _a_week_of_reports(session_factory: sessionmaker[Session]) -> None:
    with session_scope(session_factory) as session:
        add_output(session, "L1", "A", MONDAY, 800, 20, reported_at=A_DEADLINE)
        add_output(session, "L1", "B", MONDAY, 600, reported_at=A_DEADLINE + timedelta(hours=9))
        add_output(session, "press2", "A", MONDAY, 400, reported_at=A_DEADLINE)
        add_delay(session, "L1", date(2026, 11, 11), 30, "material")  # the week before
        for n in range(3):
            add_delay(session, "L1", MONDAY + timedelta(days=n), 25, "material")


def test_the_week_goes_to_the_digest_channel_and_each_head_once(
    deps: JobDeps, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    _a_week_of_reports(session_factory)
    site = site_id(session_factory)

    outcomes = weekly_digest.run(REVIEW_AT, deps)

    assert len(outcomes) == 2 and all(outcome.sent for outcome in outcomes)
    text, blocks = channel_post(fake_slack)
    assert text == (
        "Riverside week 2026-W47 (16 Nov–22 Nov): plant 12% of target · "
        "downtime 1 h 15 min ▲ +45 min · reported on time 2/25 shifts (8%)"
    )
    # bottles and parts: no plant total of units or scrap, the lines' scrap rates are in the table
    assert "*Plant* 12% of target" in blocks and "Scrap 20" not in blocks
    assert "Downtime 1 h 15 min ▲ +45 min" in blocks
    assert "Reported on time 2/25 shifts (8%) · 1 late · 22 missing" in blocks
    assert "material   1 h 15 min  ▲ +45 min" in blocks
    assert "*L1* · material · 3× in 7 days, 1 h 15 min (16 Nov–18 Nov)" in blocks
    assert "L1       1,400/11,000   13% scrap  1.4%    75m  1/15" in blocks
    # 1,400 good in 1,800 planned minutes at 2 a minute; last week a stop and nothing made: 0 %
    assert "L1     OEE  38.9% ▲ +38.9 pt  A  96% P  41% Q  99%" in blocks
    assert "press2 no ideal rate          A 100%        Q 100%" in blocks
    assert "Unrecorded / speed   16 h 55 min   92%   92%" in blocks
    assert too_wide(posts(fake_slack)["C0DIGEST01"]["blocks"]) == []

    assert outbox_rows(session_factory) == [
        (f"weekly-digest|site:{site}/head:U0HEAD0001|{PERIOD}", True),
        (f"weekly-digest|site:{site}|{PERIOD}", True),
    ]
    assert weekly_digest.run(REVIEW_AT + timedelta(hours=1), deps) == []  # owed already
    assert len(fake_slack.calls_to("chat.postMessage")) == 2


def test_due_monday_at_07_30_and_caught_up_for_six_hours_only(deps: JobDeps) -> None:
    assert weekly_digest.run(REVIEW_AT - timedelta(minutes=1), deps) == []
    assert weekly_digest.run(REVIEW_AT + timedelta(hours=6, minutes=1), deps) == []
    assert weekly_digest.run(REVIEW_AT + timedelta(days=1), deps) == []  # Tuesday
    late = weekly_digest.run(REVIEW_AT + timedelta(hours=5, minutes=59), deps)
    assert {period(outcome) for outcome in late} == {PERIOD}
    assert all(outcome.sent for outcome in late)


def test_a_sixty_line_site_fits_slacks_limits_and_shows_every_line(
    deps: JobDeps, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    with session_scope(session_factory) as session:
        apply_plant(
            session=session,
            plant=validate_plant(tomllib.loads(sixty_line_plant())),
            at=REVIEW_AT,
        )
        codes = list(session.scalars(select(Line.code)))
        for n, code in enumerate(codes):
            add_output(session, code, "A", MONDAY, 900 + n, n, reported_at=A_DEADLINE)
            for day in range(3):
                for reason in (f"reason-{n % 12:02d}", f"reason-{(n + 1) % 12:02d}"):
                    add_delay(session, code, MONDAY + timedelta(days=day), 10, reason)

    weekly_digest.run(REVIEW_AT, deps)

    blocks = posts(fake_slack)["C0DIGEST01"]["blocks"]
    assert_within_slack_limits(blocks)
    text = str(blocks)
    assert len(codes) == 60 and all(text.count(code) >= 3 for code in codes)  # 3 tables
    assert too_wide(blocks) == []
    assert "…and 7 more reasons" in text  # 12 reasons, 5 shown
    assert "…and 105 more" in text  # 120 repeat problems, 15 shown


def test_a_site_too_big_for_one_message_shows_its_furthest_behind_lines_and_says_so() -> None:
    lines = [_line_week(n, good=5000 + n) for n in range(500)]
    lines[7] = _line_week(7, good=1000)
    repeats = [_repeat(n) for n in range(40)]

    blocks = [block.to_dict() for block in build_weekly_blocks(_review(lines, repeats))]

    assert_within_slack_limits(blocks)
    assert too_wide(blocks) == []
    text = str(blocks)
    assert "line-007" in text and "20%" in text
    assert f"…and {500 - text.count('line-')} more lines closer to target" in text
    assert "…and 25 more" in text


def _line_week(n: int, *, good: int) -> LineWeek:
    return LineWeek(
        line_id=n,
        code=f"line-{n:03d}",
        unit="units",
        target=5000,
        good=good,
        planned_good=good,
        scrap=0,
        delay_minutes=0,
        discipline=Discipline(on_time=14, late=1),
    )


def _repeat(n: int) -> RepeatProblem:
    return RepeatProblem(
        line_id=n,
        line_code=f"a-very-long-cell-code-{n:010d}",
        reason="a-site-defined-reason-code-xxxx",
        since=MONDAY,
        day=MONDAY,
        occurrences=3,
        minutes=12_345,
        first_seen=MONDAY,
        last_seen=MONDAY,
        last_shift_id=1,
    )


def _review(lines: list[LineWeek], repeats: list[RepeatProblem]) -> WeeklyReview:
    return WeeklyReview(
        site_name="Big",
        first=MONDAY,
        lines=lines,
        losses=[Trend(f"reason-{n}", 100 - n, 50) for n in range(30)],
        downtime=Trend("downtime", 3000, 1500),
        scrap=Trend("scrap", 0, 10),
        repeats=repeats,
    )
