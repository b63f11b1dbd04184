from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from models import OutputEntry
from tests.e2e.support import ephemeral_text, report
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack_requests import SlackSender


def count_entries(session_factory: sessionmaker[Session]) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(OutputEntry)) or 0


def test_output_is_saved_acknowledged_and_posted_to_a_new_board(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    reply = slack.command("/output", "L1 120 scrap 3 first hour")

    assert ephemeral_text(reply) == (
        "✅ Saved +120 good, 3 scrap on L1, shift A · Wed 18 Nov 06:00–14:00. "
        "The shift board in <#C0LINE0001> shows the running total."
    )
    with session_factory() as session:
        entry = session.scalars(select(OutputEntry)).one()
    assert (entry.good, entry.scrap, entry.note) == (120, 3, "first hour")
    assert entry.production_date.isoformat() == "2026-11-18"

    board, thread = fake_slack.wait_for("chat.postMessage", 2)
    assert board.args["channel"] == "C0LINE0001"
    assert "thread_ts" not in board.args
    assert board.args["blocks"][0]["type"] == "header"
    assert thread.args["thread_ts"] == "1790000000.000001"
    assert thread.args["text"].startswith("+120 good, 3 scrap → 120 / 800 bottles (15%)")
    assert "<@U0LEAD0001>" in thread.args["text"]


def test_later_entries_update_the_board_in_place_and_go_into_its_thread(
    slack: SlackSender, fake_slack: FakeSlackAPI
) -> None:
    report(slack, fake_slack, "/output", "L1 120", posts=2)
    reply = slack.command("/output", "200", channel="C0LINE0001")

    assert "Saved +200 good on L1" in reply.text
    update = fake_slack.wait_for("chat.update")[0]
    assert update.args["ts"] == "1790000000.000001"
    assert "320 / 800" in update.args["text"]
    posts = fake_slack.wait_for("chat.postMessage", 3)
    assert [p.args.get("thread_ts") for p in posts] == [None, "1790000000.000001"] * 1 + [
        "1790000000.000001"
    ]
    assert posts[2].args["text"].startswith("+200 good → 320 / 800")


def test_the_same_request_delivered_twice_writes_once(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    first = slack.command("/output", "L1 120", trigger_id="dup.trigger")
    second = slack.command("/output", "L1 120", trigger_id="dup.trigger")

    assert first.status == second.status == 200
    assert "already saved" in second.text
    assert count_entries(session_factory) == 1
    fake_slack.wait_for("chat.postMessage", 2)
