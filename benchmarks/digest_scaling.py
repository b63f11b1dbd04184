"""Does the daily digest cost the same after a year of history as after a week?

Builds a site of 200 lines (three shifts, Monday to Friday) with one week and with one year of
history (an output entry per line and shift, a delay per line and day, an issue per line and
week), on SQLite and on a fresh PostgreSQL database, and times ``compute_digest`` for the same
production date in each. The production date is the 7th of a month, so the day, week and
month-to-date windows hold the same rows in both; only the history before them differs.
Prints both timings and the ratio year / week (goal: at most 1.3).

Then posts 200 line shift summaries through the outbox (``post_owed``) to a fake Slack that
takes 100 ms per call and prints the wall time (goal: at most 3 s) and the shortest gap between
two posts to one channel (goal: never under one second).

    .venv/bin/python -m benchmarks.digest_scaling
    .venv/bin/python -m benchmarks.digest_scaling --pg-server postgresql://postgres@127.0.0.1:5432
    .venv/bin/python -m benchmarks.digest_scaling --no-pg
"""

import argparse
import gc
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import Engine, insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from benchmarks.plant_toml import shift_tables
from bot.db import make_engine, make_session_factory, session_scope, upgrade
from bot.messages.summary import build_shift_summary_blocks, shift_summary_text
from bot.numbers.digest import compute_digest
from bot.numbers.production import compute_shift_board
from bot.plant.apply import apply_plant
from bot.plant.file import validate_plant
from bot.settings import Settings
from bot.slack.client import make_web_client
from bot.slack.outbox import Outbox
from bot.slack.owed_posts import DuePost, Message, post_owed
from models import DelayEntry, Issue, IssueCategory, IssueStatus, Line, OutputEntry, Shift, Site
from models import Severity as Sev
from tests.fakes.slack_api import running_fake_slack

ROOT = Path(__file__).resolve().parents[1]
LINES = 200
PRODUCTION_DATE = date(2026, 5, 7)  # a Thursday; the week (from Mon 4 May) is inside May
WEEK_START = date(2026, 5, 1)
YEAR_START = PRODUCTION_DATE - timedelta(days=364)
AS_OF = datetime(2026, 5, 8, 5, 0, tzinfo=UTC)  # 07:00 Berlin
TIMED_RUNS = 15
SLACK_LATENCY = 0.1
GOAL_RATIO = 1.3
GOAL_POSTING_SECONDS = 3.0
CHUNK = 10_000
HISTORIES = {"1 week": WEEK_START, "1 year": YEAR_START}
REASONS = ("breakdown", "changeover", "material", "quality", "staffing", "utilities", "other")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--pg-server", default=os.environ.get("PG_SERVER", "postgresql://postgres@127.0.0.1:5432")
    )
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    args = parser.parse_args()

    backends: list[tuple[str, Callable[[str], Any]]] = [("SQLite", _sqlite_database)]
    if not args.no_pg:
        backends.append(("PostgreSQL", lambda name: _pg_database(args.pg_server, name)))
    ok = True
    for backend, database in backends:
        with ExitStack() as stack:
            factories, rows = {}, {}
            for history, first in HISTORIES.items():
                url = stack.enter_context(database(f"prodbot_bench_{os.getpid()}_{first:%Y%m%d}"))
                engine = make_engine(url)
                stack.callback(engine.dispose)
                factories[history] = make_session_factory(engine)
                rows[history] = _build_site(engine, factories[history], first=first)
            timings = _time_digests(factories)
            for history, seconds in timings.items():
                print(
                    f"{backend:<10} {history}: {rows[history]:>7,} rows of history, digest "
                    f"{seconds * 1000:6.1f} ms (median of {TIMED_RUNS})"
                )
            ratio = timings["1 year"] / timings["1 week"]
            ok &= ratio <= GOAL_RATIO
            print(f"{backend:<10} ratio 1 year / 1 week: {ratio:.2f} (goal ≤ {GOAL_RATIO})")
            ok &= _bench_posting(factories["1 week"], backend)
    sys.exit(0 if ok else 1)


@contextmanager
def _sqlite_database(name: str) -> Iterator[str]:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/{name}.db"
        upgrade(url)
        yield url


@contextmanager
def _pg_database(server: str, name: str) -> Iterator[str]:
    script = str(ROOT / ".ci" / "pg_database.py")
    subprocess.run([sys.executable, script, "create", server, name], check=True)
    try:
        url = Settings(database_url=f"{server}/{name}", _env_file=None).database_url
        upgrade(url)
        yield url
    finally:
        subprocess.run([sys.executable, script, "drop", server, name], check=True)


def _plant() -> dict[str, Any]:
    lines = "".join(
        f"""
[[lines]]
code = "L{n:03d}"
name = "Line {n}"
channel = "C0BENCH{n:04d}"
leads = ["U0LEAD{n:04d}"]
unit_cost = 0.5
downtime_cost_per_hour = 600
targets = {{ A = 800, B = 800, C = 600 }}
"""
        for n in range(LINES)
    )
    shifts = shift_tables(
        (
            ("A", "06:00", "14:00"),
            ("B", "14:00", "22:00"),
            ("C", "22:00", "06:00"),
        ),
        days=("mon", "tue", "wed", "thu", "fri"),
    )
    site = """
[site]
name = "Benchmark"
timezone = "Europe/Berlin"
digest_channel = "C0DIGEST01"
heads = ["U0HEAD0001"]
"""
    return tomllib.loads(site + shifts + lines)


def _build_site(engine: Engine, factory: sessionmaker[Session], *, first: date) -> int:
    """Load the plant and bulk-insert history from ``first`` to the production date."""
    with session_scope(factory) as session:
        apply_plant(session=session, plant=validate_plant(_plant()), at=AS_OF)
    with factory() as session:
        line_ids = list(session.scalars(select(Line.id).order_by(Line.id)))
        shift_ids = list(session.scalars(select(Shift.id).order_by(Shift.id)))
    outputs, delays, issues = [], [], []
    day = first
    while day <= PRODUCTION_DATE:
        if day.weekday() < 5:
            at = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
            for n, line_id in enumerate(line_ids):
                where = {"line_id": line_id, "production_date": day, "reported_at": at}
                for k, shift_id in enumerate(shift_ids):
                    outputs.append(
                        {
                            **where,
                            "shift_id": shift_id,
                            "good": 500 + (n * 7 + k * 13) % 400,
                            "scrap": (n + k) % 9,
                            "reported_by": "U0LEAD0001",
                        }
                    )
                delays.append(
                    {
                        **where,
                        "shift_id": shift_ids[n % 3],
                        "minutes": 5 + n % 50,
                        "reason": REASONS[(n + day.toordinal()) % len(REASONS)],
                        "reported_by": "U0LEAD0001",
                    }
                )
                if day.weekday() == n % 5:
                    recent = day >= WEEK_START  # the same open issues in both histories
                    issues.append(
                        {
                            "line_id": line_id,
                            "shift_id": shift_ids[0],
                            "production_date": day,
                            "severity": list(Sev)[n % 4],
                            "text": "bench issue",
                            "category": IssueCategory.SAFETY if n % 97 == 0 else None,
                            "status": IssueStatus.OPEN if recent else IssueStatus.RESOLVED,
                            "raised_by": "U0LEAD0001",
                            "raised_at": at,
                        }
                    )
        day += timedelta(days=1)
    with session_scope(factory) as session:
        for table, rows in ((OutputEntry, outputs), (DelayEntry, delays), (Issue, issues)):
            for start in range(0, len(rows), CHUNK):
                session.execute(insert(table), rows[start : start + CHUNK])
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    return len(outputs) + len(delays) + len(issues)


def _time_digests(factories: dict[str, sessionmaker[Session]]) -> dict[str, float]:
    """Median wall time of ``compute_digest`` per history.

    The histories take turns, run by run, so the process's state (its heap after generating a
    year of rows, the machine's drift) weighs on both alike; each run has a fresh session (no
    ORM cache) and starts after a garbage collection. The first round only warms up.
    """
    durations: dict[str, list[float]] = defaultdict(list)
    for run in range(TIMED_RUNS + 1):
        for history, factory in factories.items():
            gc.collect()
            with factory() as session:
                site = session.scalars(select(Site)).one()
                started = time.perf_counter()
                digest = compute_digest(
                    session, site=site, production_date=PRODUCTION_DATE, as_of=AS_OF
                )
                elapsed = time.perf_counter() - started
            assert digest.total_target == LINES * 2200 and digest.total_planned_good > 0
            if run:
                durations[history].append(elapsed)
    return {history: statistics.median(times) for history, times in durations.items()}


def _bench_posting(factory: sessionmaker[Session], backend: str) -> bool:
    """200 shift summaries through the outbox to a fake Slack answering in 100 ms."""
    with factory() as session:
        shift = session.scalars(select(Shift).where(Shift.name == "A")).one()
        posts = []
        for line in session.scalars(select(Line).order_by(Line.code)):
            view = compute_shift_board(
                session, line=line, shift=shift, production_date=PRODUCTION_DATE, at=AS_OF
            )
            posts.append(
                DuePost(
                    job="bench-summary",
                    scope=f"line:{line.id}",
                    period=f"{PRODUCTION_DATE}/A",
                    message=Message(
                        channel=line.channel_id or "",
                        text=shift_summary_text(view),
                        blocks=[
                            b.to_dict() for b in build_shift_summary_blocks(view, reported=True)
                        ],
                    ),
                )
            )
    with running_fake_slack(latency=SLACK_LATENCY) as fake:
        settings = Settings(
            slack_bot_token=SecretStr("xoxb-bench"), slack_api_url=fake.base_url, _env_file=None
        )
        client = make_web_client(settings)
        started = time.perf_counter()
        outbox = Outbox(client=client, session_factory=factory)
        outcomes = post_owed(outbox, posts, keep_for=timedelta(hours=1))
        elapsed = time.perf_counter() - started
        calls = fake.calls_to("chat.postMessage")
    sent = sum(outcome.sent for outcome in outcomes)
    by_channel: dict[str, list[float]] = defaultdict(list)
    for call in calls:
        by_channel[call.args["channel"]].append(call.at)
    gaps = [b - a for ats in by_channel.values() for a, b in itertools.pairwise(ats)]
    busiest = max(len(ats) for ats in by_channel.values())
    spacing = (
        f"shortest gap on one channel {min(gaps):.2f} s"
        if gaps
        else f"at most {busiest} post per channel"
    )
    print(
        f"{backend:<10} posting {sent} summaries to {len(by_channel)} channels "
        f"(fake Slack {SLACK_LATENCY * 1000:.0f} ms/call): {elapsed:.2f} s "
        f"(goal ≤ {GOAL_POSTING_SECONDS:.0f} s), {spacing}"
    )
    return (
        sent == len(posts) == len(calls)
        and elapsed <= GOAL_POSTING_SECONDS
        and all(gap >= 1.0 for gap in gaps)
    )


if __name__ == "__main__":
    main()
