"""Machine counts through the real broker: rows per line-minute, the board, duplicates, resets,
malformed payloads."""

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.demo.fake_slack import FakeSlackAPI
from bot.machines.client import MachineClient
from tests.machines.conftest import Topics
from tests.machines.support import IN_SHIFT_A, Publisher, machine_good, machine_rows, wait_until


def count(**fields: object) -> str:
    return json.dumps(fields)


def test_counts_become_one_row_per_line_minute_and_redraw_the_board(
    machine: MachineClient,
    publisher: Publisher,
    topics: Topics,
    line_ids: dict[str, int],
    session_factory: sessionmaker[Session],
    fake_slack: FakeSlackAPI,
) -> None:
    for seq, at in enumerate(
        ["2026-11-18T09:00:05Z", "2026-11-18T09:00:40Z", "2026-11-18T10:00:59+01:00"], 1
    ):
        publisher.send(topics.l1_count, count(good=10, scrap=1, seq=seq, at=at))
    publisher.send(topics.l1_count, count(good=7, seq=4, at="2026-11-18T09:01:10Z"))

    l1 = line_ids["L1"]
    wait_until(lambda: machine_good(session_factory, l1) == 37, what="37 good on L1")
    assert machine_rows(session_factory, l1) == [
        (l1, datetime(2026, 11, 18, 9, 0, tzinfo=UTC), 30, 3),
        (l1, datetime(2026, 11, 18, 9, 1, tzinfo=UTC), 7, 0),
    ]
    board = fake_slack.wait_for("chat.postMessage")[0]
    assert board.args["channel"] == "C0LINE0001"
    assert "thread_ts" not in board.args  # machine minutes never go into the thread

    def board_shows_all() -> bool:
        drawn = fake_slack.calls_to("chat.postMessage") + fake_slack.calls_to("chat.update")
        return any("37 / 800 bottles" in call.args["text"] for call in drawn)

    wait_until(board_shows_all, timeout=5, what="the board showing 37 / 800")
    assert all("thread_ts" not in call.args for call in fake_slack.calls_to("chat.postMessage"))


def test_a_repeated_or_older_seq_never_counts_twice_even_after_a_restart(
    machine: MachineClient,
    make_client: Callable[..., MachineClient],
    publisher: Publisher,
    topics: Topics,
    line_ids: dict[str, int],
    session_factory: sessionmaker[Session],
) -> None:
    l1 = line_ids["L1"]
    for seq, good in [(5, 10), (5, 10), (4, 10), (6, 1)]:
        publisher.send(topics.l1_count, count(good=good, seq=seq, at=IN_SHIFT_A))
    wait_until(lambda: machine.aggregator.counted + machine.aggregator.duplicates == 4)
    wait_until(lambda: machine_good(session_factory, l1) == 11, what="11 good")
    assert machine.aggregator.duplicates == 2
    machine.stop()

    again = make_client()  # a new process: the last seq comes from the database
    assert again.connected.wait(10)
    publisher.send(topics.l1_count, count(good=50, seq=6, at=IN_SHIFT_A))
    publisher.send(topics.l1_count, count(good=2, seq=7, at=IN_SHIFT_A))
    wait_until(lambda: again.aggregator.counted + again.aggregator.duplicates == 2)
    wait_until(lambda: machine_good(session_factory, l1) == 13, what="13 good")
    assert again.aggregator.duplicates == 1


def test_absolute_counters_count_differences_and_a_reset_counts_on_from_the_new_value(
    machine: MachineClient,
    publisher: Publisher,
    topics: Topics,
    line_ids: dict[str, int],
    session_factory: sessionmaker[Session],
) -> None:
    press = line_ids["press2"]
    for total, scrap_total in [(120_000, 200), (120_100, 205), (120_100, 205), (40, 0), (70, 2)]:
        publisher.send(
            topics.press_count, count(total=total, scrap_total=scrap_total, at=IN_SHIFT_A)
        )
    wait_until(lambda: machine.aggregator.counted == 5, what="5 counters taken")
    # 95 good and 5 scrap, nothing for the repeat or the reset, then 28 good and 2 scrap.
    wait_until(lambda: machine_good(session_factory, press) == 123, what="123 good")
    [(_, _, good, scrap)] = machine_rows(session_factory, press)
    assert (good, scrap) == (123, 7)
    assert machine.aggregator.resets == 1


def test_malformed_payloads_are_counted_logged_once_a_minute_and_the_client_goes_on(
    machine: MachineClient,
    publisher: Publisher,
    topics: Topics,
    line_ids: dict[str, int],
    session_factory: sessionmaker[Session],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.machines")
    for bad in [b"not json", b'{"good": -4}', b'{"good": 1, "colour": "red"}', b"\xff\xfe", b""]:
        publisher.send(topics.l1_count, bad)
    publisher.send(topics.l1_state, "exploded")
    publisher.send(topics.l1_count, count(good=9, at=IN_SHIFT_A))

    wait_until(lambda: machine_good(session_factory, line_ids["L1"]) == 9, what="9 good")
    assert machine.bad.total == 6
    logged = [r for r in caplog.records if "malformed" in r.getMessage()]
    assert len(logged) == 2  # once for each topic, not once per message
    assert topics.l1_count in logged[0].getMessage()
