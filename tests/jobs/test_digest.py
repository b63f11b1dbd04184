import re
import tomllib
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.messages.chart import ChartLine, render_daily_chart
from bot.messages.digest import build_digest_blocks
from bot.numbers.digest import Digest, LineDay
from bot.numbers.issue_ages import IssueAges
from bot.numbers.periods import PeriodAttainment
from bot.plant.apply import apply_plant
from bot.plant.file import validate_plant
from bot.slack.outbox import PostOutcome
from jobs import deliveries, digest
from jobs.base import JobDeps
from models import DelayEntry, Issue, Line, Severity, Shift
from tests.db_rows import add_delay
from tests.fakes.slack_api import FakeSlackAPI
from tests.helpers_reports import Report, sixty_line_plant
from tests.helpers_sent import (
    assert_within_slack_limits,
    channel_post,
    outbox_rows,
    posts,
    site_id,
)
from tests.jobs.support import job_of, period

WEDNESDAY = date(2026, 11, 18)
# 07:00 Berlin on Thursday is 06:00 UTC: Wednesday's digest is due.
DIGEST_AT = datetime(2026, 11, 19, 6, 5, tzinfo=UTC)
PERIOD = "2026-11-18"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _assert_sent_once(fake_slack: FakeSlackAPI) -> None:
    """The digest went to the channel and the head, and the chart into the channel's thread."""
    assert len(fake_slack.calls_to("chat.postMessage")) == 2
    assert len(fake_slack.calls_to("files.completeUploadExternal")) == 1


def _first_run_while_slack_refuses(
    deps: JobDeps, fake_slack: FakeSlackAPI, report: Report, method: str, *, times: int
) -> list[PostOutcome]:
    """The digest of a day L1 reported, run while Slack answers ``method`` with a server error."""
    report("L1", "A", WEDNESDAY, 800)
    fake_slack.fail(method, status=500, times=times)
    return digest.run(DIGEST_AT, deps)


def test_the_digest_goes_to_the_channel_and_each_head_with_a_chart_in_the_thread(
    deps: JobDeps, fake_slack: FakeSlackAPI, report: Report, session_factory: sessionmaker[Session]
) -> None:
    report("L1", "A", WEDNESDAY, 700, 10)
    report("L1", "B", WEDNESDAY, 800)
    report("press2", "A", WEDNESDAY, 400)
    site = site_id(session_factory)

    outcomes = digest.run(DIGEST_AT, deps)

    assert len(outcomes) == 3 and all(outcome.sent for outcome in outcomes)
    text, blocks = channel_post(fake_slack)
    # bottles and parts: no plant total in units, only the target-weighted attainment
    assert "Riverside digest for Wed 18 Nov 2026: plant 63% of target" in text
    assert "biggest misses L1 −700, press2 −400" in text
    assert "*Delivery* · plant 63% of target" in blocks and "1,900" not in blocks
    assert "*Cost* · losses 4.00 yesterday" in blocks  # 10 scrap × 0.40, no downtime
    assert "no safety issue on record" in blocks

    channel_ts = {o.key: o.message_ts for o in outcomes}[f"digest|site:{site}|{PERIOD}"]
    (upload,) = fake_slack.calls_to("files.completeUploadExternal")
    assert (upload.args["channel_id"], upload.args["thread_ts"]) == ("C0DIGEST01", channel_ts)
    (png,) = fake_slack.uploads.values()
    assert PNG_SIGNATURE in png and len(png) > 5_000

    assert outbox_rows(session_factory) == [
        (f"digest-chart|site:{site}|{PERIOD}", True),
        (f"digest|site:{site}/head:U0HEAD0001|{PERIOD}", True),
        (f"digest|site:{site}|{PERIOD}", True),
    ]


def test_a_second_run_posts_and_uploads_nothing_again(
    deps: JobDeps, fake_slack: FakeSlackAPI, report: Report
) -> None:
    report("L1", "A", WEDNESDAY, 800)
    digest.run(DIGEST_AT, deps)

    again = digest.run(DIGEST_AT + timedelta(hours=1), deps)

    assert again == []  # owed already, chart included: nothing is owed or rendered again
    _assert_sent_once(fake_slack)


def _deliveries_after(wait: timedelta, deps: JobDeps) -> list[PostOutcome]:
    """The ``deliveries`` job run ``wait`` from now, when the outbox's backoff has passed."""
    later = datetime.now(UTC) + wait
    with time_machine.travel(later, tick=False):
        return deliveries.run(later, deps)


def test_posts_slack_refuses_are_sent_once_by_the_deliveries_job(
    deps: JobDeps, fake_slack: FakeSlackAPI, report: Report, session_factory: sessionmaker[Session]
) -> None:
    first = _first_run_while_slack_refuses(deps, fake_slack, report, "chat.postMessage", times=2)

    assert len(first) == 3 and not any(outcome.sent for outcome in first)
    assert not fake_slack.calls_to("files.getUploadURLExternal")  # no thread to put it in
    assert not any(sent for _, sent in outbox_rows(session_factory))
    assert digest.run(DIGEST_AT + timedelta(minutes=5), deps) == []  # owed once, not again

    second = _deliveries_after(timedelta(minutes=1), deps)

    assert sum(outcome.sent for outcome in second) == 3
    assert sorted(posts(fake_slack)) == ["C0DIGEST01", "U0HEAD0001"]
    assert len(fake_slack.calls_to("chat.postMessage")) == 2 + 2  # the refused ones, then sent
    assert len(fake_slack.calls_to("files.completeUploadExternal")) == 1
    assert all(sent for _, sent in outbox_rows(session_factory))


def test_a_failed_chart_upload_is_retried_without_posting_the_digest_again(
    deps: JobDeps, fake_slack: FakeSlackAPI, report: Report, session_factory: sessionmaker[Session]
) -> None:
    first = _first_run_while_slack_refuses(
        deps, fake_slack, report, "files.getUploadURLExternal", times=1
    )

    assert [job_of(o) for o in first if not o.sent] == ["digest-chart"]
    second = _deliveries_after(timedelta(minutes=1), deps)

    assert [(job_of(o), o.sent) for o in second] == [("digest-chart", True)]
    _assert_sent_once(fake_slack)
    assert all(sent for _, sent in outbox_rows(session_factory))


def test_due_at_the_digest_time_and_caught_up_for_six_hours_only(deps: JobDeps) -> None:
    assert digest.run(datetime(2026, 11, 19, 5, 59, tzinfo=UTC), deps) == []  # 06:59 Berlin
    assert digest.run(datetime(2026, 11, 19, 12, 1, tzinfo=UTC), deps) == []  # 6 h 1 min late
    late = digest.run(datetime(2026, 11, 19, 11, 59, tzinfo=UTC), deps)
    assert {period(o) for o in late} == {PERIOD}


def test_no_digest_for_a_day_without_plan_or_output(
    deps: JobDeps, fake_slack: FakeSlackAPI
) -> None:
    # Monday 07:00 Berlin: the production date is Sunday, when no shift runs.
    assert digest.run(datetime(2026, 11, 23, 6, 5, tzinfo=UTC), deps) == []
    # Friday 25 December: the production date is Christmas Eve, a site-wide planned stop.
    assert digest.run(datetime(2026, 12, 25, 6, 5, tzinfo=UTC), deps) == []
    assert not fake_slack.calls


def test_a_sixty_line_site_fits_slacks_limits_and_shows_every_line(
    deps: JobDeps, fake_slack: FakeSlackAPI, report: Report, session_factory: sessionmaker[Session]
) -> None:
    with session_scope(session_factory) as session:
        plant = validate_plant(tomllib.loads(sixty_line_plant(with_costs=True)))
        apply_plant(session=session, plant=plant, at=DIGEST_AT)
        lines = list(session.scalars(select(Line)))
        shift = session.scalars(select(Shift).where(Shift.name == "A")).one()
        for n, line in enumerate(lines):
            session.add_all(
                DelayEntry(
                    line_id=line.id,
                    shift_id=shift.id,
                    production_date=WEDNESDAY,
                    minutes=10 + n,
                    reason=f"reason-{(n + k) % 12:02d}",
                    reported_by="U0LEAD0001",
                    reported_at=DIGEST_AT,
                )
                for k in range(2)
            )
            session.add(
                Issue(
                    line_id=line.id,
                    shift_id=shift.id,
                    production_date=WEDNESDAY,
                    severity=list(Severity)[n % 4],
                    text="x" * 2000,
                    raised_by="U0LEAD0001",
                    raised_at=DIGEST_AT - timedelta(hours=n * 3),
                )
            )
    for n, line in enumerate(lines):
        report(line.code, "A", WEDNESDAY, 2_000 + n, n)

    digest.run(DIGEST_AT, deps)

    blocks = posts(fake_slack)["C0DIGEST01"]["blocks"]
    assert_within_slack_limits(blocks)
    table = "".join(b["text"]["text"] for b in blocks if "```" in b.get("text", {}).get("text", ""))
    assert len(lines) == 60
    for n, line in enumerate(lines):
        assert re.search(rf"^{line.code} +{2_000 + n:,} / ", table, re.MULTILINE), line.code
    assert not re.search(r"more lines?( on target|, all at| without)", str(blocks))
    assert "…and 4 more reasons" in str(blocks)  # 12 reasons, 8 shown


def test_a_site_too_big_for_one_message_shows_its_worst_lines_and_says_so() -> None:
    lines = [_line_day(n, target=1000, good=1000 + n) for n in range(900)]
    lines[7] = _line_day(7, target=1000, good=400)
    blocks = [block.to_dict() for block in build_digest_blocks(_digest(lines))]

    assert_within_slack_limits(blocks)
    text = str(blocks)
    assert "line-007" in text and "40%" in text
    shown = len(re.findall(r"line-\d{3} +[\d,]+ / ", text))  # rows of the delivery table
    assert 0 < shown < 900
    assert f"…and {900 - shown} more lines on target" in text


def test_the_chart_is_a_png() -> None:
    days = [_line_day(n, target=1000, good=900 + n) for n in range(60)]
    png = render_daily_chart(
        [ChartLine(code=line.code, attainment=line.attainment, oee=None) for line in days],
        site_name="Riverside",
        day=WEDNESDAY,
    )
    assert png.startswith(PNG_SIGNATURE) and len(png) > 10_000


def _line_day(n: int, *, target: int, good: int) -> LineDay:
    return LineDay(
        line_id=n,
        code=f"line-{n:03d}",
        name=f"Line {n}",
        unit="units",
        target=target,
        good=good,
        planned_good=good,
        scrap=0,
        delay_minutes=0,
        main_delay_reason=None,
        loss_cost=Decimal("0.00"),
    )


def _digest(lines: list[LineDay]) -> Digest:
    period = PeriodAttainment(first=WEDNESDAY, last=WEDNESDAY, target=1000, actual=900)
    return Digest(
        site_name="Big",
        production_date=WEDNESDAY,
        lines=lines,
        misses=[],
        pareto=[],
        issues=IssueAges(buckets=[], oldest=[]),
        week=period,
        month=period,
        forecast=None,
        days_since_safety_issue=3,
    )


def test_a_repeat_problem_is_called_out_and_raised_as_one_medium_issue(
    deps: JobDeps, fake_slack: FakeSlackAPI, report: Report, session_factory: sessionmaker[Session]
) -> None:
    report("L1", "A", WEDNESDAY, 800)
    with session_scope(session_factory) as session:
        for days_back in (0, 1, 2):
            add_delay(session, "L1", WEDNESDAY - timedelta(days=days_back), 20, "material")

    digest.run(DIGEST_AT, deps)
    digest.run(DIGEST_AT + timedelta(hours=1), deps)

    blocks = str(posts(fake_slack)["C0DIGEST01"]["blocks"])
    assert "*L1* · material · 3× in 7 days, 1 h (16 Nov–18 Nov) · *new*" in blocks
    assert "medium · L1 · 0 h — Repeat problem: material delays 3 times" in blocks
    with session_factory() as session:
        (issue,) = session.scalars(select(Issue)).all()
    assert issue.severity == Severity.MEDIUM
