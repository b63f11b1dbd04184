"""``prodbot demo`` played once for the whole test run (the ``demo`` fixture of
``tests/conftest.py``): ``tests/test_demo.py`` reads its story, and the floor screen's picture
(``tests/screen/test_screenshot.py``) is made from a copy of its database.

It is played with a real installation's settings in the environment, to prove that none of them
leaks in, and every socket connection recorded, to prove that nothing but the local fake (and
the broker of ``MQTT_URL``, when a test gives one) was called.
"""

import io
import json
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from bot.demo.run import run_demo

DEMO_DATABASE = "prodbot-demo.db"


@dataclass(frozen=True)
class DemoRun:
    folder: Path
    transcript: str
    connections: list[Any]

    def messages(self, method: str = "") -> list[dict[str, Any]]:
        """The saved messages, in order; only those sent with ``method`` if given."""
        return [message for _, message in self.numbered(method)]

    def numbered(self, method: str = "") -> list[tuple[int, dict[str, Any]]]:
        """The saved messages with their numbers, the order in which Slack received them."""
        return [
            (int(path.name.split("-", 1)[0]), json.loads(path.read_text(encoding="utf-8")))
            for path in sorted((self.folder / "messages").glob(f"*-{method}*.json"))
        ]


def play_demo(folder: Path, *, mqtt_url: str | None = None) -> DemoRun:
    """The demo played into ``folder`` as an operator would run it where prodbot is installed;
    with ``MQTT_URL`` set to ``mqtt_url`` when given (unset otherwise: machines in process)."""
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
        if mqtt_url is None:
            patch.delenv("MQTT_URL", raising=False)
        else:
            patch.setenv("MQTT_URL", mqtt_url)
        patch.setattr(socket.socket, "connect", recording_connect)
        played = run_demo(folder, Console(file=output, width=120))
    return DemoRun(played, output.getvalue(), connections)
