"""The fake Slack Web API the tests talk to.

It lives in the package (``bot/demo/fake_slack.py``) because ``prodbot demo`` answers the bot's
Web API calls with the same fake; tests import it from here.
"""

from bot.demo.fake_slack import (
    BOT_USER_ID,
    RESPONSE_URL,
    TEAM_ID,
    Call,
    FakeSlackAPI,
    PromptShutdown,
    running_fake_slack,
)

__all__ = [
    "BOT_USER_ID",
    "RESPONSE_URL",
    "TEAM_ID",
    "Call",
    "FakeSlackAPI",
    "PromptShutdown",
    "running_fake_slack",
]
