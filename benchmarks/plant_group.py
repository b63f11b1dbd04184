"""Twenty sites on one database: build the plant group on PostgreSQL, then time what runs on it.

Builds 20 sites × 25 lines, three shifts a day, two years of history (~8.75M output entries,
~2.19M delays, ~52k issues: ``benchmarks/plant_group_build.py``) in a fresh database, then
measures (``benchmarks/plant_group_measure.py``) against the goals of issue #10:

- each scheduled job's firing for one site (≤ 1 s) and for all sites (≤ 10 s), under a Slack
  client that sends nothing;
- ``/prod status`` of every line of every site (≤ 1 s in all);
- ``prodbot export`` of every site for one month (≤ 3 s, ≤ 150 MB RSS) and three months
  (≤ 150 MB RSS), each in a child process;
- the peak RSS of a process doing the scheduler's catch-up (every job, every site; ≤ 150 MB);

prints them as a table, then EXPLAINs every statement the jobs (one site), ``/prod status``
and the export ran and lists each sequential scan of a large table.

    .venv/bin/python -m benchmarks.plant_group                      # the full group, minutes
    .venv/bin/python -m benchmarks.plant_group --sites 2 --lines 5 --days 30
    .venv/bin/python -m benchmarks.plant_group --reuse              # measure the built one again
"""

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from benchmarks.plant_group_build import Shape, build, site_name
from benchmarks.plant_group_measure import (
    Figure,
    explain,
    failed,
    firing_times,
    first_site_id,
    run_job,
    scheduler_rss,
    time_exports,
    time_jobs,
    time_status,
)
from bot.db import make_engine, make_session_factory, upgrade
from bot.settings import Settings
from bot.transfer.export import (
    KINDS,
    export_csv_files,
    lines_of_site,
    read_export,
    write_csv,
)

ROOT = Path(__file__).resolve().parents[1]
# Monday morning, a little before the first site's early shift ends: the morning's jobs (shift
# summary, missing report, digest, weekly review, pace, escalations) all fire within two hours.
NOW = datetime(2026, 11, 30, 4, 55, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--server", default=os.environ.get("PG_SERVER", "postgresql://postgres@127.0.0.1:5432")
    )
    parser.add_argument(
        "--database",
        default="prodbot_plant_group",
        help="dropped and created afresh unless --reuse: never name a database you keep",
    )
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--lines", type=int, default=25)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--reuse", action="store_true", help="measure the database built before")
    parser.add_argument("--build-only", action="store_true", help="build, measure nothing")
    parser.add_argument("--no-explain", action="store_true")
    args = parser.parse_args()

    url = Settings(database_url=f"{args.server}/{args.database}", _env_file=None).database_url
    shape = Shape(sites=args.sites, lines=args.lines, days=args.days, now=NOW)
    if not args.reuse:
        started = time.perf_counter()
        counts = create_and_build(args.server, args.database, url, shape)
        minutes = (time.perf_counter() - started) / 60
        print(f"built {args.sites} × {args.lines} × {args.days} days in {minutes:.1f} min:")
        for table, rows in counts.items():
            print(f"  {table}: {rows:,} rows")
        if args.build_only:
            return
    figures, findings = measure(url, shape, explain_plans=not args.no_explain)
    print_table(figures)
    if not args.no_explain:
        print("\nSequential scans of large tables (EXPLAIN):")
        print("\n".join(f"  {finding}" for finding in findings) or "  none")
    sys.exit(0 if all(figure.met is not False for figure in figures) else 1)


def create_and_build(server: str, database: str, url: str, shape: Shape) -> dict[str, int]:
    """A fresh database, migrated, with the plant group built in it."""
    script = str(ROOT / ".ci" / "pg_database.py")
    for action in ("drop", "create"):
        subprocess.run([sys.executable, script, action, server, database], check=True)
    upgrade(url)
    engine = make_engine(url)
    try:
        return build(engine, make_session_factory(engine), shape)
    finally:
        engine.dispose()


def measure(url: str, shape: Shape, *, explain_plans: bool) -> tuple[list[Figure], list[str]]:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    try:
        firings = firing_times(factory, shape.now)
        site = first_site_id(factory)
        figures = time_jobs(engine, firings, site)
        try:
            figures.append(time_status(factory, shape.now))
        except Exception as error:  # a failed measure is a figure too: the others still count
            figures.append(failed("/prod status, every line", "≤ 1 s", error))
        with tempfile.TemporaryDirectory() as out:
            figures += time_exports(url, shape.now, Path(out))
        try:
            figures.append(scheduler_rss(url, firings))
        except RuntimeError as error:
            print(error, file=sys.stderr)
            figures.append(failed("scheduler catch-up, peak RSS", "≤ 150 MB", error))
        if not explain_plans:
            return figures, []
        paths = {
            f"job {name}": (lambda name=name, at=at: run_job(engine, name, at, [site]))
            for name, at in firings.items()
        }
        paths["/prod status"] = lambda: time_status(factory, shape.now)
        paths["export (terminal, Slack)"] = lambda: _export_month(factory, shape)
        return figures, explain(engine, paths)
    finally:
        engine.dispose()


def _export_month(factory: sessionmaker[Session], shape: Shape) -> None:
    """The last month's files, written nowhere (for their statements): of every site, as
    ``prodbot export`` reads them, and of the first site's lines, as ``/prod export`` does."""
    last = shape.now.date()
    first = last - timedelta(days=29)
    with factory() as session:
        for kind in KINDS:
            write_csv(session, kind, io.StringIO(), date_from=first, date_to=last, line_ids=None)
        lines = lines_of_site(session, site_name=site_name(1))
        scope = read_export(session, date_from=first, date_to=last, line_ids=lines)
        names = {person: person.lower() for person in scope.people}
        export_csv_files(session, date_from=first, date_to=last, line_ids=lines, names=names)


def print_table(figures: list[Figure]) -> None:
    rows = [("measure", "figure", "goal", "met?")] + [
        (
            figure.measure,
            figure.figure,
            figure.goal,
            "" if figure.met is None else ("yes" if figure.met else "NO"),
        )
        for figure in figures
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    for number, row in enumerate(rows):
        print(" | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
        if number == 0:
            print("-+-".join("-" * width for width in widths))


if __name__ == "__main__":
    main()
