"""The ``prodbot`` command line: what a plant's IT admin types."""

import json
import logging
import signal
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import engine_for, make_session_factory, session_scope, upgrade
from bot.entry import init_cli, outbox_cli
from bot.entry.app import create_app
from bot.entry.cli_errors import CliOptions, run_reporting_errors
from bot.entry.manifest import build_manifest
from bot.entry.screen_cli import screen_app
from bot.entry.slack_cli import resolve_plant_names, slack_app
from bot.errors import NotFound
from bot.plant.apply import apply_plant
from bot.plant.file import PlantFileError, read_plant_file
from bot.settings import get_settings
from bot.slack.client import make_web_client
from bot.slack.readiness import connect_when_reachable
from bot.transfer.export import (
    ExportRangeError,
    check_export_range,
    export_csv_files,
    lines_of_site,
)
from bot.transfer.importer import ImportFileError, import_csv_file
from jobs.base import JobDeps, dry_run_deps
from jobs.leader import leader_lock_for
from jobs.registry import JOBS
from jobs.scheduler import next_runs, serve_scheduler
from models import Site

app = typer.Typer(
    help="prodbot: the production assistant that lives in Slack.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
jobs_app = typer.Typer(help="Scheduled jobs, run on demand.", no_args_is_help=True)
plant_app = typer.Typer(help="The plant file: site, lines, shifts, targets.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(plant_app, name="plant")
app.add_typer(jobs_app, name="jobs")
outbox_cli.register(app)
init_cli.register(app)
app.add_typer(screen_app, name="screen")
app.add_typer(slack_app, name="slack")

console = Console()
errors = Console(stderr=True)


def main() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    run_reporting_errors(app)


@app.callback()
def options(
    debug: Annotated[
        bool, typer.Option("--debug", help="On an error, show its traceback too.")
    ] = False,
) -> None:
    """prodbot: the production assistant that lives in Slack."""
    CliOptions.debug = debug


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the Alembic migrations up to the newest schema."""
    settings = get_settings()
    upgrade(settings.database_url)
    console.print("Database schema is up to date.")


@plant_app.command("load")
def plant_load(
    file: Annotated[
        Path | None, typer.Argument(help="The plant TOML file (default: $PRODBOT_PLANT).")
    ] = None,
) -> None:
    """Create or update a site from a plant file. Nothing is written if the file has a mistake."""
    file = file or get_settings().plant_file
    try:
        plant = resolve_plant_names(read_plant_file(file), source=str(file))
    except PlantFileError as error:
        errors.print(f"[red]{file} was not loaded[/red]; fix these and load it again:")
        for problem in error.problems:
            errors.print(f"  • {problem}", highlight=False, markup=False)
        raise typer.Exit(1) from None
    factory = make_session_factory(engine_for(get_settings()))
    with session_scope(factory) as session:
        changes = apply_plant(session=session, plant=plant, at=datetime.now(UTC))
    if not changes:
        console.print(f"{plant.site.name}: already up to date, nothing changed.")
        return
    console.print(f"{plant.site.name}: {len(changes)} change(s)")
    for change in changes:
        console.print(f"  • {change}", highlight=False, markup=False)


@jobs_app.command("list")
def jobs_list() -> None:
    """Every job, what it posts, and when it runs next in each site's time zone."""
    upcoming = next_runs(make_session_factory(engine_for(get_settings())), datetime.now(UTC))
    for name, job in JOBS.items():
        console.print(f"[bold]{name}[/bold]  {job.description}", highlight=False)
        for run in upcoming.get(name, []):
            where = f" at {run.site}" if run.site else ""
            console.print(
                f"    next run: {run.at:%a %Y-%m-%d %H:%M %Z} ({run.at.tzinfo}){where}",
                highlight=False,
                markup=False,
            )
    if not upcoming:
        console.print("No site is loaded, so nothing is scheduled (`prodbot plant load`).")


@jobs_app.command("run")
def jobs_run(
    name: Annotated[str, typer.Argument(help="The job, as `prodbot jobs list` shows it.")],
    at: Annotated[
        datetime | None,
        typer.Option(
            help="The clock the job believes it is (ISO-8601; without a UTC offset, the site's "
            "local time; default: now).",
            parser=datetime.fromisoformat,
        ),
    ] = None,
    site: Annotated[
        str | None,
        typer.Option(help="The site whose local time --at is (only with several sites)."),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Print what it would post; post, claim and keep nothing."),
    ] = False,
) -> None:
    """Run one job now. Safe to repeat: whatever it already posted is not posted again."""
    job = JOBS.get(name)
    if job is None:
        errors.print(f"[red]unknown job {name!r}[/red]; jobs: {', '.join(JOBS)}")
        raise typer.Exit(2)
    settings = get_settings()
    engine = engine_for(settings)
    deps = JobDeps(session_factory=make_session_factory(engine), client=make_web_client(settings))
    if at is not None:
        at = _instant_at_site(at, site, deps.session_factory)
    if dry_run:
        with dry_run_deps(engine, lambda text: console.print(text, markup=False)) as preview:
            outcomes = job.run(at or datetime.now(UTC), preview)
        console.print(f"{name}: {len(outcomes)} message(s) would be sent; nothing was posted")
        return
    outcomes = job.run(at or datetime.now(UTC), deps)
    sent = [outcome for outcome in outcomes if outcome.sent]
    console.print(
        f"{name}: {len(sent)} posted, {len(outcomes) - len(sent)} already posted or retried later"
    )


def _instant_at_site(
    at: datetime, site: str | None, session_factory: sessionmaker[Session]
) -> datetime:
    """``at`` if it has a UTC offset, else the same wall-clock time at ``site`` (needed only
    when several sites are loaded)."""
    if at.tzinfo is not None:
        return at
    with session_scope(session_factory) as session:
        zones = {row.name: row.timezone for row in session.scalars(select(Site))}
    named = [name for name in zones if site is not None and name.casefold() == site.casefold()]
    if site is not None and not named:
        problem = f"no site is named {site!r}; sites: {', '.join(zones) or 'none loaded'}"
    elif named or len(zones) == 1:
        name = named[0] if named else next(iter(zones))
        local = at.replace(tzinfo=ZoneInfo(zones[name]))
        console.print(
            f"--at {at.isoformat()} is taken as {local:%Y-%m-%d %H:%M %Z} ({zones[name]}), "
            f"the time at {name}",
            highlight=False,
            markup=False,
        )
        return local
    elif not zones:
        problem = "--at has no UTC offset and no site is loaded: add one, e.g. +01:00"
    else:
        problem = (
            f"--at has no UTC offset and there are {len(zones)} sites ({', '.join(zones)}): "
            "add --site NAME or the offset"
        )
    typer.echo(f"prodbot jobs run: {problem}", err=True)
    raise typer.Exit(2)


@app.command("export")
def export(
    date_from: Annotated[
        datetime | None, typer.Option("--from", formats=["%Y-%m-%d"], help="First production date.")
    ] = None,
    date_to: Annotated[
        datetime | None, typer.Option("--to", formats=["%Y-%m-%d"], help="Last production date.")
    ] = None,
    site: Annotated[
        str | None, typer.Option(help="Only this site's lines (its name; default: every site).")
    ] = None,
    out: Annotated[Path, typer.Option(help="Folder to write the CSV files to.")] = Path("."),
) -> None:
    """Write entries, delays and issues as CSV files (the same files `/prod export` sends),
    at most 366 days at a time."""
    last = date_to.date() if date_to else date.today()
    first = date_from.date() if date_from else last - timedelta(days=6)
    if first > last:
        typer.echo(f"prodbot export: --from is after --to ({first} > {last})", err=True)
        raise typer.Exit(2)
    try:
        check_export_range(first, last)
    except ExportRangeError as error:
        typer.echo(f"prodbot export: {error.message}", err=True)
        raise typer.Exit(2) from None
    factory = make_session_factory(engine_for(get_settings()))
    with session_scope(factory) as session:
        try:
            line_ids = None if site is None else lines_of_site(session, site_name=site)
        except NotFound as error:
            typer.echo(f"prodbot export: {error.message}", err=True)
            raise typer.Exit(2) from None
        files = export_csv_files(session, date_from=first, date_to=last, line_ids=line_ids)
    out.mkdir(parents=True, exist_ok=True)
    for file in files:
        (out / file.name).write_text(file.content, encoding="utf-8")
        console.print(f"{out / file.name}: {file.rows} row(s)", highlight=False)


@app.command("import")
def import_file(
    file: Annotated[
        Path, typer.Argument(help="An entries or delays CSV file as `prodbot export` writes it.")
    ],
) -> None:
    """Load historic output or delay records. Nothing is written if any row has a mistake;
    rows an earlier import already added are skipped."""
    factory = make_session_factory(engine_for(get_settings()))
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    try:
        with Progress(
            *columns, console=console, transient=True, disable=not console.is_terminal
        ) as bar:
            task = bar.add_task(f"importing {file.name}", total=None)
            report = import_csv_file(
                file,
                session_factory=factory,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    except ImportFileError as error:
        errors.print(f"[red]{file} was not imported[/red]; fix these and import it again:")
        for problem in error.problems:
            errors.print(f"  • {problem}", highlight=False, markup=False)
        raise typer.Exit(1) from None
    console.print(
        f"{file}: {report.rows} {report.kind} row(s), {report.added} added, "
        f"{report.skipped} skipped as already imported",
        highlight=False,
    )


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "0.0.0.0",
    port: Annotated[int | None, typer.Option(help="Port (default: $PORT, else 3000).")] = None,
    workers: Annotated[int, typer.Option(help="gunicorn worker processes.")] = 2,
    threads: Annotated[int, typer.Option(help="Threads per worker.")] = 8,
) -> None:
    """HTTP mode: Slack requests at /slack/events, health at /healthz (under gunicorn)."""
    from bot.entry.server import run_gunicorn

    settings = get_settings()
    settings.require("slack_bot_token", "slack_signing_secret")
    engine_for(settings).dispose()  # an unsupported DATABASE_URL stops here, in one line
    run_gunicorn(host=host, port=port or settings.port, workers=workers, threads=threads)


@app.command("demo")
def demo(
    out: Annotated[
        Path | None,
        typer.Option(
            help="Folder for the messages, chart and database (default: a new temp folder)."
        ),
    ] = None,
) -> None:
    """The whole story with no Slack account: a sample plant, a day and a half of reports
    through the real request path, every job on a simulated clock, every message shown."""
    from bot.demo.run import run_demo

    run_demo(out, console)


@app.command("scheduler")
def scheduler() -> None:
    """The scheduled jobs only. Several may run: one leads, the others stand by."""
    settings = get_settings()
    engine = engine_for(settings)
    deps = JobDeps(session_factory=make_session_factory(engine), client=make_web_client(settings))
    raise typer.Exit(serve_scheduler(deps, leader_lock_for(engine), _stop_on_signal()))


@app.command("run")
def run() -> None:
    """Socket Mode bot and scheduler in one process: no public URL needed."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    settings = get_settings()
    tokens = settings.require("slack_bot_token", "slack_app_token")
    engine = engine_for(settings)
    session_factory = make_session_factory(engine)
    client = make_web_client(settings)
    bolt = create_app(
        settings=settings, session_factory=session_factory, client=client, socket_mode=True
    )
    stop = _stop_on_signal()
    jobs_thread = threading.Thread(
        target=serve_scheduler,
        args=(JobDeps(session_factory, client), leader_lock_for(engine), stop),
        name="scheduler",
        daemon=True,
    )
    jobs_thread.start()
    handler = SocketModeHandler(bolt, app_token=tokens["slack_app_token"])
    try:
        # Started while Slack is unreachable, it keeps trying; Slack refusing the token stops it.
        connect_when_reachable(handler.connect, stop)
        stop.wait()
        handler.close()
    finally:
        # The scheduler stops before any error is printed, so that error is the last line.
        stop.set()
        jobs_thread.join(timeout=30)


def _stop_on_signal() -> threading.Event:
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    return stop


@app.command("manifest")
def manifest(
    url: Annotated[
        str | None,
        typer.Option(help="Public base URL for HTTP mode; without it, Socket Mode is used."),
    ] = None,
) -> None:
    """Print the Slack app manifest (paste it at api.slack.com/apps → Create New App)."""
    print(json.dumps(build_manifest(request_url=url), indent=2))
