"""`/prod export`: who may export which lines, how far back, and the files that follow by DM.

The sample plant is changed so L1 and press2 have different managers, and a second site,
Hillside (in New York), is loaded beside Riverside (in Berlin).
"""

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.slack.exports import ExportJob, ExportSender
from models import DelayEntry, Issue, Line, OutputEntry, Shift, Site
from models.enums import Severity
from tests.conftest import SAMPLE_PLANT
from tests.db_rows import load_plant
from tests.e2e.support import ephemeral_text, exported_files, report
from tests.fakes.slack_api import RESPONSE_URL, FakeSlackAPI
from tests.slack_requests import SlackSender

pytestmark = pytest.mark.usefixtures("exports")

HEAD = "U0HEAD0001"  # Riverside's head of production
L1_MANAGER = "U0MGR00001"  # manages L1 only, here
PRESS_MANAGER = "U0MGR00002"
LEAD = "U0LEAD0001"
STRANGER = "U0STRANGER"
HILLSIDE_HEAD = "U0HEAD0002"
DM_FILES = ("files.getUploadURLExternal", "files.completeUploadExternal", "conversations.open")

HILLSIDE = """\
[site]
name = "Hillside"
timezone = "America/New_York"
heads = ["U0HEAD0002"]

[[shifts]]
name = "A"
start = "06:00"
end = "14:00"
days = ["mon", "tue", "wed", "thu", "fri"]

[[lines]]
code = "H1"
name = "Hill line"
channel = "C0HILL0001"
leads = ["U0LEAD0003"]
targets = { A = 100 }
"""


@pytest.fixture
def plant_text() -> str:
    press2 = 'leads = ["U0LEAD0002"]\nmanagers = ["U0MGR00001"]'
    assert press2 in SAMPLE_PLANT
    return SAMPLE_PLANT.replace(press2, press2.replace("U0MGR00001", PRESS_MANAGER))


@pytest.fixture
def hillside(loaded_plant: None, session_factory: sessionmaker[Session]) -> None:
    load_plant(session_factory, HILLSIDE)


def _place(session: Session, site: str, line: str, day: date) -> dict[str, Any]:
    site_id = session.scalars(select(Site.id).where(Site.name == site)).one()
    return {
        "line_id": session.scalars(
            select(Line.id).where(Line.site_id == site_id, Line.code == line)
        ).one(),
        "shift_id": session.scalars(
            select(Shift.id).where(Shift.site_id == site_id, Shift.name == "A")
        ).one(),
        "production_date": day,
    }


@pytest.fixture
def one_of_each(hillside: None, session_factory: sessionmaker[Session]) -> None:
    """An output entry, a delay and an issue on 17 Nov on each of L1, press2 and H1, reported
    at 12:00 UTC."""
    at = datetime(2026, 11, 17, 12, 0, tzinfo=UTC)
    with session_scope(session_factory) as session:
        for good, (site, line) in enumerate(
            [("Riverside", "L1"), ("Riverside", "press2"), ("Hillside", "H1")], start=1
        ):
            where = _place(session, site, line, date(2026, 11, 17))
            session.add_all(
                [
                    OutputEntry(**where, good=good, scrap=0, reported_by=LEAD, reported_at=at),
                    DelayEntry(
                        **where, minutes=good, reason="material", reported_by=LEAD, reported_at=at
                    ),
                    Issue(**where, severity=Severity.LOW, text=line, raised_by=LEAD, raised_at=at),
                ]
            )


def _nothing_sent(fake: FakeSlackAPI, exports: ExportSender) -> None:
    assert exports.wait_until_idle()
    for method in DM_FILES:
        assert fake.calls_to(method) == [], method


def _lines(files: dict[str, list[dict[str, str]]]) -> dict[str, list[str]]:
    return {kind: [row["line"] for row in rows] for kind, rows in files.items()}


# --- who may export ---------------------------------------------------------------------------


@pytest.mark.usefixtures("one_of_each")
def test_a_stranger_is_refused_and_sent_nothing(
    slack: SlackSender, fake_slack: FakeSlackAPI, exports: ExportSender
) -> None:
    reply = slack.command("/prod", "export", user=STRANGER)

    assert ephemeral_text(reply) == (
        "🔒 Only line managers and heads of production can export; "
        "ask your line manager or head of production for the files."
    )
    _nothing_sent(fake_slack, exports)


@pytest.mark.usefixtures("one_of_each")
def test_a_lead_is_refused_and_told_to_ask_the_sites_head(
    slack: SlackSender, fake_slack: FakeSlackAPI, exports: ExportSender
) -> None:
    reply = slack.command("/prod", "export", user=LEAD)

    assert ephemeral_text(reply) == (
        f"🔒 Only line managers and heads of production can export; ask <@{HEAD}> for the files."
    )
    _nothing_sent(fake_slack, exports)


@pytest.mark.usefixtures("one_of_each")
def test_a_manager_gets_only_the_lines_they_manage(
    slack: SlackSender, fake_slack: FakeSlackAPI, exports: ExportSender
) -> None:
    reply = slack.command("/prod", "export", user=L1_MANAGER)

    assert "Preparing CSV files" in ephemeral_text(reply)
    files = exported_files(fake_slack, exports)
    assert _lines(files) == {"entries": ["L1"], "delays": ["L1"], "issues": ["L1"]}
    [dm] = fake_slack.calls_to("conversations.open")
    assert dm.args["users"] == L1_MANAGER


@pytest.mark.usefixtures("one_of_each")
def test_a_head_gets_every_line_of_their_site_and_none_of_another(
    slack: SlackSender, fake_slack: FakeSlackAPI, exports: ExportSender
) -> None:
    slack.command("/prod", "export", user=HEAD, channel="C0HILL0001")

    files = exported_files(fake_slack, exports)
    assert _lines(files) == {kind: ["L1", "press2"] for kind in ("entries", "delays", "issues")}
    assert {row["site"] for rows in files.values() for row in rows} == {"Riverside"}


@pytest.mark.usefixtures("one_of_each")
def test_times_are_in_each_sites_local_time_with_its_offset(
    slack: SlackSender, fake_slack: FakeSlackAPI, exports: ExportSender
) -> None:
    slack.command("/prod", "export", user=HILLSIDE_HEAD)

    files = exported_files(fake_slack, exports)
    assert _lines(files) == {"entries": ["H1"], "delays": ["H1"], "issues": ["H1"]}
    assert files["entries"][0]["reported_at"] == "2026-11-17T07:00:00-05:00"
    assert files["issues"][0]["raised_at"] == "2026-11-17T07:00:00-05:00"
    fake_slack.reset()

    slack.command("/prod", "export", user=L1_MANAGER)

    files = exported_files(fake_slack, exports)
    assert files["entries"][0]["reported_at"] == "2026-11-17T13:00:00+01:00"


# --- how far back -----------------------------------------------------------------------------


@pytest.mark.usefixtures("one_of_each")
def test_more_than_366_days_is_refused_and_366_are_sent(
    slack: SlackSender, fake_slack: FakeSlackAPI, exports: ExportSender
) -> None:
    refused = slack.command("/prod", "export from 2025-11-17 to 2026-11-18", user=HEAD)

    assert ephemeral_text(refused) == (
        "⚠️ An export covers at most 366 days, and 2025-11-17 to 2026-11-18 is 367. "
        "Ask for a shorter range, one year at a time."
    )
    _nothing_sent(fake_slack, exports)

    accepted = slack.command("/prod", "export from 2025-11-18", user=HEAD)

    assert "2025-11-18 to 2026-11-18" in ephemeral_text(accepted)
    assert len(exported_files(fake_slack, exports)["entries"]) == 2


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("export from 2026-11-19", "2026-11-19 is in the future"),
        ("export from 2026-11-18 to 2026-11-16", "the end date 2026-11-16 is before"),
        ("export 2026-11-16", "put `from` or `to` before the date 2026-11-16"),
    ],
)
def test_bad_export_dates_are_answered_and_nothing_is_sent(
    slack: SlackSender, fake_slack: FakeSlackAPI, exports: ExportSender, text: str, problem: str
) -> None:
    reply = slack.command("/prod", text, user=HEAD)

    assert problem in reply.text
    assert "Usage: `/prod export [from YYYY-MM-DD] [to YYYY-MM-DD]`" in reply.text
    _nothing_sent(fake_slack, exports)


# --- off the request path ---------------------------------------------------------------------


@pytest.fixture
def held(exports: ExportSender, monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Exports wait for this event before they read anything (set on teardown regardless)."""
    release = threading.Event()
    send = exports._send

    def held_send(job: ExportJob) -> str | None:
        assert release.wait(10)
        return send(job)

    monkeypatch.setattr(exports, "_send", held_send)
    yield release
    release.set()


def test_the_answer_comes_at_once_and_the_files_follow_by_dm(
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    exports: ExportSender,
    held: threading.Event,
) -> None:
    report(slack, fake_slack, "/output", "L1 120 scrap 3 first hour", posts=2)
    report(slack, fake_slack, "/delay", "L1 20m material", posts=3)
    report(slack, fake_slack, "/issue", "L1 low label smudge", posts=4)
    # Shift A of last Friday: inside the default 7 days.
    report(slack, fake_slack, "/output", "L1 77 shift A date 2026-11-13", posts=6)

    reply = slack.command("/prod", "export", user=HEAD)

    assert ephemeral_text(reply) == (
        "📄 Preparing CSV files for 2026-11-12 to 2026-11-18; they arrive in a DM from me."
    )
    assert not exports.wait_until_idle(timeout=0.2)  # answered while the export is held
    assert fake_slack.calls_to("conversations.open") == []
    held.set()
    assert exports.wait_until_idle()
    [dm] = fake_slack.calls_to("conversations.open")
    assert dm.args["users"] == HEAD
    assert len(fake_slack.calls_to("files.getUploadURLExternal")) == 3
    [complete] = fake_slack.calls_to("files.completeUploadExternal")
    assert complete.args["channel_id"] == "D0HEAD0001"
    assert "2026-11-12 to 2026-11-18" in complete.args["initial_comment"]
    assert sorted(f["title"] for f in complete.args["files"]) == [
        "delays-20261112-20261118.csv",
        "entries-20261112-20261118.csv",
        "issues-20261112-20261118.csv",
    ]
    files = exported_files(fake_slack, exports)
    assert [(r["production_date"], r["good"], r["scrap"]) for r in files["entries"]] == [
        ("2026-11-13", "77", "0"),
        ("2026-11-18", "120", "3"),
    ]
    entry = files["entries"][1]
    assert (entry["site"], entry["line"], entry["shift"]) == ("Riverside", "L1", "A")
    assert (entry["note"], entry["reported_by"]) == ("first hour", LEAD)
    assert entry["reported_at"].startswith("2026-11-18T10:0")
    assert entry["reported_at"].endswith("+01:00")
    [delay] = files["delays"]
    assert (delay["minutes"], delay["reason"]) == ("20", "material")
    [issue] = files["issues"]
    assert (issue["severity"], issue["status"], issue["text"]) == ("low", "open", "label smudge")
    assert issue["acknowledged_by"] == issue["resolved_by"] == issue["resolution_note"] == ""
    assert fake_slack.calls_to(RESPONSE_URL) == []


def test_a_full_queue_is_answered_and_nothing_more_is_queued(
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    exports: ExportSender,
    held: threading.Event,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(exports, "_max_queued", 1)

    first = slack.command("/prod", "export", user=HEAD)
    second = slack.command("/prod", "export", user=L1_MANAGER)

    assert "Preparing CSV files" in first.text
    assert ephemeral_text(second) == (
        "⏳ Several exports are being prepared right now. Please try again in a few minutes."
    )
    held.set()
    assert exports.wait_until_idle()
    assert [call.args["users"] for call in fake_slack.calls_to("conversations.open")] == [HEAD]


def test_an_export_slack_refuses_is_reported_to_the_caller(
    slack: SlackSender, fake_slack: FakeSlackAPI, exports: ExportSender
) -> None:
    fake_slack.fail("conversations.open", status=404, times=1)

    reply = slack.command("/prod", "export", user=HEAD)

    assert "Preparing CSV files" in reply.text
    assert exports.wait_until_idle()
    [answer] = fake_slack.calls_to(RESPONSE_URL)
    assert answer.args["text"] == (
        "⚠️ Your export files could not be sent (Slack answered fake_failure). Try again, "
        "or ask an admin to run `prodbot export`."
    )
    assert answer.args["response_type"] == "ephemeral"
    assert fake_slack.calls_to("files.completeUploadExternal") == []


def test_an_export_that_fails_on_our_side_is_reported_to_the_caller(
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    exports: ExportSender,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(job: ExportJob) -> str | None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(exports, "_send", broken)

    slack.command("/prod", "export", user=HEAD)

    assert exports.wait_until_idle()
    [answer] = fake_slack.calls_to(RESPONSE_URL)
    assert "(something went wrong on our side)" in answer.args["text"]
    assert fake_slack.calls_to("files.completeUploadExternal") == []
