"""Every end-to-end test runs on a pinned clock: Wednesday 18 Nov 2026, 10:00 in Berlin, ticking
on from there. A test that takes ``clock`` moves it."""

from collections.abc import Iterator

import pytest
import time_machine

from bot.entry.wsgi import ProdbotWSGI
from bot.slack.exports import ExportSender
from tests.e2e.support import MID_SHIFT_A


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(MID_SHIFT_A, tick=True) as traveller:
        yield traveller


@pytest.fixture
def exports(served_app: ProdbotWSGI) -> ExportSender:
    """The export sender of the app ``slack`` serves, so a test can wait until its DMs are out
    (``exports.wait_until_idle()``)."""
    return served_app.exports
