"""The machines' board redraws: a round reads the boards of all its lines at once, and a board
once posted is updated in place."""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.demo.fake_slack import FakeSlackAPI
from bot.machines.boards import MachineBoards
from bot.records.machine_counts import MinuteCount, machine_topic_map, record_machine_counts
from bot.settings import Settings
from bot.slack.boards import BoardKey
from bot.slack.client import make_web_client

MINUTE = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)  # shift A in Berlin


@pytest.fixture
def boards(settings: Settings, session_factory: sessionmaker[Session]) -> Iterator[MachineBoards]:
    boards = MachineBoards(
        client=make_web_client(settings), session_factory=session_factory, interval=0.0
    )
    yield boards
    boards.stop()


@pytest.fixture
def board_keys(session_factory: sessionmaker[Session], line_ids: dict[str, int]) -> list[BoardKey]:
    """The boards of L1 and press 2 (both counted by their machines) after a count each."""
    with session_scope(session_factory) as session:
        line_sites = dict(machine_topic_map(session).counts.values())
        written = record_machine_counts(
            session,
            counts={
                (line_ids["L1"], MINUTE): MinuteCount(5, 0),
                (line_ids["press2"], MINUTE): MinuteCount(3, 0),
            },
            topics={},
            line_sites=line_sites,
            at=MINUTE,
        )
    return sorted(written.boards)


def statements_of(boards: MachineBoards, keys: list[BoardKey], engine: Engine) -> int:
    """The SQL statements one round redrawing ``keys`` runs."""
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        boards.publish(set(keys))
        assert boards.wait_until_idle()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_a_round_reads_all_its_boards_at_once_and_updates_posted_ones_in_place(
    boards: MachineBoards,
    board_keys: list[BoardKey],
    engine: Engine,
    fake_slack: FakeSlackAPI,
) -> None:
    l1, press = board_keys
    boards.publish({l1, press})
    assert boards.wait_until_idle()
    posted = fake_slack.calls_to("chat.postMessage")
    assert sorted(call.args["text"].split()[0] for call in posted) == ["L1", "press2"]

    one = statements_of(boards, [press], engine)  # press 2 is counted by both: one query more
    two = statements_of(boards, [l1, press], engine)

    assert one == two  # the queries do not grow with the lines of a round
    assert len(fake_slack.calls_to("chat.postMessage")) == 2  # no board posted twice
    assert len(fake_slack.calls_to("chat.update")) == 3
    assert boards.redraws == 5
