"""Helpers shared by the job tests (their fixtures are in ``conftest.py``)."""

from bot.slack.outbox import PostOutcome
from tests.fakes.slack_api import FakeSlackAPI


def posted_texts(fake_slack: FakeSlackAPI) -> dict[str, list[str]]:
    """Channel (or DM'd user) → the texts posted there, in order."""
    found: dict[str, list[str]] = {}
    for call in fake_slack.calls_to("chat.postMessage"):
        found.setdefault(call.args["channel"], []).append(call.args["text"])
    return found


def period(outcome: PostOutcome) -> str:
    """The period of a job post's outcome (its key is ``job|scope|period``)."""
    return outcome.key.split("|")[2]


def job_of(outcome: PostOutcome) -> str:
    return outcome.key.split("|")[0]
