"""``/prod target`` end to end: managers and heads set dated overrides, others are refused."""

from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from bot.numbers.production import target_for
from models import Line, Shift, Target
from tests.e2e.support import all_rows, ephemeral_text, report_audits
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack_requests import SlackSender

MANAGER = "U0MGR00001"
HEAD = "U0HEAD0001"
UNMAPPED = "C0OTHER001"


def target_on(
    session_factory: sessionmaker[Session], line: str, shift: str, day: date
) -> int | None:
    with session_factory() as session:
        [line_row] = [row for row in session.query(Line) if row.code == line]
        [shift_row] = [row for row in session.query(Shift) if row.name == shift]
        return target_for(session, line=line_row, shift=shift_row, production_date=day)


def test_a_manager_sets_a_shift_target_for_a_date_range(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    reply = slack.command(
        "/prod", "target L1 900 shift A from 2026-11-19 to 2026-11-20", user=MANAGER
    )

    assert ephemeral_text(reply).startswith(
        "🎯 Set L1 shift A target to 900 bottles from Thu 19 Nov to Fri 20 Nov (was 800). "
        "Announced in <#C0LINE0001>.\n_QTY is per shift"
    )
    [announcement] = fake_slack.wait_for("chat.postMessage")
    assert announcement.args["channel"] == "C0LINE0001"
    assert announcement.args["text"] == (
        "🎯 <@U0MGR00001> set L1 shift A target to 900 bottles from Thu 19 Nov to Fri 20 Nov "
        "(was 800)."
    )
    [override] = [t for t in all_rows(session_factory, Target) if t.valid_from is not None]
    assert (override.units, override.valid_from, override.valid_to, override.set_by) == (
        900,
        date(2026, 11, 19),
        date(2026, 11, 20),
        MANAGER,
    )
    [audit] = report_audits(session_factory)
    assert (audit.action, audit.entity, audit.entity_id, audit.actor) == (
        "set-target",
        "target",
        override.id,
        MANAGER,
    )
    assert audit.details["was"] == 800
    days = [date(2026, 11, d) for d in (18, 19, 20, 23)]
    assert [target_on(session_factory, "L1", "A", day) for day in days] == [800, 900, 900, 800]
    assert target_on(session_factory, "L1", "B", date(2026, 11, 19)) == 800


def test_a_head_without_shift_or_dates_sets_every_planned_shift_for_today(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    reply = slack.command("/prod", "target press2 500", user=HEAD, channel=UNMAPPED)

    assert reply.text.startswith(
        "🎯 Set press2 target to 500 parts per shift on Wed 18 Nov: shift A (was 400), "
        "shift B (was 400) — 1,000 parts a day. Announced in <#C0PRESS002>."
    )
    [announcement] = fake_slack.wait_for("chat.postMessage")
    assert announcement.args["channel"] == "C0PRESS002"
    today, tomorrow = date(2026, 11, 18), date(2026, 11, 19)
    assert target_on(session_factory, "press2", "A", today) == 500
    assert target_on(session_factory, "press2", "B", today) == 500
    assert target_on(session_factory, "press2", "C", today) is None  # not planned on C
    assert target_on(session_factory, "press2", "A", tomorrow) == 400
    status = slack.command("/prod", "status press2", channel=UNMAPPED)
    assert status.text == "press2: 0 / 500 parts (0%)"


def test_a_lead_is_refused_and_nothing_is_written(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    reply = slack.command("/prod", "target L1 900", user="U0LEAD0001")

    assert ephemeral_text(reply) == (
        "⚠️ Only L1's managers (<@U0MGR00001>) and the heads of production can set L1's target."
    )
    assert [t for t in all_rows(session_factory, Target) if t.valid_from is not None] == []
    assert report_audits(session_factory) == []
    assert fake_slack.calls_to("chat.postMessage") == []


def test_the_same_target_again_is_answered_as_a_repeat_and_announced_once(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    slack.command("/prod", "target L1 900 shift A", user=MANAGER)
    fake_slack.wait_for("chat.postMessage")

    again = slack.command("/prod", "target L1 900 shift A", user=MANAGER)

    assert again.text.startswith(
        "✅ Already set: L1 shift A target to 900 bottles on Wed 18 Nov (was 900). Nothing changed."
    )
    assert len([t for t in all_rows(session_factory, Target) if t.valid_from is not None]) == 1
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


def test_a_shift_that_does_not_run_in_the_range_is_refused(slack: SlackSender) -> None:
    reply = slack.command(
        "/prod", "target L1 900 shift A from 2026-11-21 to 2026-11-22", user=MANAGER
    )

    assert reply.text.startswith("⚠️ No shift of L1 runs from Sat 21 Nov to Sun 22 Nov (shift A).")
    assert "Usage: `/prod target LINE QTY" in reply.text
