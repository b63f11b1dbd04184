from pathlib import Path

import pytest
import time_machine

from models import DelayEntry
from tests.conftest import SAMPLE_PLANT
from tests.e2e.support import MID_SHIFT_A, all_rows, block_texts, report_audits
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack_requests import SlackSender

DELAY_USAGE = "/delay [LINE] DURATION REASON [note…]"


@pytest.fixture(autouse=True)
def pinned_clock() -> object:
    with time_machine.travel(MID_SHIFT_A, tick=True) as traveller:
        yield traveller


def test_delay_with_a_reason_prefix_is_saved_answered_and_posted_to_the_board(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
) -> None:
    reply = slack.command("/delay", "L1 1h30m mat waiting for caps")

    assert reply.status == 200
    assert reply.json["response_type"] == "ephemeral"
    assert reply.text.startswith("✅ Logged 1 h 30 min material on L1, shift A · Wed 18 Nov")
    assert reply.text.endswith("The shift board in <#C0LINE0001> shows the running total.")
    [delay] = all_rows(session_factory, DelayEntry)
    assert (delay.minutes, delay.reason, delay.note) == (90, "material", "waiting for caps")
    assert delay.reported_by == "U0LEAD0001"
    assert delay.production_date.isoformat() == "2026-11-18"
    assert delay.voided_at is None
    assert delay.request_key  # the row records its own creation; no audit row of its own
    assert report_audits(session_factory) == []

    board, thread = fake_slack.wait_for("chat.postMessage", 2)
    assert board.args["channel"] == "C0LINE0001"
    assert "thread_ts" not in board.args
    assert "*Delays*\n1 h 30 min (material 90)" in block_texts(board.args["blocks"])
    assert thread.args["thread_ts"] == "1790000000.000001"
    assert thread.args["text"] == (
        "⏱ 1 h 30 min material → 1 h 30 min lost this shift · <@U0LEAD0001> — _waiting for caps_"
    )


@pytest.mark.parametrize(
    ("duration", "minutes"),
    [("45", 45), ("45m", 45), ("1h", 60), ("1h30m", 90), ("1:30", 90)],
)
def test_every_duration_form_is_stored_in_minutes(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory, duration: str, minutes: int
) -> None:
    reply = slack.command("/delay", f"L1 {duration} breakdown")

    assert reply.status == 200
    assert "✅ Logged" in reply.text
    [delay] = all_rows(session_factory, DelayEntry)
    assert (delay.minutes, delay.reason, delay.note) == (minutes, "breakdown", None)
    fake_slack.wait_for("chat.postMessage", 2)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("L1 10 xyz", "unknown reason 'xyz' — use breakdown, changeover, material,"),
        ("L1 10", "why? add a reason after '10'"),
        ("L1 soon breakdown", "'soon' is not a duration"),
        ("L1 0 breakdown", "'0' is no time at all"),
        ("L1 25h breakdown", "more than 24h"),
    ],
)
def test_bad_delay_is_answered_with_the_problem_and_usage_and_writes_nothing(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory, text: str, problem: str
) -> None:
    reply = slack.command("/delay", text)

    assert reply.status == 200
    assert reply.json["response_type"] == "ephemeral"
    assert problem in reply.text
    assert f"Usage: `{DELAY_USAGE}`" in reply.text
    assert all_rows(session_factory, DelayEntry) == []
    assert report_audits(session_factory) == []
    assert fake_slack.calls_to("chat.postMessage") == []


class TestAmbiguousReasonPrefix:
    """The default reasons all start with different letters, so this site adds `maintenance`."""

    @pytest.fixture
    def plant_toml(self, tmp_path: Path) -> Path:
        path = tmp_path / "plant.toml"
        reasons = 'delay_reasons = ["maintenance", "material", "breakdown"]\n'
        path.write_text(
            SAMPLE_PLANT.replace('digest_time = "07:00"\n', f'digest_time = "07:00"\n{reasons}')
        )
        return path

    def test_ambiguous_prefix_names_the_candidates_and_writes_nothing(
        self, slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
    ) -> None:
        reply = slack.command("/delay", "L1 10 ma")

        assert reply.status == 200
        assert "'ma' could be maintenance or material — type more letters" in reply.text
        assert f"Usage: `{DELAY_USAGE}`" in reply.text
        assert all_rows(session_factory, DelayEntry) == []
        assert fake_slack.calls_to("chat.postMessage") == []

    def test_a_longer_prefix_picks_the_one_reason(
        self, slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
    ) -> None:
        reply = slack.command("/delay", "L1 10 mai")

        assert "✅ Logged 10 min maintenance on L1" in reply.text
        [delay] = all_rows(session_factory, DelayEntry)
        assert delay.reason == "maintenance"
        fake_slack.wait_for("chat.postMessage", 2)
