"""prodbot's processes start while Slack cannot be reached or never answers: nothing asks Slack
anything at start-up. ``/healthz`` reports the database; ``/readyz`` says Slack is not reachable.
"""

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.plant.apply import apply_plant
from bot.plant.file import validate_plant
from bot.settings import Settings
from bot.slack.readiness import SlackReadiness, SlackStatus
from tests.fakes.slack_api import FakeSlackAPI, PromptShutdown
from tests.fakes.tcp_proxy import running_tcp_proxy
from tests.slack_requests import SIGNING_SECRET
from tests.test_serve import PRODBOT, ROUND_THE_CLOCK_PLANT, free_port, wait_until_healthy


@pytest.fixture(params=["nothing listens", "never answers"])
def dead_slack(request: pytest.FixtureRequest) -> Iterator[str]:
    """SLACK_API_URL of a Slack that refuses connections, or accepts them and stays silent."""
    if request.param == "nothing listens":
        yield f"http://127.0.0.1:{free_port()}/api/"
        return
    with running_tcp_proxy("127.0.0.1", free_port()) as silent:
        silent.black_hole()
        yield f"http://127.0.0.1:{silent.port}/api/"


@pytest.fixture
def plant_loaded(session_factory: sessionmaker[Session]) -> None:
    with session_scope(session_factory) as session:
        apply_plant(
            session=session, plant=validate_plant(ROUND_THE_CLOCK_PLANT), at=datetime.now(UTC)
        )


def _environment(settings: Settings, slack_api_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_APP_TOKEN": "xapp-test-token",
        "SLACK_API_URL": slack_api_url,
    }


def _start(command: list[str], env: dict[str, str], log: Path) -> "subprocess.Popen[bytes]":
    with log.open("wb") as stderr:
        return subprocess.Popen(
            [PRODBOT, *command],
            env=env,
            cwd=log.parent,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
        )


def _stop(process: "subprocess.Popen[bytes]") -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _wait_for_log(log: Path, text: str, process: "subprocess.Popen[bytes]") -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        logged = log.read_text(errors="replace")
        if text in logged:
            return logged
        assert process.poll() is None, f"the process exited:\n{logged[-3000:]}"
        time.sleep(0.1)
    raise AssertionError(f"{text!r} was never logged:\n{log.read_text()[-3000:]}")


def test_serve_boots_and_is_healthy_while_slack_is_down_and_readyz_says_so(
    settings: Settings, plant_loaded: None, dead_slack: str, tmp_path: Path
) -> None:
    port = free_port()
    command = ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
    server = _start(command, _environment(settings, dead_slack), tmp_path / "serve.log")
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}/healthz", server)  # type: ignore[arg-type]
        with pytest.raises(urllib.error.HTTPError) as not_ready:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=10)
    finally:
        _stop(server)

    assert not_ready.value.code == 503
    assert json.loads(not_ready.value.read()) == {"database": "ok", "slack": "unreachable"}


@pytest.mark.parametrize("command", ["scheduler", "run"])
def test_the_scheduler_and_socket_mode_start_while_slack_is_down(
    settings: Settings,
    session_factory: sessionmaker[Session],
    dead_slack: str,
    tmp_path: Path,
    command: str,
) -> None:
    log = tmp_path / "process.log"
    process = _start([command], _environment(settings, dead_slack), log)
    try:
        logged = _wait_for_log(log, "scheduler: this process is the leader", process)
        if command == "run" and "cannot reach Slack" not in logged:
            time.sleep(1)  # Socket Mode is still trying to connect, the process stays up
        assert process.poll() is None
    finally:
        _stop(process)

    assert "Traceback" not in logged


def test_run_that_slack_refuses_stops_with_one_line(
    settings: Settings, tmp_path: Path, refusing_slack: str
) -> None:
    env = _environment(settings, refusing_slack)

    result = subprocess.run(
        [PRODBOT, "run"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "prodbot: Slack refused the token (invalid_auth): copy it again from the app's settings "
        "at api.slack.com/apps (see docs/slack-setup.md)"
    )
    assert "Traceback" not in result.stderr


@pytest.fixture
def refusing_slack() -> Iterator[str]:
    """A Slack Web API that answers every call with ``invalid_auth``."""

    class Refuse(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = b'{"ok": false, "error": "invalid_auth"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    server = _PromptHTTPServer(("127.0.0.1", 0), Refuse)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/"
    finally:
        server.shutdown()
        server.server_close()


def test_readiness_asks_slack_at_most_every_30_seconds(
    settings: Settings, fake_slack: FakeSlackAPI
) -> None:
    now = [0.0]
    readiness = SlackReadiness(settings, clock=lambda: now[0])

    first = readiness.status()
    now[0] = 29.9
    cached = readiness.status()
    fake_slack.fail("auth.test", status=500, times=5)
    now[0] = 30.0
    failing = readiness.status()

    assert first == cached == SlackStatus(True, "ok")
    assert failing == SlackStatus(False, "HTTP 500")
    assert len(fake_slack.calls_to("auth.test")) == 2  # no retries either


def test_readiness_names_a_refused_token(settings: Settings, refusing_slack: str) -> None:
    refused = settings.model_copy(update={"slack_api_url": refusing_slack})

    assert SlackReadiness(refused).status() == SlackStatus(False, "refused: invalid_auth")


class _PromptHTTPServer(PromptShutdown, ThreadingHTTPServer):
    """Stops as soon as it is told to (``PromptShutdown``), not up to half a second later."""
