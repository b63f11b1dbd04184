"""``missing-report`` through ``run(at)`` against the fake Slack, on pinned instants."""

from datetime import UTC, date, datetime

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from jobs import missing_report
from jobs.base import JobDeps
from models import OutputEntry
from tests.conftest import SAMPLE_PLANT
from tests.db_rows import load_plant
from tests.fakes.slack_api import FakeSlackAPI
from tests.helpers_reports import Report
from tests.jobs.support import posted_texts as posts

WEDNESDAY = date(2026, 11, 18)
# Shift A ends 14:00 Berlin (13:00 UTC): leads are reminded at 13:30 UTC, managers at 14:30.
LEADS_DUE = datetime(2026, 11, 18, 13, 30, tzinfo=UTC)
MANAGERS_DUE = datetime(2026, 11, 18, 14, 30, tzinfo=UTC)


def test_only_the_unreported_lines_leads_are_reminded(
    deps: JobDeps, fake_slack: FakeSlackAPI, report: Report
) -> None:
    report("L1", "A", WEDNESDAY, 700)

    missing_report.run(datetime(2026, 11, 18, 13, 29, tzinfo=UTC), deps)
    assert posts(fake_slack) == {}

    missing_report.run(LEADS_DUE, deps)
    assert posts(fake_slack) == {
        "C0PRESS002": [
            "📝 <@U0LEAD0002> no output reported for press2 shift A (Wed 18 Nov, 06:00–14:00). "
            "Report with `/output press2 GOOD shift A date 2026-11-18`."
        ]
    }


def test_every_lead_of_an_unreported_line_is_mentioned(
    deps: JobDeps, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session], report: Report
) -> None:
    two_leads_each = SAMPLE_PLANT.replace(
        'leads = ["U0LEAD0001"]', 'leads = ["U0LEAD0001", "U0LEAD0003"]'
    ).replace('leads = ["U0LEAD0002"]', 'leads = ["U0LEAD0002", "U0LEAD0004"]')
    load_plant(session_factory, two_leads_each)
    report("L1", "A", WEDNESDAY, 700)  # one of L1's leads reported: the line is reported

    missing_report.run(LEADS_DUE, deps)

    (text,) = posts(fake_slack)["C0PRESS002"]
    assert text.startswith("📝 <@U0LEAD0002> <@U0LEAD0004> no output reported for press2")
    assert "C0LINE0001" not in posts(fake_slack)


def test_managers_get_one_dm_an_hour_later_with_what_is_still_missing(
    deps: JobDeps, fake_slack: FakeSlackAPI, report: Report
) -> None:
    missing_report.run(LEADS_DUE, deps)
    assert set(posts(fake_slack)) == {"C0LINE0001", "C0PRESS002"}

    report("L1", "A", WEDNESDAY, 700)  # L1's lead reacted to the reminder
    missing_report.run(MANAGERS_DUE, deps)
    missing_report.run(MANAGERS_DUE, deps)

    sent = posts(fake_slack)
    assert {channel: len(texts) for channel, texts in sent.items()} == {
        "C0LINE0001": 1,
        "C0PRESS002": 1,
        "U0MGR00001": 1,
    }
    assert sent["U0MGR00001"] == [
        "📝 Still no output reported for shift A (Wed 18 Nov, 06:00–14:00) on press2."
    ]
    (dm,) = [
        c for c in fake_slack.calls_to("chat.postMessage") if c.args["channel"] == "U0MGR00001"
    ]
    assert "• *press2* · <#C0PRESS002> · lead <@U0LEAD0002>" in str(dm.args["blocks"])


def test_a_manager_gets_one_dm_for_all_their_missing_lines(
    deps: JobDeps, fake_slack: FakeSlackAPI
) -> None:
    outcomes = missing_report.run(MANAGERS_DUE, deps)  # a late run catches up on both steps

    assert sum(o.sent for o in outcomes) == 3
    assert posts(fake_slack)["U0MGR00001"] == [
        "📝 Still no output reported for shift A (Wed 18 Nov, 06:00–14:00) on L1, press2."
    ]


def test_a_voided_entry_is_no_report(
    deps: JobDeps, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session], report: Report
) -> None:
    report("L1", "A", WEDNESDAY, 700)
    report("press2", "A", WEDNESDAY, 300)
    with session_scope(session_factory) as session:
        session.execute(
            update(OutputEntry).values(voided_at=LEADS_DUE, voided_by="U0LEAD0001", void_reason="x")
        )

    missing_report.run(LEADS_DUE, deps)

    assert set(posts(fake_slack)) == {"C0LINE0001", "C0PRESS002"}


def test_only_lines_with_a_target_for_the_shift_are_reminded(
    deps: JobDeps, fake_slack: FakeSlackAPI
) -> None:
    # Shift C of Wednesday ends 06:00 Thursday Berlin (05:00 UTC); press2 has no C target.
    missing_report.run(datetime(2026, 11, 19, 5, 30, tzinfo=UTC), deps)

    assert list(posts(fake_slack)) == ["C0LINE0001"]
    assert "shift C (Wed 18 Nov, 22:00–06:00)" in posts(fake_slack)["C0LINE0001"][0]


def test_nothing_on_a_calendar_day(deps: JobDeps, fake_slack: FakeSlackAPI) -> None:
    missing_report.run(datetime(2026, 12, 24, 13, 30, tzinfo=UTC), deps)
    missing_report.run(datetime(2026, 12, 24, 14, 30, tzinfo=UTC), deps)

    assert posts(fake_slack) == {}
