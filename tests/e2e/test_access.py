"""Who may report, raise issues and confirm: every refusal is an ephemeral answer naming who can,
and leaves no trace (no row, no audit record, no post, no ping)."""

import logging

import pytest

from bot.demo.signing import Workspace
from models import DelayEntry, Issue, IssueEvent, OutputEntry
from tests.e2e.support import all_rows, assert_no_trace, button, ephemeral_text
from tests.fakes.slack_api import RESPONSE_URL, TEAM_ID, FakeSlackAPI
from tests.slack_requests import SlackReply, SlackSender

STRANGER = "U0STRANGER"
OPERATOR = "U0OPER0001"
MANAGER = "U0MGR00001"
HEAD = "U0HEAD0001"
PRESS_LEAD = "U0LEAD0002"
DM = "D0DIRECT01"
OTHER_CHANNEL = "C0RANDOM01"
WRITES = [OutputEntry, DelayEntry, Issue, IssueEvent]


def answer_to(reply: SlackReply) -> str:
    """The ephemeral answer without its "⚠️ " mark."""
    return ephemeral_text(reply).removeprefix("⚠️ ")


def assert_nobody_told(fake_slack: FakeSlackAPI) -> None:
    """No channel post, no DM, no ping: only the typist was answered."""
    assert fake_slack.calls_to("chat.postMessage") == []
    assert fake_slack.calls_to("conversations.open") == []


@pytest.mark.parametrize(
    ("command", "text"), [("/output", "L1 120"), ("/delay", "L1 20m material")]
)
def test_a_stranger_in_a_line_channel_may_not_report_and_is_told_whom_to_ask(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory, command: str, text: str
) -> None:
    answer = answer_to(slack.command(command, text, user=STRANGER))

    assert answer.startswith("Only L1's leads, operators and managers, and the heads of")
    assert "<@U0LEAD0001> or <@U0MGR00001>" in answer
    assert_no_trace(session_factory, fake_slack, *WRITES)
    assert_nobody_told(fake_slack)


@pytest.mark.parametrize("channel", [DM, OTHER_CHANNEL])
@pytest.mark.parametrize(
    ("command", "text"),
    [("/output", "L1 120"), ("/delay", "L1 20m material"), ("/issue", "L1 critical fire")],
)
def test_a_stranger_outside_the_line_channels_gets_no_site_at_all(
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    session_factory,
    command: str,
    text: str,
    channel: str,
) -> None:
    answer = answer_to(slack.command(command, text, user=STRANGER, channel=channel))

    assert answer.startswith("prodbot does not know you yet")
    assert_no_trace(session_factory, fake_slack, *WRITES)
    assert_nobody_told(fake_slack)


def test_the_lead_of_another_line_may_not_report_on_this_one(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
) -> None:
    answer = answer_to(slack.command("/output", "L1 120", user=PRESS_LEAD))

    assert "can report output on L1" in answer
    assert_no_trace(session_factory, fake_slack, *WRITES)


@pytest.mark.parametrize("user", [OPERATOR, MANAGER, HEAD])
def test_operators_managers_and_heads_report_like_leads(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory, user: str
) -> None:
    assert "✅" in slack.command("/output", "L1 120", user=user).text
    assert "✅" in slack.command("/delay", "L1 20m material", user=user).text

    [entry] = all_rows(session_factory, OutputEntry)
    [delay] = all_rows(session_factory, DelayEntry)
    assert entry.reported_by == delay.reported_by == user
    fake_slack.wait_for("chat.postMessage", 2)


def test_anyone_in_a_line_channel_may_pull_the_cord_and_the_issue_records_who(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
) -> None:
    assert "✅" in slack.command("/issue", "L1 high conveyor jam", user=STRANGER).text

    [issue] = all_rows(session_factory, Issue)
    assert issue.raised_by == STRANGER
    fake_slack.wait_for("chat.postMessage")


def test_a_person_of_the_site_raises_an_issue_from_a_direct_message(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
) -> None:
    assert "✅" in slack.command("/issue", "L1 low label smudged", user=PRESS_LEAD, channel=DM).text

    [issue] = all_rows(session_factory, Issue)
    assert issue.raised_by == PRESS_LEAD


def test_save_anyway_pressed_by_a_stranger_saves_nothing(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
) -> None:
    asked = slack.command("/output", "L1 9000000")  # L1's lead: asked "did you mean that?"
    value = button(asked, "output_confirm")["value"]

    slack.action("output_confirm", value, user=STRANGER)

    [answer] = fake_slack.wait_for(RESPONSE_URL)
    assert answer.args["text"].startswith("⚠️ Only L1's leads, operators and managers")
    assert_no_trace(session_factory, fake_slack, *WRITES)


@pytest.mark.parametrize(
    "workspace",
    [
        Workspace(team_id="T0ELSEWHERE"),
        Workspace(team_id=TEAM_ID, user_team_id="T0GUESTORG"),  # a Slack Connect guest
        Workspace(team_id=TEAM_ID, enterprise_id="E0OTHERORG"),
    ],
    ids=["other workspace", "slack connect guest", "other organisation"],
)
@pytest.mark.parametrize(
    ("command", "text"),
    [("/output", "L1 120"), ("/issue", "L1 critical fire"), ("/prod", "status")],
)
def test_requests_from_another_workspace_are_refused_and_logged(
    slack: SlackSender,
    fake_slack: FakeSlackAPI,
    session_factory,
    caplog: pytest.LogCaptureFixture,
    workspace: Workspace,
    command: str,
    text: str,
) -> None:
    slack.build.workspace = workspace

    with caplog.at_level(logging.WARNING, logger="handlers.workspace"):
        answer = answer_to(slack.command(command, text))  # as L1's lead's id

    assert answer.startswith("This prodbot serves one Slack workspace")
    assert "refused a request from workspace" in caplog.text
    assert_no_trace(session_factory, fake_slack, *WRITES)
    assert_nobody_told(fake_slack)


def test_a_button_pressed_by_a_slack_connect_guest_is_answered_on_its_response_url(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
) -> None:
    value = button(slack.command("/output", "L1 9000000"), "output_confirm")["value"]
    slack.build.workspace = Workspace(team_id=TEAM_ID, user_team_id="T0GUESTORG")

    slack.action("output_confirm", value)

    [answer] = fake_slack.wait_for(RESPONSE_URL)
    assert answer.args["text"].startswith("This prodbot serves one Slack workspace")
    assert all_rows(session_factory, OutputEntry) == []


class TestAnOrganisationWithSeveralWorkspaces:
    """On Enterprise Grid one token serves the organisation; a site that names its workspace
    takes requests from that workspace only."""

    @pytest.fixture
    def plant_text(self, plant_text: str) -> str:
        zone = 'timezone = "Europe/Berlin"'
        return plant_text.replace(zone, zone + '\nslack_team = "T0RIVERSID"')

    @pytest.fixture(autouse=True)
    def grid(self, fake_slack: FakeSlackAPI) -> None:
        fake_slack.enterprise_id = "E0PLANTORG"

    def test_the_sites_own_workspace_reports(
        self, slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
    ) -> None:
        slack.build.workspace = Workspace(team_id="T0RIVERSID", enterprise_id="E0PLANTORG")

        assert "✅" in slack.command("/output", "L1 120").text

    def test_another_workspace_of_the_organisation_is_refused(
        self, slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
    ) -> None:
        slack.build.workspace = Workspace(team_id="T0SALESDEP", enterprise_id="E0PLANTORG")

        answer = answer_to(slack.command("/output", "L1 120"))

        assert answer == "Riverside takes requests from its own Slack workspace only."
        assert_no_trace(session_factory, fake_slack, *WRITES)


def test_more_delay_than_the_shift_has_asks_did_you_mean(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
) -> None:
    answer = answer_to(slack.command("/delay", "L1 8h material"))

    # Shift A: 06:00-14:00 with a 30-minute break.
    assert answer == (
        "8h00m of delay does not fit into shift A on L1: it has 7h30m of planned time, so at "
        "most 7h30m more can be logged. Did you mean `8m`?\n"
        "Usage: `/delay [LINE] DURATION REASON [note…]`"
    )
    assert_no_trace(session_factory, fake_slack, *WRITES)


def test_delays_of_one_shift_cannot_add_up_to_more_than_its_planned_time(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
) -> None:
    for _ in range(2):
        assert "✅" in slack.command("/delay", "L1 3h breakdown").text

    answer = answer_to(slack.command("/delay", "L1 3h breakdown"))

    assert "already logged, so at most 1h30m more can be logged" in answer
    assert [d.minutes for d in all_rows(session_factory, DelayEntry)] == [180, 180]
    assert "✅" in slack.command("/delay", "L1 1h30m breakdown").text


def test_any_line_channel_of_the_site_lets_a_stranger_pull_the_cord(
    slack: SlackSender, fake_slack: FakeSlackAPI, session_factory
) -> None:
    reply = slack.command("/issue", "L1 medium smoke", user=STRANGER, channel="C0PRESS002")

    assert "✅" in reply.text
    [issue] = all_rows(session_factory, Issue)
    assert (issue.raised_by, issue.text) == (STRANGER, "smoke")
