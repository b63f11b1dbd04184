"""What operators' ``/output`` becomes on lines their machines count."""

import json
from collections.abc import Iterator

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.demo.fake_slack import FakeSlackAPI
from bot.machines.client import MachineClient
from bot.messages.board import build_board_blocks
from bot.numbers.instances import output_by_instance
from bot.numbers.production import compute_shift_board
from models import Line, OutputEntry, Shift
from tests.e2e.support import MID_SHIFT_A, ephemeral_text
from tests.machines.conftest import Topics
from tests.machines.support import IN_SHIFT_A, Publisher, machine_good, wait_until
from tests.slack_requests import SlackSender

PRESS_LEAD = "U0LEAD0002"


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(MID_SHIFT_A, tick=True) as traveller:
        yield traveller


def test_a_machine_counted_line_refuses_an_operators_good_count_but_takes_scrap(
    slack: SlackSender, session_factory: sessionmaker[Session]
) -> None:
    refused = slack.command("/output", "L1 120")
    assert "L1 is counted by its machine: report scrap with `/output L1 0 scrap N`" in (
        ephemeral_text(refused)
    )
    taken = slack.command("/output", "L1 0 scrap 4")
    assert "Saved" in ephemeral_text(taken)
    with session_factory() as session:
        [entry] = session.scalars(select(OutputEntry))
    assert (entry.good, entry.scrap, entry.source, entry.counted) == (0, 4, "operator", True)


def test_on_a_line_counted_by_both_the_operators_count_is_kept_beside_the_machines(
    slack: SlackSender,
    machine: MachineClient,
    publisher: Publisher,
    topics: Topics,
    line_ids: dict[str, int],
    session_factory: sessionmaker[Session],
    fake_slack: FakeSlackAPI,
) -> None:
    press = line_ids["press2"]
    reply = slack.command("/output", "press2 100", user=PRESS_LEAD, channel="C0PRESS002")
    assert "Saved +100 good on press2" in ephemeral_text(reply)
    publisher.send(topics.press_count, json.dumps({"good": 90, "at": IN_SHIFT_A}))
    wait_until(lambda: machine_good(session_factory, press) == 90, what="90 machine good")

    with session_factory() as session:
        operator = session.scalars(select(OutputEntry).where(OutputEntry.source == "operator"))
        assert [entry.counted for entry in operator] == [False]
        day = MID_SHIFT_A.date()
        [made] = output_by_instance(session, line_ids=[press], first=day, last=day).values()
        assert made.good == 90  # the machine's count is the actual
        line = session.get_one(Line, press)
        shift = session.scalars(select(Shift).where(Shift.name == "A")).one()
        view = compute_shift_board(
            session, line=line, shift=shift, production_date=day, at=MID_SHIFT_A
        )
    assert (view.totals.good, view.operators_good) == (90, 100)
    fields = [
        field.text
        for block in build_board_blocks(view)
        for field in (getattr(block, "fields", None) or [])
    ]
    assert "*Operators' count*\n100 (+10 vs machine)" in fields
