"""App Home end to end: a signed Events API ``app_home_opened`` publishes the user's lines; its
buttons open the report forms."""

import json
from typing import Any

import pytest

from tests.e2e.support import block_texts
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack_requests import SlackReply, SlackSender


def home_opened(slack: SlackSender, user: str, *, tab: str = "home") -> SlackReply:
    """The Events API request Slack sends when ``user`` opens a tab of the app."""
    event = {"type": "app_home_opened", "user": user, "channel": "D0PRODBOT1", "tab": tab}
    return slack.send(slack.build.event(event))


def published(fake_slack: FakeSlackAPI, user: str) -> dict[str, Any]:
    [call] = fake_slack.wait_for("views.publish")
    assert call.args["user_id"] == user
    return call.args["view"]


def test_app_home_shows_the_users_lines_today_with_the_report_buttons(
    slack: SlackSender, fake_slack: FakeSlackAPI
) -> None:
    slack.command("/output", "L1 120")

    reply = home_opened(slack, "U0LEAD0001")

    assert reply.status == 200
    view = published(fake_slack, "U0LEAD0001")
    assert view["type"] == "home"
    texts = block_texts(view["blocks"])
    assert "Your lines today" in texts
    assert "*L1* · Line 1 - Bottling — shift A" in texts
    assert "120 / 800 bottles (15%)" in texts
    assert "pace" in texts
    assert "no open issues" in texts
    assert "Press 2" not in texts
    buttons = [
        e["action_id"] for b in view["blocks"] for e in b.get("elements", []) if "action_id" in e
    ]
    assert buttons == ["open_output_form", "open_delay_form", "open_issue_form"]


def test_someone_who_leads_no_line_sees_every_line(
    slack: SlackSender, fake_slack: FakeSlackAPI
) -> None:
    home_opened(slack, "U0HEAD0001")

    texts = block_texts(published(fake_slack, "U0HEAD0001")["blocks"])
    assert "Lines today" in texts
    assert "*L1*" in texts
    assert "*press2*" in texts


def test_a_stranger_sees_no_site_only_whom_to_ask(
    slack: SlackSender, fake_slack: FakeSlackAPI
) -> None:
    home_opened(slack, "U0STRANGER")

    view = published(fake_slack, "U0STRANGER")
    texts = block_texts(view["blocks"])
    assert "prodbot does not know you yet" in texts
    assert "L1" not in texts and "Riverside" not in texts
    assert not [b for b in view["blocks"] if b["type"] == "actions"]


def test_the_messages_tab_publishes_nothing(slack: SlackSender, fake_slack: FakeSlackAPI) -> None:
    home_opened(slack, "U0LEAD0001", tab="messages")
    home_opened(slack, "U0LEAD0002")

    assert published(fake_slack, "U0LEAD0002")
    assert len(fake_slack.calls_to("views.publish")) == 1


@pytest.mark.parametrize("kind", ["output", "delay", "issue"])
def test_the_home_buttons_open_the_report_forms(
    slack: SlackSender, fake_slack: FakeSlackAPI, kind: str
) -> None:
    reply = slack.action(f"open_{kind}_form", kind, user="U0LEAD0002")

    assert reply.status == 200
    [call] = fake_slack.wait_for("views.open")
    assert call.args["trigger_id"].endswith(".trigger")
    view = call.args["view"]
    assert view["callback_id"] == f"{kind}_form"
    assert json.loads(view["private_metadata"]) == {"kind": kind, "channel_id": None}
    line = next(b for b in view["blocks"] if b["block_id"] == "line")["element"]
    assert [o["value"] for o in line["options"]] == ["press2", "l1"]
    assert line["initial_option"]["value"] == "press2"
