"""`prodbot serve` as an operator runs it: gunicorn in its own process, Slack faked over HTTP."""

import csv
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.plant.apply import apply_plant
from bot.plant.file import validate_plant
from bot.settings import Settings
from tests.fakes.slack_api import FakeSlackAPI
from tests.helpers_cli import run_prodbot
from tests.slack_requests import SIGNING_SECRET, SlackSender, sender_to

PRODBOT = str(Path(sys.executable).with_name("prodbot"))

EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
# Shifts around the clock, every day, so the real clock is always inside one.
ROUND_THE_CLOCK_PLANT = {
    "site": {"name": "Nightside", "timezone": "UTC"},
    "shifts": [
        {"name": "D", "start": "00:00", "end": "12:00", "days": EVERY_DAY},
        {"name": "N", "start": "12:00", "end": "00:00", "days": EVERY_DAY},
    ],
    "lines": [
        {"code": "L1", "name": "Line 1", "channel": "C0LINE0001", "leads": ["U0LEAD0001"],
         "managers": ["U0MGR00001"], "targets": {"D": 500, "N": 500}},
    ],
}  # fmt: skip


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served(
    settings: Settings, session_factory: sessionmaker[Session], fake_slack: FakeSlackAPI
) -> Iterator[SlackSender]:
    with session_scope(session_factory) as session:
        apply_plant(
            session=session, plant=validate_plant(ROUND_THE_CLOCK_PLANT), at=datetime.now(UTC)
        )
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.base_url,
    }
    server = subprocess.Popen(
        [PRODBOT, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}/healthz", server)
        yield sender_to(port, response_base=fake_slack.base_url)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=15)


def wait_until_healthy(url: str, server: subprocess.Popen[bytes]) -> None:
    for _ in range(150):
        if server.poll() is not None:
            raise AssertionError(f"prodbot serve exited: {server.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("prodbot serve did not become healthy")


def wait_for_thread_text(fake: FakeSlackAPI, expected: list[str], timeout: float = 15) -> None:
    """The board's thread carries every entry (a burst may share one thread post)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        thread = " ".join(
            call.args["text"]
            for call in fake.calls_to("chat.postMessage")
            if "thread_ts" in call.args
        )
        if all(text in thread for text in expected):
            return
        time.sleep(0.1)
    raise AssertionError(f"not all of {expected} reached the board's thread")


def test_served_app_takes_reports_and_export_shows_them(
    served: SlackSender, fake_slack: FakeSlackAPI, settings: Settings, tmp_path: Path
) -> None:
    assert "Saved +120 good" in served.command("/output", "L1 120 scrap 4").text
    assert "Logged 45 min material" in served.command("/delay", "L1 45m mat no caps").text
    assert "Raised a *high* issue" in served.command("/issue", "L1 high capper jams").text
    wait_for_thread_text(
        fake_slack, ["+120 good, 4 scrap", "⏱ 45 min material", "*HIGH* issue: capper jams"]
    )

    today = datetime.now(UTC).date().isoformat()
    result = run_prodbot(
        "export", "--from", today, "--to", today, "--out", str(tmp_path),
        cwd=tmp_path, env={"DATABASE_URL": settings.database_url, "COLUMNS": "300"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "entries-" in result.stdout
    files = {path.name.split("-")[0]: path for path in tmp_path.glob("*.csv")}
    entries = list(csv.DictReader(files["entries"].open()))
    delays = list(csv.DictReader(files["delays"].open()))
    issues = list(csv.DictReader(files["issues"].open()))
    assert [(e["line"], e["good"], e["scrap"]) for e in entries] == [("L1", "120", "4")]
    assert [(d["minutes"], d["reason"], d["note"]) for d in delays] == [
        ("45", "material", "no caps")
    ]
    assert [(i["severity"], i["text"], i["status"]) for i in issues] == [
        ("high", "capper jams", "open")
    ]


def test_health_and_readiness_name_the_database_and_slack(served: SlackSender) -> None:
    health = served.url.replace("/slack/events", "/healthz")
    with urllib.request.urlopen(health, timeout=5) as response:
        assert (response.status, response.read()) == (200, b"ok\n")
    ready = served.url.replace("/slack/events", "/readyz")
    with urllib.request.urlopen(ready, timeout=5) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "application/json"
        assert json.loads(response.read()) == {"database": "ok", "slack": "ok"}
