"""``prodbot demo`` end to end: the whole story on its own SQLite file, with no Slack at all.

The demo runs once for the module, with a real installation's settings in the environment to
prove that none of them leaks in, and every socket connection recorded to prove that nothing
but the local fake was called.
"""

import io
import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from bot.demo.run import run_demo
from jobs.registry import JOBS

LINE_CHANNELS = {"C0LINE1", "C0LINE2", "C0LINE3"}


@dataclass
class DemoRun:
    folder: Path
    transcript: str
    connections: list[Any]

    def messages(self, method: str = "") -> list[dict[str, Any]]:
        """The saved messages, in order; only those sent with ``method`` if given."""
        return [
            json.loads(path.read_text(encoding="utf-8"))
            for path in sorted((self.folder / "messages").glob(f"*-{method}*.json"))
        ]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoRun]:
    connections: list[Any] = []
    real_connect = socket.socket.connect

    def recording_connect(self: socket.socket, address: Any) -> None:
        connections.append(address)
        real_connect(self, address)

    output = io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", "postgresql://prodbot@127.0.0.1:9/not-the-demo")
        patch.setenv("SLACK_API_URL", "https://slack.invalid/api/")
        patch.setenv("SLACK_BOT_TOKEN", "xoxb-a-real-installation")
        patch.setenv("SLACK_SIGNING_SECRET", "a-real-signing-secret")
        patch.setattr(socket.socket, "connect", recording_connect)
        folder = run_demo(tmp_path_factory.mktemp("demo"), Console(file=output, width=120))
    yield DemoRun(folder, output.getvalue(), connections)


def test_every_line_channel_gets_posts_and_each_message_is_saved_as_json(demo: DemoRun) -> None:
    posted = demo.messages("chat.postMessage")
    assert {m["channel"] for m in posted if "thread_ts" not in m} >= LINE_CHANNELS
    assert (demo.folder / "prodbot-demo.db").stat().st_size > 0
    assert str(demo.folder) in demo.transcript


def test_shift_summaries_are_posted(demo: DemoRun) -> None:
    headers = [
        block["text"]["text"]
        for message in demo.messages()
        for block in message.get("blocks") or []
        if block.get("type") == "header"
    ]
    assert {"L1 shift summary", "L2 shift summary", "L3 shift summary"} <= set(headers)


def test_the_story_goes_through_the_real_commands_and_buttons(demo: DemoRun) -> None:
    transcript = demo.transcript
    assert "@lena in #l2-canning: /issue L2 high seamer 3 leaking" in transcript
    assert "HIGH issue: seamer 3 leaking" in transcript
    assert "Did you mean that?" in transcript
    assert "@jonas presses [ Save anyway ]" in transcript
    assert "Saved +120 good on L1, shift Late" in transcript
    assert "Voided your last output entry on L2" in transcript
    assert "only @marco sees this" in transcript  # /prod status


@pytest.mark.skipif("missing-report" not in JOBS, reason="missing-report is not registered")
def test_the_unreported_night_shift_is_chased(demo: DemoRun) -> None:
    assert "⚙ job missing-report" in demo.transcript
    # Only the reminder names the L3 night lead, who never reported.
    assert "@tomasz" in demo.transcript


@pytest.mark.skipif("digest" not in JOBS, reason="digest is not registered")
def test_the_digest_chart_is_written_to_the_output_folder(demo: DemoRun) -> None:
    charts = list((demo.folder / "files").glob("*.png"))
    assert charts
    assert charts[0].read_bytes().startswith(b"\x89PNG")
    assert any(m["channel"] == "C0DIGEST" for m in demo.messages("chat.postMessage"))


def test_nothing_but_the_local_fake_is_called(demo: DemoRun) -> None:
    assert demo.connections
    assert {address[0] for address in demo.connections} == {"127.0.0.1"}
    assert "slack.invalid" not in demo.transcript
