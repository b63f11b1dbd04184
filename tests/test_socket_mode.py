"""`prodbot run`: Socket Mode and the scheduler in one process, against a fake Slack.

The fake Web API answers ``apps.connections.open`` with the address of a websocket server in
the test, which plays Slack's side of Socket Mode: hello, a slash command envelope, the ack.
"""

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from websockets.sync.server import ServerConnection, serve

from bot.db import session_scope
from bot.plant.apply import apply_plant
from bot.plant.file import validate_plant
from bot.settings import Settings
from models import OutputEntry
from tests.fakes.slack_api import TEAM_ID, FakeSlackAPI
from tests.test_serve import ROUND_THE_CLOCK_PLANT

PRODBOT = str(Path(sys.executable).with_name("prodbot"))

OUTPUT_COMMAND = {
    "team_id": TEAM_ID,
    "channel_id": "C0LINE0001",
    "user_id": "U0LEAD0001",
    "command": "/output",
    "text": "L1 75",
    "api_app_id": "A0PRODBOT1",
    "response_url": "https://hooks.slack.invalid/commands/1",
    "trigger_id": "socket.trigger.1",
}


@pytest.fixture
def slack_socket() -> Iterator[tuple[str, "queue.Queue[dict[str, object]]"]]:
    """A websocket server that sends one /output envelope and queues what the app answers."""
    answers: queue.Queue[dict[str, object]] = queue.Queue()

    def session(connection: ServerConnection) -> None:
        connection.send(json.dumps({"type": "hello", "num_connections": 1}))
        connection.send(
            json.dumps(
                {
                    "envelope_id": "envelope-1",
                    "type": "slash_commands",
                    "payload": OUTPUT_COMMAND,
                    "accepts_response_payload": True,
                }
            )
        )
        for message in connection:
            answers.put(json.loads(message))

    with serve(session, "127.0.0.1", 0) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        host, port = server.socket.getsockname()[:2]
        yield f"ws://{host}:{port}/link", answers
        server.shutdown()


def test_prodbot_run_takes_a_slash_command_over_socket_mode(
    settings: Settings,
    session_factory: sessionmaker[Session],
    fake_slack: FakeSlackAPI,
    slack_socket: tuple[str, "queue.Queue[dict[str, object]]"],
    tmp_path: Path,
) -> None:
    with session_scope(session_factory) as session:
        plant = validate_plant(ROUND_THE_CLOCK_PLANT)
        apply_plant(session=session, plant=plant, at=datetime.now(UTC))
    fake_slack.socket_url, answers = slack_socket
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_APP_TOKEN": "xapp-test-token",
        "SLACK_API_URL": fake_slack.base_url,
    }
    env.pop("SLACK_SIGNING_SECRET", None)  # Socket Mode needs none
    bot = subprocess.Popen(
        [PRODBOT, "run"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        ack = answers.get(timeout=30)
        board = fake_slack.wait_for("chat.postMessage", 1, timeout=15)[0]
    finally:
        os.killpg(bot.pid, signal.SIGTERM)
        bot.wait(timeout=30)

    assert ack["envelope_id"] == "envelope-1"
    payload = ack["payload"]
    assert isinstance(payload, dict)
    assert payload["response_type"] == "ephemeral"
    assert "Saved +75 good on L1" in payload["text"]
    assert board.args["channel"] == "C0LINE0001"
    with session_factory() as session:
        assert session.scalars(select(OutputEntry.good)).all() == [75]
