"""A report the app cannot read is answered, to its typist only, with the problem and the
command's usage, and leaves no trace: no row, no audit record, no post."""

import pytest

from models import DelayEntry, Issue, IssueEvent, OutputEntry
from tests.e2e.support import assert_no_trace, ephemeral_text
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack_requests import SlackSender

USAGE = {
    "/output": "/output [LINE] GOOD [scrap N [REASON]] [shift S] [date YYYY-MM-DD] [note…]",
    "/delay": "/delay [LINE] DURATION REASON [note…]",
    "/issue": "/issue [LINE] SEVERITY TEXT…",
}
WRITES = {"/output": [OutputEntry], "/delay": [DelayEntry], "/issue": [Issue, IssueEvent]}


@pytest.mark.parametrize(
    ("command", "text", "problem"),
    [
        ("/output", "L1 12a", "'12a'"),
        ("/output", "L1 -5", "-5"),
        ("/output", "L1 20000000", "10,000,000"),
        ("/output", "L9 120", "'L9'"),
        ("/output", "L1 120 " + "x" * 2001, "too long"),
        ("/output", "L1 120 shift Z", "no shift 'Z'"),
        ("/output", "L1 120 shift A date 2026-11-19", "future"),
        ("/output", "L1 120 shift A date 2026-11-10", "7 days"),
        ("/delay", "L1 10 xyz", "unknown reason 'xyz' — use breakdown, changeover, material,"),
        ("/delay", "L1 10", "why? add a reason after '10'"),
        ("/delay", "L1 soon breakdown", "'soon' is not a duration"),
        ("/delay", "L1 0 breakdown", "'0' is no time at all"),
        ("/delay", "L1 25h breakdown", "more than 24h"),
        ("/issue", "L1 high", "describe the issue after the severity"),
        ("/issue", "L1 high   ", "describe the issue after the severity"),
        ("/issue", "L1 urgent conveyor jam", "unknown severity 'urgent'"),
    ],
)
def test_a_bad_report_is_answered_with_the_problem_and_usage_and_leaves_no_trace(
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    session_factory,
    command: str,
    text: str,
    problem: str,
) -> None:
    answer = ephemeral_text(slack.command(command, text))

    assert problem in answer
    assert f"Usage: `{USAGE[command]}`" in answer
    assert_no_trace(session_factory, fake_slack, *WRITES[command])
