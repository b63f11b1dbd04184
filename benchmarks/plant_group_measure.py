"""The measures of ``benchmarks/plant_group.py``: jobs, ``/prod status``, exports, RSS, EXPLAIN.

Jobs run under ``jobs.base.dry_run_deps``: a Slack client that sends nothing, and every row
a run owes rolled back afterwards, so each timed run finds the same work. ``/prod status``
runs through the handler's own function (``handlers.prod_command.prod_status``), whatever it
calls underneath. Exports and the scheduler's work run in child processes (the catch-up:
``benchmarks/plant_group_catch_up.py``), whose peak RSS ``getrusage`` reports.
"""

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Engine, bindparam, event, select, text
from sqlalchemy.orm import Session, sessionmaker

from benchmarks.plant_group_build import LARGE_TABLES, site_name
from bot.db import session_scope
from bot.plant.snapshot import load_snapshot
from bot.records.scope import request_scope
from bot.slack import outbox
from handlers.prod_command import ProdRequest, prod_status
from jobs.base import dry_run_deps
from jobs.registry import INTERVALS, JOBS
from jobs.scheduler import next_runs
from models import Site
from models.schemas import StatusCommand

PRODBOT = str(Path(sys.executable).with_name("prodbot"))
# The outbox keeps Slack's pace of one post a second per channel by sleeping; the dry-run
# client answers at once, so the figures are the bot's own work, not Slack's pace.
outbox.PER_CHANNEL_INTERVAL = 0.0


@dataclass(frozen=True)
class Figure:
    measure: str
    figure: str
    goal: str
    met: bool | None  # None: no goal, shown for information


def firing_times(factory: sessionmaker[Session], base: datetime) -> dict[str, datetime]:
    """When each job next fires after ``base`` at the first site (interval jobs: ``base``)."""
    first = site_name(1)
    runs = next_runs(factory, base)
    return {
        name: base if name in INTERVALS else next(run.at for run in runs[name] if run.site == first)
        for name in JOBS
    }


def run_job(engine: Engine, name: str, at: datetime, sites: list[int] | None) -> float:
    """Seconds one dry run of job ``name`` takes at ``at`` for ``sites`` (None: all)."""
    with dry_run_deps(engine, lambda _text: None) as deps:
        started = time.perf_counter()
        JOBS[name].run(at, deps, sites)
        return time.perf_counter() - started


def time_jobs(engine: Engine, firings: dict[str, datetime], first_site: int) -> list[Figure]:
    figures = []
    for name, at in firings.items():
        interval = name in INTERVALS
        runs = (
            [("all sites", None)] if interval else [("1 site", [first_site]), ("all sites", None)]
        )
        for label, sites in runs:
            goal = 1.0 if sites else 10.0
            try:
                seconds = run_job(engine, name, at, sites)
            except Exception as error:  # a failed run is a figure too: the others still count
                figures.append(failed(f"job {name}, {label}", f"≤ {goal:g} s", error))
                continue
            figures.append(
                Figure(f"job {name}, {label}", f"{seconds:.2f} s", f"≤ {goal:g} s", seconds <= goal)
            )
    return figures


def failed(measure: str, goal: str, error: Exception) -> Figure:
    return Figure(measure, f"failed: {type(error).__name__}", goal, False)


class _Ack:
    """Stands in for Bolt's ``ack``: keeps what the handler answered."""

    def __init__(self) -> None:
        self.blocks: list[dict[str, Any]] = []

    def __call__(self, **answer: Any) -> None:
        self.blocks = answer.get("blocks") or []


def time_status(factory: sessionmaker[Session], at: datetime) -> Figure:
    """``/prod status`` (every line) at each site, as its head asks for it; total seconds."""
    with session_scope(factory) as session:
        plant = load_snapshot(session)
        scopes = [
            request_scope(
                session,
                channel_id=None,
                user_id=f"U0S{n:02d}HEAD",
                team_id=None,
                at=at,
                plant=plant,
            )
            for n in range(1, len(plant.sites) + 1)
        ]
    lines = sum(len(scope.site.lines) for scope in scopes)
    started = time.perf_counter()
    for scope in scopes:
        ack = _Ack()
        request = ProdRequest(
            ack=cast(Any, ack),
            respond=cast(Any, None),
            client=cast(Any, None),
            db=factory,
            boards=cast(Any, None),
            exports=cast(Any, None),
            outbox=cast(Any, None),
            scope=scope,
            user_id=f"U0S{scope.site.id:02d}HEAD",
            trigger_id="bench",
            at=at,
        )
        prod_status(request, StatusCommand())
        assert ack.blocks, "the status answer had no blocks"
    seconds = time.perf_counter() - started
    return Figure(f"/prod status, {lines} lines", f"{seconds:.2f} s", "≤ 1 s", seconds <= 1.0)


# Runs the command and prints its peak RSS in KB. Why a launcher: a child forked from this
# process inherits its high-water RSS (Linux keeps it across exec), so the benchmark's own
# memory would be reported as the child's; a fresh small interpreter in between starts clean.
LAUNCHER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
    "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(usage.ru_maxrss, usage.ru_utime + usage.ru_stime)\n"
    "sys.exit(code)\n"
)


@dataclass(frozen=True)
class ChildRun:
    seconds: float
    cpu_seconds: float  # the child's own: the machine's other load shows in ``seconds`` only
    peak_rss_mb: int


def child_run(args: list[str], env: dict[str, str]) -> ChildRun:
    """How long a child process took and its peak RSS; it must succeed."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *args], env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    if done.returncode:
        raise RuntimeError(f"{args[:3]} failed ({done.returncode}): {done.stderr[-2000:]}")
    rss_kb, cpu = done.stdout.split()[-2:]
    return ChildRun(seconds, float(cpu), int(rss_kb) // 1024)


def time_exports(url: str, last_day: datetime, out: Path) -> list[Figure]:
    """``prodbot export`` of every site for the last month and the last three months."""
    env = {**os.environ, "DATABASE_URL": url}
    env = {k: v for k, v in env.items() if k != "PRODBOT_PLANT"}
    figures = []
    for label, days in (("1 month", 30), ("3 months", 91)):
        first = last_day.date() - timedelta(days=days - 1)
        dates = ["--from", f"{first}", "--to", f"{last_day.date()}"]
        try:
            run = child_run([PRODBOT, "export", *dates, "--out", str(out)], env)
        except RuntimeError as error:
            print(error, file=sys.stderr)
            figures.append(failed(f"export {label}", "≤ 150 MB", error))
            continue
        time_goal = label == "1 month"
        figures += [
            Figure(
                f"export {label}, time",
                f"{run.seconds:.2f} s ({run.cpu_seconds:.2f} s CPU)",
                "≤ 3 s" if time_goal else "",
                run.seconds <= 3 if time_goal else None,
            ),
            Figure(
                f"export {label}, peak RSS",
                f"{run.peak_rss_mb} MB",
                "≤ 150 MB",
                run.peak_rss_mb <= 150,
            ),
        ]
    return figures


def scheduler_rss(url: str, firings: dict[str, datetime]) -> Figure:
    """Peak RSS of a process doing a scheduler's catch-up: every job once, for every site."""
    plan = json.dumps({name: at.isoformat() for name, at in firings.items()})
    run = child_run(
        [sys.executable, "-m", "benchmarks.plant_group_catch_up", url, plan], dict(os.environ)
    )
    return Figure(
        f"scheduler catch-up ({run.seconds:.1f} s), peak RSS",
        f"{run.peak_rss_mb} MB",
        "≤ 150 MB",
        run.peak_rss_mb <= 150,
    )


@contextmanager
def captured_sql(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """Every statement that reads or changes rows the engine runs meanwhile (not inserts), with
    its parameters."""
    statements: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH", "UPDATE", "DELETE")):
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", keep)


# A table is large from this many rows: below it a sequential scan is the planner's right
# choice (a small build's tables), not a missing index.
LARGE = 100_000


def _seq_scans(plan: dict[str, Any], large: frozenset[str]) -> Iterator[tuple[str, float]]:
    if plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") in large:
        yield plan["Relation Name"], plan.get("Plan Rows", 0)
    for child in plan.get("Plans", []):
        yield from _seq_scans(child, large)


def explain(engine: Engine, paths: dict[str, Callable[[], object]]) -> list[str]:
    """Run each path with its SQL captured, EXPLAIN every distinct statement; one line per
    sequential scan of a large table (one of ``LARGE_TABLES`` holding ``LARGE`` rows or more:
    path, table, estimated rows, the statement's start)."""
    with engine.connect() as connection:
        sizes = connection.execute(
            text("SELECT relname, reltuples FROM pg_class WHERE relname IN :tables").bindparams(
                bindparam("tables", expanding=True)
            ),
            {"tables": list(LARGE_TABLES)},
        )
        large = frozenset(table for table, rows in sizes if rows >= LARGE)
    findings: list[str] = []
    seen: set[str] = set()
    for path, run in paths.items():
        with captured_sql(engine) as statements:
            try:
                run()
            except Exception as error:  # what it ran until then is still worth explaining
                findings.append(f"{path}: failed ({type(error).__name__}: {error})"[:300])
        for statement, parameters in statements:
            if statement in seen:
                continue
            seen.add(statement)
            with engine.connect() as connection:
                [[plan]] = connection.exec_driver_sql(
                    "EXPLAIN (FORMAT JSON) " + statement, parameters
                ).all()
            for table, rows in _seq_scans(plan[0]["Plan"], large):
                where = " ".join(statement.split())[:160]
                findings.append(f"{path}: Seq Scan on {table} (~{rows:.0f} rows): {where}")
    return findings


def first_site_id(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return session.scalars(select(Site.id).where(Site.name == site_name(1))).one()
