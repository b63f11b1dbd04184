"""A machine stop on the board: the machine's reason and the stop's end redraw the line's board
at once, through the machines' board redraws (not the deliveries job a minute later)."""

import json

from bot.demo.fake_slack import FakeSlackAPI
from bot.machines.client import MachineClient
from tests.machines.conftest import Topics
from tests.machines.support import Publisher, wait_until


def l1_boards(fake_slack: FakeSlackAPI) -> list[str]:
    """The blocks of L1's board as drawn, oldest first."""
    drawn = sorted(
        fake_slack.calls_to("chat.postMessage") + fake_slack.calls_to("chat.update"),
        key=lambda call: call.at,
    )
    return [
        str(call.args.get("blocks"))
        for call in drawn
        if call.args["channel"] == "C0LINE0001" and call.args["text"].startswith("L1 ")
    ]


def state(name: str, at: str, reason: str | None = None) -> str:
    return json.dumps({"state": name, "at": at} | ({"reason": reason} if reason else {}))


def test_the_machines_reason_and_the_stops_end_redraw_the_board(
    machine: MachineClient, publisher: Publisher, topics: Topics, fake_slack: FakeSlackAPI
) -> None:
    # No count at all: only the stop draws L1's board (shift A, 18 Nov).
    publisher.send(topics.l1_state, state("stopped", "2026-11-18T09:42:00Z"))
    publisher.send(topics.l1_state, state("stopped", "2026-11-18T09:45:00Z", reason="breakdown"))

    def shows(text: str) -> bool:
        return any(text in blocks for blocks in l1_boards(fake_slack))

    wait_until(lambda: shows("3 min (breakdown 3)"), what="the board showing the machine's reason")

    publisher.send(topics.l1_state, state("running", "2026-11-18T09:51:00Z"))

    wait_until(lambda: shows("9 min (breakdown 9)"), what="the board showing the whole stop")
    assert "9 min (breakdown 9)" in l1_boards(fake_slack)[-1]
