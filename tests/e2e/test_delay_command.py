import pytest

from models import DelayEntry
from tests.conftest import SAMPLE_PLANT
from tests.e2e.support import all_rows, assert_no_trace, block_texts, ephemeral_text, report_audits
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack_requests import SlackSender

DELAY_USAGE = "/delay [LINE] DURATION REASON [note…]"


def test_delay_with_a_reason_prefix_is_saved_answered_and_posted_to_the_board(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
) -> None:
    text = ephemeral_text(slack.command("/delay", "L1 1h30m mat waiting for caps"))

    assert text.startswith("✅ Logged 1 h 30 min material on L1, shift A · Wed 18 Nov")
    assert text.endswith("The shift board in <#C0LINE0001> shows the running total.")
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


class TestAmbiguousReasonPrefix:
    """The default reasons all start with different letters, so this site adds `maintenance`."""

    @pytest.fixture
    def plant_text(self) -> str:
        reasons = 'delay_reasons = ["maintenance", "material", "breakdown"]\n'
        return SAMPLE_PLANT.replace('digest_time = "07:00"\n', f'digest_time = "07:00"\n{reasons}')

    def test_ambiguous_prefix_names_the_candidates_and_writes_nothing(
        self, slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
    ) -> None:
        answer = ephemeral_text(slack.command("/delay", "L1 10 ma"))

        assert "'ma' could be maintenance or material — type more letters" in answer
        assert f"Usage: `{DELAY_USAGE}`" in answer
        assert_no_trace(session_factory, fake_slack, DelayEntry)

    def test_a_longer_prefix_picks_the_one_reason(
        self, slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
    ) -> None:
        reply = slack.command("/delay", "L1 10 mai")

        assert "✅ Logged 10 min maintenance on L1" in reply.text
        [delay] = all_rows(session_factory, DelayEntry)
        assert delay.reason == "maintenance"
        fake_slack.wait_for("chat.postMessage", 2)
