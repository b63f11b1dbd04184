"""Every end-to-end test runs on a pinned clock: Wednesday 18 Nov 2026, 10:00 in Berlin, ticking
on from there. A test that takes ``clock`` moves it."""

from collections.abc import Iterator

import pytest
import time_machine

from tests.e2e.support import MID_SHIFT_A


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(MID_SHIFT_A, tick=True) as traveller:
        yield traveller
