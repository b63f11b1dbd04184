"""A scheduler's catch-up as its own process, for ``benchmarks/plant_group.py`` to measure.

Every job once, for every site, at its firing time, under ``jobs.base.dry_run_deps`` (nothing
is posted, everything owed is rolled back). It imports what the scheduler process imports and
nothing of the benchmark, so its peak RSS is the scheduler's.

    python -m benchmarks.plant_group_catch_up DATABASE_URL '{"digest": "2026-11-30T06:00:00+00:00"}'
"""

import json
import sys
from datetime import datetime

from bot.db import make_engine
from bot.slack import outbox
from jobs.base import dry_run_deps
from jobs.registry import JOBS

# As in the benchmark: the dry-run client answers at once; Slack's pace is not the bot's work.
outbox.PER_CHANNEL_INTERVAL = 0.0


def catch_up(url: str, firings: dict[str, str]) -> None:
    engine = make_engine(url)
    try:
        for name, at in firings.items():
            with dry_run_deps(engine, lambda _text: None) as deps:
                JOBS[name].run(datetime.fromisoformat(at), deps, None)
    finally:
        engine.dispose()


if __name__ == "__main__":
    catch_up(sys.argv[1], json.loads(sys.argv[2]))
