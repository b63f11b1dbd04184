from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from jobs import shift_summary
from jobs.base import JobDeps
from models import OutboxItem, OutboxStatus, ShiftBoard
from tests.db_rows import in_shift
from tests.fakes.slack_api import FakeSlackAPI
from tests.helpers_reports import Report
from tests.jobs.support import job_of, period

WEDNESDAY = date(2026, 11, 18)
# Shift A ends 14:00 Berlin (13:00 UTC); with the 15-minute report grace it is due at 13:15 UTC.
AFTER_SHIFT_A = datetime(2026, 11, 18, 13, 20, tzinfo=UTC)


def test_each_planned_line_gets_its_summary_in_its_channel(
    deps: JobDeps, fake_slack: FakeSlackAPI, report: Report
) -> None:
    report("L1", "A", WEDNESDAY, 500, 10)
    report("L1", "A", WEDNESDAY, 250)

    outcomes = shift_summary.run(AFTER_SHIFT_A, deps)

    assert [(job_of(o), period(o)) for o in outcomes if o.sent] == [
        ("shift-summary", "2026-11-18/A")
    ] * 2
    posts = {call.args["channel"]: call.args for call in fake_slack.calls_to("chat.postMessage")}
    assert "750 / 800 bottles (94%)" in posts["C0LINE0001"]["text"]
    fields = [field["text"] for field in posts["C0LINE0001"]["blocks"][2]["fields"]]
    assert "*Scrap rate*\n1.3% (10 bottles)" in fields
    # press2 had a target and no report: named as not reported, never shown as 0%
    unreported = str(posts["C0PRESS002"]["blocks"])
    assert "*Not reported:* no output was reported for this shift" in unreported
    assert "*Attainment*\\nnot reported" in unreported and "0%" not in unreported
    assert "ended: not reported" in posts["C0PRESS002"]["text"]


def test_a_second_run_posts_nothing_again(
    deps: JobDeps, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    shift_summary.run(AFTER_SHIFT_A, deps)
    again = shift_summary.run(AFTER_SHIFT_A, deps)

    assert again == []  # owed already: nothing new to send
    assert len(fake_slack.calls_to("chat.postMessage")) == 2
    with session_factory() as session:
        rows = session.scalars(select(OutboxItem)).all()
    assert len(rows) == 2
    assert all(row.status is OutboxStatus.SENT and row.message_ts for row in rows)


def test_a_post_slack_refuses_stays_owed_for_the_deliveries_job(
    deps: JobDeps, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    fake_slack.fail("chat.postMessage", status=500, times=2)

    first = shift_summary.run(AFTER_SHIFT_A, deps)
    assert len(first) == 2 and not any(o.sent for o in first)
    with session_factory() as session:
        unsent = session.scalars(select(OutboxItem)).all()
    assert [(row.status, row.claimed_by) for row in unsent] == [(OutboxStatus.PENDING, None)] * 2
    assert all(row.last_error == "Slack: fake_failure" for row in unsent)
    assert shift_summary.run(AFTER_SHIFT_A, deps) == []  # the job owes them once: not again
    # tests/jobs/test_deliveries.py: the deliveries job sends them once Slack is healthy


def test_a_late_run_catches_up_within_six_hours_only(deps: JobDeps) -> None:
    # Shift B ended 22:00 Berlin (21:00 UTC) on Wednesday.
    within = shift_summary.run(datetime(2026, 11, 19, 1, 0, tzinfo=UTC), deps)
    assert {period(o) for o in within if o.sent} == {"2026-11-18/B"}

    too_late = shift_summary.run(datetime(2026, 11, 18, 19, 30, tzinfo=UTC), deps)
    assert not [o for o in too_late if period(o) == "2026-11-18/A"]


def test_the_live_board_is_redrawn_as_final(
    deps: JobDeps, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session], report: Report
) -> None:
    report("L1", "A", WEDNESDAY, 700)
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
    assert update.args["ts"] == "1700000000.000001"
    assert "Shift closed" in str(update.args["blocks"])
    assert "700 / 800" in update.args["text"]
