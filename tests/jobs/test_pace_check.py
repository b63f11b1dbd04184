"""``pace-check`` through ``run(at)`` against the fake Slack, on pinned instants."""

from datetime import UTC, date, datetime

import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jobs import pace_check
from jobs.base import JobDeps
from models import Line
from tests.db_rows import load_plant
from tests.fakes.slack_api import FakeSlackAPI
from tests.helpers_reports import Report
from tests.jobs.conftest import PLANT_LOADED
from tests.jobs.support import period
from tests.jobs.support import posted_texts as posts

WEDNESDAY = date(2026, 11, 18)
# Shift A runs 06:00–14:00 Berlin (05:00–13:00 UTC) with 30 minutes of breaks.
A_AT_10 = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)

# A second site whose night shift runs every day, to meet the daylight-saving nights.
EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
NIGHT_PLANT = {
    "site": {"name": "Hillside", "timezone": "Europe/Berlin"},
    "shifts": [{"name": "N", "start": "22:00", "end": "06:00", "days": EVERY_DAY}],
    "lines": [
        {"code": "N1", "name": "Night line", "channel": "C0NIGHT001", "leads": ["U0LEAD0009"],
         "managers": ["U0MGR00009"], "targets": {"N": 900}},
    ],
}  # fmt: skip


def test_a_line_below_the_alert_level_is_told_in_its_channel(
    deps: JobDeps, fake_slack: FakeSlackAPI, report: Report
) -> None:
    report("L1", "A", WEDNESDAY, 340)  # heading for 340 × 8/4 = 680 of 800: 85%
    report("press2", "A", WEDNESDAY, 200)  # heading for 400 of 400: on target

    outcomes = pace_check.run(A_AT_10, deps)

    assert [o.key for o in outcomes if o.sent] == [
        f"pace-check|line:{_line_id(deps, 'L1')}:alert|2026-11-18/A"
    ]
    assert posts(fake_slack) == {
        "C0LINE0001": [
            "⚠️ L1 is behind: 340 / 800 bottles at 10:00 — on pace for 680 (85%). "
            "Needs 123 bottles/h from now to make target."  # 460 in 3 h 45 min productive
        ]
    }


def test_no_alert_before_a_quarter_of_the_shift(
    deps: JobDeps, fake_slack: FakeSlackAPI, report: Report
) -> None:
    report("L1", "A", WEDNESDAY, 10)

    pace_check.run(datetime(2026, 11, 18, 6, 59, tzinfo=UTC), deps)  # 07:59 Berlin
    assert posts(fake_slack) == {}

    pace_check.run(datetime(2026, 11, 18, 7, 0, tzinfo=UTC), deps)  # 08:00: a quarter gone
    assert sorted(posts(fake_slack)) == ["C0LINE0001", "U0MGR00001"]


def test_far_behind_is_escalated_to_the_managers_by_dm(
    deps: JobDeps, fake_slack: FakeSlackAPI, report: Report
) -> None:
    report("L1", "A", WEDNESDAY, 240)  # heading for 480: 60%

    pace_check.run(A_AT_10, deps)

    sent = posts(fake_slack)
    assert sent["C0LINE0001"][0].startswith("⚠️ L1 is behind: 240 / 800 bottles")
    assert sent["U0MGR00001"] == [
        "🚨 L1 is below 75% of target: 240 / 800 bottles at 10:00 — on pace for 480 (60%). "
        "Needs 150 bottles/h from now to make target."
    ]
    (dm,) = [
        c for c in fake_slack.calls_to("chat.postMessage") if c.args["channel"] == "U0MGR00001"
    ]
    assert "Line 1 - Bottling · shift A · Wed 18 Nov 06:00–14:00 · <#C0LINE0001>" in str(
        dm.args["blocks"]
    )


def test_each_level_posts_once_per_shift_instance(
    deps: JobDeps, fake_slack: FakeSlackAPI, report: Report
) -> None:
    report("L1", "A", WEDNESDAY, 340)

    pace_check.run(A_AT_10, deps)
    again = pace_check.run(A_AT_10, deps)
    assert again == []  # owed already: nothing new to send
    assert {channel: len(texts) for channel, texts in posts(fake_slack).items()} == {
        "C0LINE0001": 1
    }

    # An hour later nothing more was made: now far behind, so the managers hear of it,
    # but the channel is not told a second time.
    pace_check.run(datetime(2026, 11, 18, 10, 0, tzinfo=UTC), deps)
    pace_check.run(datetime(2026, 11, 18, 10, 30, tzinfo=UTC), deps)
    assert {channel: len(texts) for channel, texts in posts(fake_slack).items()} == {
        "C0LINE0001": 1,
        "U0MGR00001": 1,
    }


def test_a_night_shift_across_midnight(
    deps: JobDeps, fake_slack: FakeSlackAPI, report: Report
) -> None:
    report("L1", "C", WEDNESDAY, 200)  # shift C of Wednesday, 22:00–06:00, no breaks

    outcomes = pace_check.run(datetime(2026, 11, 19, 1, 0, tzinfo=UTC), deps)  # 02:00 Thursday

    assert {period(o) for o in outcomes} == {"2026-11-18/C"}
    assert posts(fake_slack)["C0LINE0001"] == [
        "⚠️ L1 is behind: 200 / 600 bottles at 02:00 — on pace for 400 (67%). "
        "Needs 100 bottles/h from now to make target."
    ]


def test_a_daylight_saving_night_is_projected_over_its_real_length(
    deps: JobDeps, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session], report: Report
) -> None:
    with time_machine.travel(PLANT_LOADED):  # live before both nights
        load_plant(session_factory, NIGHT_PLANT)
    report("N1", "N", date(2026, 3, 28), 400)  # 7 h night: clocks go forward
    report("N1", "N", date(2026, 10, 24), 400)  # 9 h night: clocks go back

    pace_check.run(datetime(2026, 3, 29, 1, 0, tzinfo=UTC), deps)  # 4 of 7 hours gone
    pace_check.run(datetime(2026, 10, 25, 1, 0, tzinfo=UTC), deps)  # 5 of 9 hours gone

    assert posts(fake_slack)["C0NIGHT001"] == [
        "⚠️ N1 is behind: 400 / 900 units at 03:00 — on pace for 700 (78%). "
        "Needs 167 units/h from now to make target.",
        "⚠️ N1 is behind: 400 / 900 units at 02:00 — on pace for 720 (80%). "
        "Needs 125 units/h from now to make target.",
    ]


def test_no_alert_on_a_calendar_stop_without_a_target_or_without_a_report(
    deps: JobDeps, fake_slack: FakeSlackAPI, report: Report
) -> None:
    christmas_eve = date(2026, 12, 24)
    report("L1", "A", christmas_eve, 10)  # the whole site is stopped
    report("press2", "C", WEDNESDAY, 10)  # press2 has no target for shift C

    pace_check.run(datetime(2026, 12, 24, 10, 0, tzinfo=UTC), deps)
    pace_check.run(datetime(2026, 11, 19, 1, 0, tzinfo=UTC), deps)  # L1 has not reported C
    pace_check.run(A_AT_10, deps)  # neither line has reported A

    assert posts(fake_slack) == {}


def _line_id(deps: JobDeps, code: str) -> int:
    with deps.session_factory() as session:
        return session.scalars(select(Line.id).where(Line.code == code)).one()
