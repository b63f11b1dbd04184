"""What every scheduled job shares: its dependencies, its settings, and which shifts are due."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.plant.shifts import ShiftInstance, instances_between
from bot.slack.ledger import PostOutcome
from models import Site

# A run catches up on every period that fell due this long before its clock (PRODUCT.md §4).
CATCH_UP = timedelta(hours=6)
# No shift is longer than this; it bounds the search for shift instances that just ended.
LONGEST_SHIFT = timedelta(hours=24)


@dataclass(frozen=True)
class JobDeps:
    session_factory: sessionmaker[Session]
    client: WebClient


class Job(Protocol):
    name: str
    description: str

    def run(self, at: datetime, deps: JobDeps) -> list[PostOutcome]: ...


def shifts_due(
    site: Site, *, at: datetime, after_end: timedelta, catch_up: timedelta = CATCH_UP
) -> Iterator[ShiftInstance]:
    """The site's shift instances whose end + ``after_end`` lies in (at - catch_up, at]."""
    patterns = [shift for shift in site.shifts if shift.active]
    window_start = at - catch_up - after_end - LONGEST_SHIFT
    for instance in instances_between(patterns, ZoneInfo(site.timezone), window_start, at):
        if at - catch_up < instance.end + after_end <= at:
            yield instance
