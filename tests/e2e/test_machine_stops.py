"""Stops ask why (issue 12): a machine stop → the ``machine-stops`` job's prompt in the line
channel → a signed button press → a delay entry with the machine-measured minutes, updated when
the machine runs again. Forged presses, strangers and second answers change nothing."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.messages.ids import ActionId, BlockId
from bot.records.machine_stops import record_state
from bot.settings import Settings
from bot.slack.client import make_web_client
from jobs import machine_stops
from jobs.base import JobDeps
from models import DelayEntry, Line
from models.machines import MachineStop
from tests.conftest import SAMPLE_PLANT
from tests.e2e.forged import answer
from tests.e2e.support import MID_SHIFT_A, actions_of, all_rows, block_texts, wait_until
from tests.fakes.slack_api import RESPONSE_URL, Call, FakeSlackAPI
from tests.slack_requests import LEAD, LINE_CHANNEL, SlackReply, SlackSender

# 10:42 in Berlin, in shift A.
STOPPED = MID_SHIFT_A + timedelta(minutes=42)
OPERATOR = "U0OPER0001"
PRESS_LEAD = "U0LEAD0002"  # a lead of another line
ASKED = "L1 stopped at 10:42 — what happened?"


@pytest.fixture
def plant_text() -> str:
    return SAMPLE_PLANT.replace(
        "targets = { A = 800, B = 800, C = 600 }",
        'targets = { A = 800, B = 800, C = 600 }\nstate_topic = "riverside/l1/state"',
    )


@pytest.fixture
def deps(settings: Settings, session_factory: sessionmaker[Session]) -> JobDeps:
    return JobDeps(session_factory=session_factory, client=make_web_client(settings))


State = Callable[..., None]


@pytest.fixture
def machine(session_factory: sessionmaker[Session], slack: SlackSender) -> State:
    """What L1's machine says over MQTT: ``machine("stopped", minutes=0, reason=None)``."""

    def say(state: str, *, minutes: float = 0, reason: str | None = None) -> None:
        with session_scope(session_factory) as session:
            line_id = session.scalars(select(Line.id).where(Line.code == "L1")).one()
            at = STOPPED + timedelta(minutes=minutes)
            record_state(session, line_id=line_id, state=state, reason=reason, at=at)

    return say


def run_job(deps: JobDeps, minutes: float) -> None:
    machine_stops.run(STOPPED + timedelta(minutes=minutes), deps)


def prompts(fake: FakeSlackAPI) -> list[Call]:
    return [
        call
        for call in fake.calls_to("chat.postMessage")
        if "machine_stop" in str(call.args.get("blocks"))
    ]


def redraws(fake: FakeSlackAPI, prompt: Call) -> list[Call]:
    """The in-place updates of the prompt (the board is redrawn with chat.update too)."""
    ts = prompt.answer["ts"]
    return [call for call in fake.calls_to("chat.update") if call.args["ts"] == ts]


def reason_button(message: Call, reason: str) -> dict[str, Any]:
    for block in message.args["blocks"]:
        for element in block.get("elements", []):
            if element.get("text", {}).get("text") == reason:
                return {**element, "block_id": block["block_id"]}
    raise AssertionError(f"no button {reason!r}")


def press(
    slack: SlackSender, message: Call, reason: str, *, user: str = LEAD, value: str | None = None
) -> SlackReply:
    button = reason_button(message, reason)
    if value is not None:
        button = {**button, "value": value}
    return slack.press(
        button, user=user, channel=message.args["channel"], message_ts=message.answer["ts"]
    )


def stop_row(session_factory: sessionmaker[Session]) -> MachineStop:
    [stop] = all_rows(session_factory, MachineStop)
    return stop


@pytest.fixture
def prompted(
    machine: State, deps: JobDeps, fake_slack: FakeSlackAPI, clock: time_machine.Traveller
) -> Call:
    """L1 stopped at 10:42; the job at 10:49 posted the prompt; the clock is at 10:49."""
    machine("stopped")
    run_job(deps, 7)
    [message] = prompts(fake_slack)
    clock.move_to(STOPPED + timedelta(minutes=7))
    return message


def test_a_seven_minute_stop_is_asked_answered_and_measured(
    prompted: Call,
    clock: time_machine.Traveller,
    machine: State,
    deps: JobDeps,
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    session_factory: sessionmaker[Session],
) -> None:
    assert prompted.args["channel"] == LINE_CHANNEL
    assert prompted.args["text"] == ASKED
    assert actions_of(prompted.args["blocks"])[-1] == ActionId.MACHINE_STOP_OTHER
    run_job(deps, 8)
    assert len(prompts(fake_slack)) == 1  # asked once

    reply = press(slack, prompted, "breakdown")

    assert answer(reply, fake_slack).startswith("Thanks — recorded: L1 stopped at 10:42 (7 min")
    [entry] = all_rows(session_factory, DelayEntry)
    assert (entry.minutes, entry.reason, entry.reported_by) == (7, "breakdown", LEAD)
    assert entry.note == "machine stop from 10:42"
    stop = stop_row(session_factory)
    assert (stop.delay_entry_id, stop.reason, stop.answered_by) == (entry.id, "breakdown", LEAD)
    [update] = wait_until(lambda: redraws(fake_slack, prompted) or None, "the redraw")
    assert update.args["text"] == f"L1 stopped at 10:42 (7 min so far): breakdown — <@{LEAD}>"
    assert actions_of(update.args["blocks"]) == []

    clock.move_to(STOPPED + timedelta(minutes=9))
    machine("running", minutes=9)
    deps.outbox.deliver()

    [entry] = all_rows(session_factory, DelayEntry)
    assert (entry.minutes, entry.note) == (9, "machine stop 10:42–10:51")
    last = redraws(fake_slack, prompted)[-1]
    assert last.args["text"] == f"L1 stopped 10:42–10:51 (9 min): breakdown — <@{LEAD}>"


def test_a_reason_from_the_machine_records_the_delay_without_asking(
    machine: State, deps: JobDeps, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    machine("stopped", reason="changeover")
    machine("stopped", reason="changeover", minutes=0.5)  # redelivered
    run_job(deps, 7)
    machine("running", minutes=12)
    machine("running", minutes=12)

    assert prompts(fake_slack) == []
    [entry] = all_rows(session_factory, DelayEntry)
    assert (entry.minutes, entry.reason, entry.reported_by) == (12, "changeover", "machine")
    stop = stop_row(session_factory)
    assert (stop.reason, stop.machine_reason, stop.answered_by) == (
        "changeover",
        "changeover",
        "machine",
    )


def test_an_unknown_machine_reason_is_kept_and_still_asked(
    machine: State, deps: JobDeps, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    machine("idle", reason="E042")
    run_job(deps, 6)

    assert [call.args["text"] for call in prompts(fake_slack)] == [ASKED]
    stop = stop_row(session_factory)
    assert (stop.machine_reason, stop.reason) == ("E042", None)
    assert all_rows(session_factory, DelayEntry) == []


def test_a_short_stop_is_not_asked(
    machine: State, deps: JobDeps, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    machine("stopped")
    run_job(deps, 3)
    machine("running", minutes=3)
    run_job(deps, 10)

    assert prompts(fake_slack) == []
    assert stop_row(session_factory).ended_at is not None


def test_an_unanswered_stop_is_reminded_to_the_lead_once(
    prompted: Call, deps: JobDeps, fake_slack: FakeSlackAPI, session_factory: sessionmaker[Session]
) -> None:
    run_job(deps, 7 + 14)
    assert fake_slack.calls_to("chat.postMessage")[-1].args["channel"] != LEAD

    run_job(deps, 7 + 15)
    run_job(deps, 7 + 16)
    run_job(deps, 60)

    reminders = [c for c in fake_slack.calls_to("chat.postMessage") if c.args["channel"] == LEAD]
    assert len(reminders) == 1
    assert reminders[0].args["text"].startswith("L1 stopped at 10:42 (22 min so far)")
    assert "nobody has said why yet" in reminders[0].args["text"]
    assert stop_row(session_factory).reminded_at is not None


def test_a_second_answer_is_told_who_answered(
    prompted: Call,
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    session_factory: sessionmaker[Session],
) -> None:
    press(slack, prompted, "breakdown")
    fake_slack.wait_for(RESPONSE_URL)
    fake_slack.reset()

    reply = press(slack, prompted, "material", user=OPERATOR)

    assert answer(reply, fake_slack) == (
        f"This stop was already answered: breakdown — <@{LEAD}>. Nothing was changed."
    )
    [entry] = all_rows(session_factory, DelayEntry)
    assert entry.reason == "breakdown"


@pytest.mark.parametrize("user", [PRESS_LEAD, "U0STRANGER"])
def test_someone_not_of_the_line_is_refused(
    prompted: Call,
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    session_factory: sessionmaker[Session],
    user: str,
) -> None:
    reply = press(slack, prompted, "breakdown", user=user)

    text = answer(reply, fake_slack)
    assert "can report why a machine stopped on L1" in text or "does not know you" in text
    assert all_rows(session_factory, DelayEntry) == []
    assert stop_row(session_factory).reason is None


FORGED = "This button does not name a machine stop and reason prodbot posted"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("abc", FORGED),
        ("", FORGED),
        ('{"stop_id": 1}', FORGED),
        ('{"stop_id": "x", "reason": "breakdown"}', FORGED),
        ('{"stop_id": 0, "reason": "breakdown"}', FORGED),
        ('{"stop_id": 1, "reason": "breakdown", "more": 1}', FORGED),
        ('{"stop_id": 999999, "reason": "breakdown"}', "That machine stop no longer exists"),
        ('{"stop_id": STOP, "reason": "lunch"}', "'lunch' is not a delay reason at Riverside"),
    ],
)
def test_a_forged_button_writes_nothing(
    prompted: Call,
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    session_factory: sessionmaker[Session],
    value: str,
    expected: str,
) -> None:
    stop_id = stop_row(session_factory).id
    reply = press(slack, prompted, "breakdown", value=value.replace("STOP", str(stop_id)))

    assert expected in answer(reply, fake_slack)
    assert all_rows(session_factory, DelayEntry) == []
    assert stop_row(session_factory).reason is None
    assert redraws(fake_slack, prompted) == []


def test_other_opens_a_form_whose_note_is_kept(
    prompted: Call,
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    session_factory: sessionmaker[Session],
) -> None:
    press(slack, prompted, "other…")
    [opened] = fake_slack.wait_for("views.open")
    view = {**opened.args["view"], "id": "V0STOP0001", "hash": "1790000000.abcdef"}
    values = {
        BlockId.STOP_REASON: {
            BlockId.STOP_REASON: {"type": "static_select", "selected_option": {"value": "quality"}}
        },
        BlockId.STOP_NOTE: {BlockId.STOP_NOTE: {"type": "plain_text_input", "value": "bad caps"}},
    }

    reply = slack.submit(view, values, user=OPERATOR)

    assert reply.status == 200, reply.body
    [entry] = all_rows(session_factory, DelayEntry)
    assert (entry.reason, entry.minutes, entry.reported_by) == ("quality", 7, OPERATOR)
    assert entry.note == "machine stop from 10:42: bad caps"
    forged = {**view, "private_metadata": '{"stop_id": "1; DROP"}'}
    assert "did not come from prodbot" in str(slack.submit(forged, values, user=OPERATOR).json)
    assert "quality" in block_texts(
        wait_until(lambda: redraws(fake_slack, prompted), "the redraw")[-1].args["blocks"]
    )


def test_two_state_messages_at_once_open_one_stop(
    session_factory: sessionmaker[Session], loaded_plant: None
) -> None:
    import threading

    with session_scope(session_factory) as session:
        line_id = session.scalars(select(Line.id).where(Line.code == "L1")).one()
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def say(at: datetime) -> None:
        try:
            barrier.wait()
            with session_scope(session_factory) as session:
                record_state(session, line_id=line_id, state="stopped", reason=None, at=at)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=say, args=(STOPPED,)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(all_rows(session_factory, MachineStop)) == 1
